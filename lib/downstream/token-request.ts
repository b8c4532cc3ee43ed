import { decodeJwt } from 'jose';
import { DownstreamTokenError, type DownstreamTokenErrorCode } from './downstream-token.error.js';
import { GRANT_TYPE } from '../core/oauth-grants.js';
import type { ResolvedDownstreamTarget } from './resolve-downstream-options.js';

/** A token for a downstream API, as `DownstreamTokens.getToken()` returns it. */
export interface DownstreamToken {
  /** The access token for the target API: send it there only (`Authorization: Bearer …`), never log it. */
  readonly accessToken: string;
  /** Always `Bearer` (other token types are refused). */
  readonly tokenType: 'Bearer';
  /** When it expires, seconds since the epoch: the earlier of `expires_in` and the token's own `exp`. */
  readonly expiresAt?: number;
  /** The scopes granted (`scope` of the answer), else those asked for. */
  readonly scopes: readonly string[];
  /** RFC 8693 `issued_token_type`, when the provider answered one. */
  readonly issuedTokenType?: string;
}

/**
 * The form of a token request for `target` (without client authentication): RFC 8693 §2.1 for `token-exchange`
 * (`subject_token` = the caller's access token, `subject_token_type` (an access token by default), every `resource` and
 * `audience`, `scope`, `requested_token_type`); the Entra ID on-behalf-of form for `on-behalf-of` (jwt-bearer
 * `assertion`, `requested_token_use=on_behalf_of`, `scope`, and `resource` when configured); RFC 6749 §4.4 for
 * `client-credentials` (`scope`, `resource`, `audience`).
 */
export function tokenRequestForm(
  target: ResolvedDownstreamTarget,
  subjectToken: string | undefined,
): URLSearchParams {
  const form = new URLSearchParams({ grant_type: GRANT_TYPE[target.grant] });
  if (target.grant === 'token-exchange') {
    form.set('subject_token', subjectToken ?? '');
    form.set('subject_token_type', target.subjectTokenType);
  } else if (target.grant === 'on-behalf-of') {
    form.set('assertion', subjectToken ?? '');
    form.set('requested_token_use', 'on_behalf_of');
  }
  for (const resource of target.resource) form.append('resource', resource);
  if (target.grant !== 'on-behalf-of')
    for (const audience of target.audience) form.append('audience', audience);
  if (target.scopes.length > 0) form.set('scope', target.scopes.join(' '));
  if (target.grant === 'token-exchange') form.set('requested_token_type', target.requestedTokenType);
  return form;
}

/** A token endpoint's answer: its status, its content type and its body (read by `readProviderText`). */
export interface TokenAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** What a token answer is judged against. */
export interface TokenAnswerContext {
  readonly target: ResolvedDownstreamTarget;
  readonly endpoint: string;
  /** Values that must never appear in a message (the caller's token, the client secret). */
  readonly secrets: readonly string[];
  /** The caller's token: the provider must not hand it back (that would be token passthrough). */
  readonly subjectToken?: string;
  readonly retryAfter: number;
  /** Seconds since the epoch. */
  readonly now: number;
}

const OAUTH_CODES: ReadonlySet<string> = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_target',
]);
const UNAVAILABLE: ReadonlySet<string> = new Set(['temporarily_unavailable', 'server_error']);

/**
 * The token in a token endpoint's answer (RFC 6749 §5.1, RFC 8693 §2.2.1), or the typed failure (RFC 6749 §5.2):
 * an OAuth error keeps its code (`invalid_grant`…); a 5xx, 429, `server_error` or `temporarily_unavailable` is
 * `provider_unavailable`; anything else unusable is `provider_invalid_response`.
 */
export function parseTokenAnswer(answer: TokenAnswer, context: TokenAnswerContext): DownstreamToken {
  const json = parseObject(answer.body);
  if (answer.status < 200 || answer.status >= 300) throw errorAnswer(answer.status, json, context);
  const fail = (why: string) => failure(context, 'provider_invalid_response', `answered ${why}`);
  if (json === undefined)
    throw fail(`HTTP ${answer.status} without a JSON object (content-type: ${answer.contentType || 'none'})`);
  const { access_token: accessToken, token_type: tokenType } = json;
  if (typeof accessToken !== 'string' || accessToken.length === 0) throw fail('no access_token');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw fail(`token_type ${JSON.stringify(tokenType ?? null)}, not Bearer`);
  }
  if (accessToken === context.subjectToken)
    throw fail("the caller's own token back (passthrough is refused)");
  const expiresIn = json.expires_in === undefined ? undefined : Number(json.expires_in);
  if (expiresIn !== undefined && !(Number.isFinite(expiresIn) && expiresIn > 0))
    throw fail('an invalid expires_in');
  const expiresAt = earliest(
    expiresIn === undefined ? undefined : context.now + expiresIn,
    jwtExpiry(accessToken),
  );
  const scope =
    typeof json.scope === 'string' ? json.scope.split(' ').filter(Boolean) : [...context.target.scopes];
  const issued = typeof json.issued_token_type === 'string' ? json.issued_token_type : undefined;
  return { accessToken, tokenType: 'Bearer', expiresAt, scopes: scope, issuedTokenType: issued };
}

function errorAnswer(status: number, json: Record<string, unknown> | undefined, context: TokenAnswerContext) {
  const oauthError = typeof json?.error === 'string' ? json.error : undefined;
  const description =
    typeof json?.error_description === 'string' ? ` (${clean(json.error_description, context.secrets)})` : '';
  const said = oauthError === undefined ? `HTTP ${status}` : `${oauthError}${description}`;
  if (status >= 500 || status === 429 || (oauthError !== undefined && UNAVAILABLE.has(oauthError))) {
    return failure(context, 'provider_unavailable', `is unavailable: ${said}`, oauthError);
  }
  if (oauthError === undefined) {
    return failure(context, 'provider_invalid_response', `answered HTTP ${status} without an OAuth error`);
  }
  const code = OAUTH_CODES.has(oauthError) ? (oauthError as DownstreamTokenErrorCode) : 'provider_refused';
  return failure(context, code, `refused: ${said}`, oauthError);
}

/** A `DownstreamTokenError` naming the target and the endpoint. */
export function failure(
  context: Pick<TokenAnswerContext, 'target' | 'endpoint' | 'retryAfter'>,
  code: DownstreamTokenErrorCode,
  what: string,
  oauthError?: string,
  cause?: unknown,
): DownstreamTokenError {
  const { target, endpoint, retryAfter } = context;
  return new DownstreamTokenError(
    code,
    `No token for downstream target "${target.name}" (${target.grant}): the token endpoint ${endpoint} ${what}`,
    {
      target: target.name,
      oauthError,
      cause,
      retryAfter: code === 'provider_unavailable' ? retryAfter : undefined,
    },
  );
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A provider's `error_description`, printable, short, with any secret cut out. */
function clean(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return out.length > 200 ? `${out.slice(0, 199)}…` : out;
}

/** `exp` of a JWT access token (its own expiry), or `undefined` for an opaque token. */
function jwtExpiry(token: string): number | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
