import { McpAuthError } from '../core/mcp-auth.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';

/**
 * The claim rules every verifier applies — JWT (RFC 9068), introspection (RFC 7662), a custom `verify` function —
 * and the verified-token cache on every hit: one semantics, one error code per failure.
 *
 * Time (RFC 7519 §4.1.4–4.1.6, `tolerance` = the `clockTolerance` option, `now` in seconds, fractional):
 * - a time claim is a NumericDate: a finite number within the range of dates (|t| ≤ 8.64e12 s, ECMA-262
 *   §21.4.1.1); anything else — a string, `null`, a boolean, `NaN`, `±Infinity`, `1e16` — is refused
 *   (`ERR_TOKEN_INVALID`), never ignored;
 * - `exp`: valid iff `now < exp + tolerance`, else `ERR_TOKEN_EXPIRED`; required for JWTs (RFC 9068 §2.2: a
 *   missing `exp` is `ERR_TOKEN_EXPIRED`), optional for introspection (RFC 7662 §2.2) and custom verifiers;
 * - `nbf`: refused while `now < nbf - tolerance` (`ERR_TOKEN_NOT_YET_VALID`);
 * - `iat`: refused when more than `tolerance` in the future, `iat > now + tolerance` (`ERR_TOKEN_NOT_YET_VALID`).
 *
 * Issuer: `iss` must be one of the trusted issuers, exactly (RFC 9068 §4, `ERR_TOKEN_ISSUER`). Audience: the
 * token's audience must name the resource or a configured audience, unless turned off (RFC 9068 §4, RFC 8707,
 * `ERR_TOKEN_AUDIENCE`).
 *
 * The functions take scalars and allocate nothing unless they throw: they run on the cached hot path.
 */

/** Seconds since the epoch of the last date JavaScript can represent (±100 000 000 days, ECMA-262 §21.4.1.1). */
export const MAX_NUMERIC_DATE = 8.64e12;

/** RFC 7519 NumericDate: a finite number, here within the range of dates (a huge `exp` is an attack, not a date). */
export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && value <= MAX_NUMERIC_DATE && value >= -MAX_NUMERIC_DATE;
}

/** Whether a missing `exp` is refused: always for JWTs, never for introspection responses and custom verifiers. */
export type ExpRule = 'required' | 'optional';

/**
 * The time rules above, for one token. `exp`, `nbf` and `iat` are the raw claim values (`undefined` when absent).
 *
 * @throws McpAuthError `ERR_TOKEN_INVALID`, `ERR_TOKEN_EXPIRED` or `ERR_TOKEN_NOT_YET_VALID`.
 */
export function assertTokenTimes(
  exp: unknown,
  nbf: unknown,
  iat: unknown,
  now: number,
  tolerance: number,
  expRule: ExpRule,
): void {
  if (exp === undefined) {
    if (expRule === 'required') throw new McpAuthError('ERR_TOKEN_EXPIRED', 'The token has no "exp" claim');
  } else if (!isNumericDate(exp)) {
    throw notNumericDate('exp');
  } else if (now >= exp + tolerance) {
    throw new McpAuthError('ERR_TOKEN_EXPIRED', 'The token has expired');
  }
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) throw notNumericDate('nbf');
    if (now < nbf - tolerance) {
      throw new McpAuthError('ERR_TOKEN_NOT_YET_VALID', 'The token is not valid yet ("nbf")');
    }
  }
  if (iat !== undefined) {
    if (!isNumericDate(iat)) throw notNumericDate('iat');
    if (iat > now + tolerance) {
      throw new McpAuthError('ERR_TOKEN_NOT_YET_VALID', 'The token was issued in the future ("iat")');
    }
  }
}

function notNumericDate(claim: string): McpAuthError {
  return new McpAuthError(
    'ERR_TOKEN_INVALID',
    `The "${claim}" claim must be a NumericDate within the range of dates`,
  );
}

/**
 * `iss` must be exactly one of `trusted` (a resource's authorization servers, or the one that introspected).
 *
 * @throws McpAuthError `ERR_TOKEN_ISSUER`.
 */
export function assertTrustedIssuer(
  iss: unknown,
  trusted: string | readonly string[],
): asserts iss is string {
  const ok =
    typeof iss === 'string' && (typeof trusted === 'string' ? iss === trusted : trusted.includes(iss));
  if (!ok) {
    throw new McpAuthError('ERR_TOKEN_ISSUER', 'The token was not issued by a trusted authorization server');
  }
}

/**
 * The token's audience must name this resource (or a configured audience), unless turned off explicitly.
 *
 * @throws McpAuthError `ERR_TOKEN_AUDIENCE`.
 */
export function assertAudience(audience: readonly string[], resource: ResolvedResource): void {
  if (resource.audience === false) return;
  const accepted = resource.audience;
  if (!audience.some((a) => accepted.includes(a))) {
    throw new McpAuthError('ERR_TOKEN_AUDIENCE', 'The token is not intended for this resource ("aud")');
  }
}
