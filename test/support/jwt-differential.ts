/**
 * The differential oracle of the JWT fast path: `JwtTokenVerifier` (own JWS parse, node:crypto signatures, the
 * claim rules of `claim-rules.ts`) against the reference, `jose.jwtVerify` with the same keys (a local JWKS per
 * issuer) and the equivalent options (`issuer`, `audience`, `algorithms`, `clockTolerance`, `requiredClaims:
 * ['exp']`, `typ: 'at+jwt'` in strict mode, `currentDate`). Free of jest: `test/jwt-differential.e2e-spec.ts` runs
 * the attack corpus and a slice of generated tokens, `bench/fuzz-differential.ts` the long run.
 *
 * Per token, the verdicts (accept / refuse) must be equal, except where this library is deliberately stricter than
 * jose: {@link stricterThanJose} states each such rule once. A disagreement is allowed only when we refuse, jose
 * accepts, and one of those rules explains it; and whenever one of them holds, we must refuse. Accepting what jose
 * refuses is always a violation.
 *
 * The clock: jose reads the current time in whole seconds (it floors `currentDate`), this library in milliseconds.
 * The harness freezes `Date.now` on a whole second and gives jose the same instant, so both judge the same `now`
 * (between two whole seconds jose's view lags by up to one second: its resolution, not a rule).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyOptions,
  type JWTVerifyGetKey,
} from 'jose';

import { McpAuthError } from '../../lib/core/mcp-auth.error.js';
import type { ResolvedResource } from '../../lib/core/resolved-resource.js';
import type { JwsAlgorithm } from '../../lib/core/algorithms.js';
import { resolveOptions, type ResolvedMcpAuthOptions } from '../../lib/options/resolve-options.js';
import { ClaimMapper } from '../../lib/verification/claim-mapper.js';
import { JwtTokenVerifier } from '../../lib/verification/jwt-token-verifier.js';

/** A trusted issuer: its identifier, its public keys and where the verifier fetches them. */
export interface DifferentialIssuer {
  issuer: string;
  jwks: JSONWebKeySet;
  jwksUri: string;
}

/** One configuration of the verifier under test, and so of the reference. */
export interface DifferentialConfig {
  name: string;
  /** Trusted issuers (identifiers of `DifferentialIssuer`s). */
  issuers: readonly string[];
  resource: string;
  /** The `audience` option: omitted → the resource; `false` → no audience rule. */
  audience?: readonly string[] | false;
  clockTolerance: number;
  /** Omitted: the default allow-list. */
  algorithms?: readonly JwsAlgorithm[];
  strictJwtType?: boolean;
}

/** A rule where this library refuses what jose accepts, on purpose (see {@link stricterThanJose}). */
export type StricterRule =
  'non-canonical-base64url' | 'crit-present' | 'time-claim-out-of-range' | 'iat-in-future' | 'claim-type';

/** What a disagreement or a failure of the harness looked like (one example kept per kind). */
export interface DifferentialViolation {
  kind:
    | 'accepted-what-jose-refuses'
    | 'refused-unexplained'
    | 'stricter-rule-accepted'
    | 'cache-disagrees'
    | 'crash';
  config: string;
  token: string;
  detail: string;
  count: number;
}

export interface DifferentialReport {
  cases: number;
  acceptedByBoth: number;
  refusedByBoth: number;
  /** Disagreements explained by a stricter-than-jose rule, per rule. */
  stricter: Record<StricterRule, number>;
  violations: DifferentialViolation[];
  ms: number;
}

/** The verdicts of both sides for one token. */
export interface DifferentialOutcome {
  ours: 'accept' | 'refuse';
  /** The error code when we refused, or the unexpected error's message (a crash). */
  oursReason?: string;
  jose: 'accept' | 'refuse';
  joseReason?: string;
  /** The stricter rule that holds for this token, if any. */
  stricter?: StricterRule;
}

export function emptyReport(): DifferentialReport {
  return {
    cases: 0,
    acceptedByBoth: 0,
    refusedByBoth: 0,
    stricter: {
      'non-canonical-base64url': 0,
      'crit-present': 0,
      'time-claim-out-of-range': 0,
      'iat-in-future': 0,
      'claim-type': 0,
    },
    violations: [],
    ms: 0,
  };
}

/** True when the report shows no violation. */
export function differentialPassed(report: DifferentialReport): boolean {
  return report.violations.length === 0;
}

/** The one-line summary the script prints. */
export function formatDifferentialReport(r: DifferentialReport): string {
  const stricter = Object.entries(r.stricter)
    .map(([rule, n]) => `${rule}=${n}`)
    .join(' ');
  const violations = r.violations.reduce((sum, v) => sum + v.count, 0);
  return (
    `cases=${r.cases} acceptedByBoth=${r.acceptedByBoth} refusedByBoth=${r.refusedByBoth} ` +
    `stricterThanJose: ${stricter} violations=${violations} ms=${r.ms}`
  );
}

// --- The stricter-than-jose rules: each stated once, from the token's bytes alone. ------------------------------

/** Seconds since the epoch of the last date ECMAScript can represent (ECMA-262 §21.4.1.1). */
const DATE_RANGE = 8.64e12;
/** The claims the mapper reads for `clientId`, in order (the `claims.clientId` default). */
const CLIENT_ID_CLAIMS = ['client_id', 'azp', 'cid', 'appid'];

const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringOrStrings = (v: unknown) => typeof v === 'string' || isStrings(v);

/** A segment spelled exactly as base64url encodes its bytes: alphabet, no padding nor whitespace, unused bits 0. */
function isCanonicalSegment(segment: string): boolean {
  return (
    /^[A-Za-z0-9_-]*$/.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment
  );
}

/** A segment decoded the lenient way, as UTF-8 JSON (fatal on bad UTF-8, like jose), or `undefined`. */
function lenientJson(segment: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined;
  }
}

const object = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A claim the claim mapper reads holds the wrong type (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4.2). */
function hasMistypedClaim(claims: Record<string, unknown>): boolean {
  if (claims.sub !== undefined && typeof claims.sub !== 'string') return true;
  for (const name of CLIENT_ID_CLAIMS) {
    const value = claims[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') return true;
    break;
  }
  if (claims.scope !== undefined && typeof claims.scope !== 'string') return true;
  for (const name of ['scp', 'scopes', 'aud']) {
    if (claims[name] !== undefined && !isStringOrStrings(claims[name])) return true;
  }
  return false;
}

/**
 * The rules where this library is deliberately stricter than jose's defaults, each stated once — the first that
 * holds for `token`, or `undefined`:
 *
 * - `non-canonical-base64url` — a segment is not spelled exactly as base64url encodes its bytes (padding,
 *   whitespace, `+` `/`, unused bits set). RFC 7515 §2 defines one spelling; jose's decoder (`atob` on Node 20,
 *   `Uint8Array.fromBase64` "loose" later) accepts others, so one token could be written many ways.
 * - `crit-present` — the header has `crit`. We understand no extension, so none may be critical (RFC 7515
 *   §4.1.11); jose understands `b64` (RFC 7797) and accepts `crit: ["b64"]` with `b64: true`.
 * - `time-claim-out-of-range` — `exp`, `nbf` or `iat` is a number beyond the ECMAScript date range (|t| > 8.64e12 s,
 *   `1e400` parses as Infinity): an attack, not a date; jose accepts any number.
 * - `iat-in-future` — `iat` lies more than the clock tolerance in the future (RFC 7519 §4.1.6); jose checks `iat`
 *   only with `maxTokenAge`, which would also make `iat` required.
 * - `claim-type` — a claim the library reads has the wrong type: `sub`, the first `client_id`/`azp`/`cid`/`appid`
 *   present (strings), `scope` (a string), `scp`/`scopes`/`aud` (a string or an array of strings). jose checks only
 *   that `aud` contains an accepted value (`[resource, 42]` passes).
 */
export function stricterThanJose(token: string, now: number, tolerance: number): StricterRule | undefined {
  const segments = token.split('.');
  if (!segments.every(isCanonicalSegment)) return 'non-canonical-base64url';
  const header = object(lenientJson(segments[0]));
  const claims = object(lenientJson(segments[1] ?? ''));
  if (header.crit !== undefined) return 'crit-present';
  const times = [claims.exp, claims.nbf, claims.iat];
  if (times.some((t) => typeof t === 'number' && !(Math.abs(t) <= DATE_RANGE)))
    return 'time-claim-out-of-range';
  if (typeof claims.iat === 'number' && claims.iat > now + tolerance) return 'iat-in-future';
  if (hasMistypedClaim(claims)) return 'claim-type';
  return undefined;
}

/** The error code each stricter rule refuses with: a disagreement must be refused for that reason. */
const STRICTER_CODES: Record<StricterRule, string> = {
  'non-canonical-base64url': 'ERR_TOKEN_MALFORMED',
  'crit-present': 'ERR_TOKEN_SIGNATURE',
  'time-claim-out-of-range': 'ERR_TOKEN_INVALID',
  'iat-in-future': 'ERR_TOKEN_NOT_YET_VALID',
  'claim-type': 'ERR_TOKEN_INVALID',
};

// --- The two verifiers. ------------------------------------------------------------------------------------------

/** jose's documented recipe for several matching keys without `kid`: each is tried, a bad signature moves on. */
async function joseVerify(token: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<void> {
  try {
    await jwtVerify(token, keys, options);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        await jwtVerify(token, key, options);
        return;
      } catch (inner) {
        if (inner instanceof errors.JWSSignatureVerificationFailed) continue;
        throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

interface Side {
  config: DifferentialConfig;
  options: ResolvedMcpAuthOptions;
  resource: ResolvedResource;
  verifier: JwtTokenVerifier;
}

/** A running comparison: both verifiers per configuration, the clock frozen on a whole second. */
export interface Differential {
  /** The frozen time, in whole seconds. */
  readonly now: number;
  readonly configs: readonly DifferentialConfig[];
  /** Both verdicts for `token` under configuration `config` (an index of `configs`). */
  compare(token: string, config: number): Promise<DifferentialOutcome>;
  /** Compares and records the outcome in `report`. */
  record(report: DifferentialReport, token: string, config: number): Promise<DifferentialOutcome>;
  /** Restores the clock. */
  close(): void;
}

/** Our verdict: an `McpAuthError` refusing the token is a refusal; any other error is a crash. */
async function ours(side: Side, token: string): Promise<{ verdict: 'accept' | 'refuse'; reason?: string }> {
  try {
    await side.verifier.verify(token, side.resource);
    return { verdict: 'accept' };
  } catch (error) {
    if (error instanceof McpAuthError && error.code.startsWith('ERR_TOKEN_')) {
      return { verdict: 'refuse', reason: error.code };
    }
    throw error;
  }
}

/**
 * Builds the verifiers for `configs` and freezes `Date.now` on the current whole second (until `close()`).
 * Each issuer's metadata is `{ issuer, jwks_uri }`, known at once (no discovery); the keys are fetched from
 * `jwksUri` once, then cached (the frozen clock never makes them stale).
 */
export function startDifferential(
  issuers: readonly DifferentialIssuer[],
  configs: readonly DifferentialConfig[],
): Differential {
  const realNow = Date.now;
  const nowMs = Math.floor(realNow() / 1000) * 1000;
  Date.now = () => nowMs;
  const now = nowMs / 1000;
  const byIssuer = new Map(issuers.map((i) => [i.issuer, i]));
  const localSets = new Map(issuers.map((i) => [i.issuer, createLocalJWKSet(i.jwks)]));
  const lookup = {
    peek: (issuer: string) => {
      const found = byIssuer.get(issuer);
      return found && { issuer, jwks_uri: found.jwksUri };
    },
    get: async (issuer: string) => lookup.peek(issuer)!,
  };
  const sides: Side[] = configs.map((config) => {
    const options = resolveOptions({
      resource: config.resource,
      authorizationServers: config.issuers.map((issuer) => ({ metadata: { issuer } })),
      clockTolerance: config.clockTolerance,
      strictJwtType: config.strictJwtType ?? false,
      ...(config.algorithms ? { algorithms: [...config.algorithms] } : {}),
      ...(config.audience === undefined
        ? {}
        : { audience: config.audience === false ? false : [...config.audience] }),
    });
    const verifier = new JwtTokenVerifier(options, lookup, new ClaimMapper());
    return { config, options, resource: options.resources[0], verifier };
  });

  /** jose: accepted when one trusted issuer's keys and name verify the token. */
  const reference = async (side: Side, token: string) => {
    const { resource, options } = side;
    let last: unknown;
    for (const issuer of side.config.issuers) {
      try {
        await joseVerify(token, localSets.get(issuer)!, {
          issuer,
          audience: resource.audience === false ? undefined : [...resource.audience],
          algorithms: [...options.algorithms],
          clockTolerance: options.clockTolerance,
          requiredClaims: ['exp'],
          typ: options.strictJwtType ? 'at+jwt' : undefined,
          currentDate: new Date(nowMs),
        });
        return { verdict: 'accept' as const };
      } catch (error) {
        last = error;
      }
    }
    const reason =
      last instanceof Error ? `${(last as { code?: string }).code ?? last.name}: ${last.message}` : '';
    return { verdict: 'refuse' as const, reason };
  };

  const compare = async (token: string, config: number): Promise<DifferentialOutcome> => {
    const side = sides[config];
    const [mine, theirs] = await Promise.all([ours(side, token), reference(side, token)]);
    return {
      ours: mine.verdict,
      oursReason: mine.reason,
      jose: theirs.verdict,
      joseReason: theirs.reason,
      stricter: stricterThanJose(token, now, side.options.clockTolerance),
    };
  };

  const record = async (report: DifferentialReport, token: string, config: number) => {
    const side = sides[config];
    const violation = (kind: DifferentialViolation['kind'], detail: string) => {
      const seen = report.violations.find((v) => v.kind === kind && v.detail === detail);
      if (seen) seen.count++;
      else if (report.violations.length < 30)
        report.violations.push({ kind, config: side.config.name, token, detail, count: 1 });
    };
    report.cases++;
    let outcome: DifferentialOutcome;
    try {
      outcome = await compare(token, config);
    } catch (error) {
      violation('crash', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      return { ours: 'refuse', jose: 'refuse' } as DifferentialOutcome;
    }
    judge(report, outcome, violation);
    if (outcome.ours === 'accept') {
      // The verified-token cache answers the second time: it must agree.
      const again = await ours(side, token).catch((e: unknown) => ({ verdict: String(e) }));
      if (again.verdict !== 'accept') violation('cache-disagrees', `second verification: ${again.verdict}`);
    }
    return outcome;
  };

  return {
    now,
    configs,
    compare,
    record,
    close: () => {
      Date.now = realNow;
    },
  };
}

/** Counts an outcome, or records why it is a violation. */
function judge(
  report: DifferentialReport,
  o: DifferentialOutcome,
  violation: (kind: DifferentialViolation['kind'], detail: string) => void,
): void {
  if (o.stricter !== undefined && o.ours === 'accept') {
    violation('stricter-rule-accepted', `${o.stricter} holds, yet we accepted`);
  } else if (o.ours === o.jose) {
    if (o.ours === 'accept') report.acceptedByBoth++;
    else report.refusedByBoth++;
  } else if (o.ours === 'accept') {
    violation('accepted-what-jose-refuses', `jose: ${o.joseReason}`);
  } else if (o.stricter === undefined || o.oursReason !== STRICTER_CODES[o.stricter]) {
    violation('refused-unexplained', `we: ${o.oursReason}${o.stricter ? ` (${o.stricter} holds)` : ''}`);
  } else {
    report.stricter[o.stricter]++;
  }
}

/** Serves `jwks` at `http://127.0.0.1:PORT/jwks` (the verifier under test fetches it once). */
export async function serveJwks(jwks: JSONWebKeySet): Promise<{ uri: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/jwks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
