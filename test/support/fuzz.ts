/**
 * Property-based fuzzing of a guarded route with fast-check: random and mutated `Authorization` headers and tokens
 * (bit flips, segment swaps, base64 noise, claim mutations re-signed with an untrusted key or — with known verdicts —
 * with the provider's own key) sent to a running app. Invariants, per request:
 *
 * - never 2xx unless the header carries, exactly, a token known to be valid;
 * - never 5xx; the connection is always answered (no reset, no hang) and the app keeps serving;
 * - every 400/401/403 carries one strictly parsable `Bearer` challenge naming the configured metadata URL;
 * - the token is never echoed.
 *
 * Free of jest: `test/fuzz.e2e-spec.ts` runs a fast slice, `bench/fuzz.ts` the long run.
 */
import { Agent, request as httpRequest } from 'node:http';

import fc from 'fast-check';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

import { parseBearerChallenge } from './parse-challenge.js';

export interface FuzzOptions {
  /** `http://127.0.0.1:PORT` of the app. */
  baseUrl: string;
  /** A guarded route that needs no scope. Default `/api/me`. */
  path?: string;
  /**
   * What every case sends besides its fuzzed credential: by default a GET without a body; for an endpoint such as
   * MCP's, a POST with a fixed JSON-RPC body and the headers that go with it (`[name, value, name, value…]`).
   */
  request?: { method: 'POST'; body: string; headers: string[] };
  /** Tokens the app must accept (real tokens of a trusted provider for the resource). At least one. */
  validTokens: string[];
  /**
   * The trusted provider's own signer (`TestProvider.signToken`). When given, some cases are claims signed by it:
   * valid ones (which join the valid set) and ones with a claim that must be refused.
   */
  trustedSign?: (claims: JWTPayload) => Promise<string>;
  /** The `resource_metadata` every challenge must name. */
  resourceMetadata: string;
  /** Kids of the provider's keys, which forged tokens impersonate. */
  providerKids?: string[];
  numRuns: number;
  /** fast-check seed; the same seed replays the same cases. */
  seed: number;
  /** Requests in flight. Default 8. */
  concurrency?: number;
  /** Per-request timeout (ms) before a case counts as a crash. Default 10 000. */
  timeoutMs?: number;
  /** Called every `progressEvery` cases. */
  onProgress?: (report: FuzzReport) => void;
  progressEvery?: number;
}

export interface FuzzViolation {
  /** Violations of one class (problem, case kind, mutation ops) share it; one example is kept per class. */
  signature: string;
  /** How many violations of this class were seen. */
  count: number;
  kind: PlanKind;
  /** What was sent, shortened. */
  description: string;
  status: number | 'error';
  problem: 'accepted' | '5xx' | 'crash' | 'challenge' | 'echo' | 'control-refused';
  detail?: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  /** 2xx answers. */
  accepted: number;
  /** 2xx answers to anything but an exactly valid header and token. */
  wrongAccepted: number;
  /** Of those, tokens that decode to the bytes of a valid token (another base64url spelling of it). */
  wrongAcceptedRespellings: number;
  fivexx: number;
  /** Requests that got no HTTP answer (reset, hang), plus a failed liveness check at the end. */
  crashes: number;
  /** 400/401/403 answers without exactly one parsable challenge naming the metadata URL. */
  unparsableChallenges: number;
  /** Answers echoing the token sent. */
  tokenEchoes: number;
  /** Exactly valid requests that were refused (the harness must be able to accept). */
  controlsRefused: number;
  /** Exactly valid requests sent. */
  controls: number;
  statuses: Record<string, number>;
  byKind: Record<string, number>;
  /** One example per class of violation (at most 20 classes), in the order first seen. */
  violations: FuzzViolation[];
  ms: number;
}

/** True when the report shows no violation of the invariants. */
export function fuzzPassed(report: FuzzReport): boolean {
  return (
    report.wrongAccepted === 0 &&
    report.fivexx === 0 &&
    report.crashes === 0 &&
    report.unparsableChallenges === 0 &&
    report.tokenEchoes === 0 &&
    report.controlsRefused === 0
  );
}

/** The one-line summary `npm run fuzz` prints. */
export function formatFuzzReport(r: FuzzReport): string {
  return (
    `cases=${r.cases} accepted=${r.accepted} wrongAccepted=${r.wrongAccepted} 5xx=${r.fivexx} crashes=${r.crashes} ` +
    `unparsableChallenges=${r.unparsableChallenges} tokenEchoes=${r.tokenEchoes} controlsRefused=${r.controlsRefused} ` +
    `wrongAcceptedRespelled=${r.wrongAcceptedRespellings} seed=${r.seed} ms=${r.ms}`
  );
}

// --- Plans: what fast-check generates (pure data); `materialize` turns one into a request. --------------------

type Segment = 0 | 1 | 2;
/** A position in a string: from its start, from its end, or anywhere (as a fraction). */
type Position = { from: 'start' | 'end'; offset: number } | { from: 'any'; fraction: number };

type TokenMutation =
  | { op: 'charflip'; segment: Segment; at: Position; bit: number }
  | { op: 'byteflip'; segment: Segment; at: Position; bit: number }
  | { op: 'swap'; a: Segment; b: Segment }
  | { op: 'duplicate'; segment: Segment }
  | { op: 'remove'; segment: Segment }
  | { op: 'replace-segment'; segment: Segment; withSegmentOf: number }
  | { op: 'noise'; segment: Segment; at: Position; length: number; text: string }
  | { op: 'insert'; at: Position; text: string }
  | { op: 'delete'; at: Position; length: number }
  | { op: 'truncate'; at: Position }
  | { op: 'pad'; count: number }
  | { op: 'base64' }
  | { op: 'case'; at: Position };

type ClaimMutation =
  | { op: 'set'; claim: string; value: unknown }
  | { op: 'delete'; claim: string }
  | { op: 'add'; claim: string; value: unknown };

type ForgedSignature = 'untrusted-key' | 'random-bytes' | 'empty' | 'hmac-public-key' | 'hmac-random';

/** A claim the app must refuse; `offset`: the value is the time of sending plus `offset` seconds. */
type BadClaim =
  | { claim: 'exp' | 'nbf' | 'iat'; offset: number }
  | { claim: 'exp'; value: unknown }
  | { claim: 'nbf' | 'iat'; value: unknown }
  | { claim: 'iss' | 'aud' | 'scope' | 'scp' | 'scopes' | 'sub' | 'client_id'; value: unknown }
  | { claim: 'exp' | 'iss' | 'aud'; value: undefined };

type Plan =
  | { kind: 'control'; token: number; scheme: string; spaces: number; lead: string; trail: string }
  | { kind: 'random-header'; name: string; value: string }
  | { kind: 'bearer-noise'; value: string }
  | { kind: 'token-mutation'; token: number; mutations: TokenMutation[] }
  | { kind: 'header-mutation'; token: number; variant: HeaderVariant }
  | {
      kind: 'forged';
      alg: string;
      kid: { type: 'provider'; index: number } | { type: 'random'; value: unknown } | { type: 'none' };
      extraHeader: Record<string, unknown>;
      claims: ClaimMutation[];
      signature: ForgedSignature;
    }
  | { kind: 'trusted-valid'; extra: [string, unknown] }
  | { kind: 'trusted-bad'; bad: BadClaim };

type PlanKind = Plan['kind'];

type HeaderVariant =
  | { type: 'duplicate'; second: string }
  | { type: 'scheme'; scheme: string }
  | { type: 'separator'; separator: string }
  | { type: 'prefix'; text: string }
  | { type: 'suffix'; text: string }
  | { type: 'two-tokens'; separator: string }
  | { type: 'query'; alsoHeader: boolean }
  | { type: 'header-name'; name: string };

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const position: fc.Arbitrary<Position> = fc.oneof(
  fc.record({ from: fc.constantFrom('start' as const, 'end' as const), offset: fc.nat({ max: 8 }) }),
  fc.record({ from: fc.constant('any' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
);
const segment = fc.constantFrom<Segment>(0, 1, 2);
const b64urlText = (max: number) =>
  fc.string({ unit: fc.constantFrom(...B64URL.split('')), minLength: 1, maxLength: max });
const anyText = (max: number) =>
  fc.oneof(
    fc.string({ unit: 'binary-ascii', maxLength: max }),
    fc.string({ unit: 'grapheme', maxLength: max }),
    fc.string({ unit: fc.constantFrom(...' \t.=+/-_~,;:"\\\'%&?#@!'.split('')), maxLength: max }),
  );
/** JSON values of every type, biased towards the ones claim checks get wrong. */
const claimValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    Number.MAX_VALUE,
    -0,
    '',
    [],
    {},
    ['x'],
    2 ** 53 + 1,
    1e16,
  ),
  fc.integer(),
  fc.string({ maxLength: 40 }),
);
const claimName = fc.oneof(
  fc.constantFrom(
    'iss',
    'sub',
    'aud',
    'exp',
    'nbf',
    'iat',
    'jti',
    'scope',
    'scp',
    'scopes',
    'client_id',
    'azp',
  ),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }),
);

const tokenMutation = (tokens: number): fc.Arbitrary<TokenMutation> =>
  fc.oneof(
    fc.record({ op: fc.constant('charflip' as const), segment, at: position, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('byteflip' as const), segment, at: position, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('swap' as const), a: segment, b: segment }),
    fc.record({ op: fc.constant('duplicate' as const), segment }),
    fc.record({ op: fc.constant('remove' as const), segment }),
    fc.record({
      op: fc.constant('replace-segment' as const),
      segment,
      withSegmentOf: fc.nat({ max: Math.max(0, tokens - 1) }),
    }),
    fc.record({
      op: fc.constant('noise' as const),
      segment,
      at: position,
      length: fc.nat({ max: 12 }),
      text: b64urlText(12),
    }),
    fc.record({ op: fc.constant('insert' as const), at: position, text: anyText(6) }),
    fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ op: fc.constant('truncate' as const), at: position }),
    fc.record({ op: fc.constant('pad' as const), count: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ op: fc.constant('base64' as const) }),
    fc.record({ op: fc.constant('case' as const), at: position }),
  );

const headerVariant: fc.Arbitrary<HeaderVariant> = fc.oneof(
  fc.record({ type: fc.constant('duplicate' as const), second: fc.oneof(fc.constant('SAME'), anyText(20)) }),
  fc.record({
    type: fc.constant('scheme' as const),
    scheme: fc.oneof(
      fc.constantFrom(
        'Basic',
        'Token',
        'JWT',
        'DPoP',
        'MAC',
        'Bearer:',
        'Bearer,',
        'Bearer=',
        'Bear',
        'Bearerr',
        '',
      ),
      fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
    ),
  }),
  fc.record({
    type: fc.constant('separator' as const),
    separator: fc.constantFrom('\t', ' \t', '\t ', ',', ':', '=', ''),
  }),
  fc.record({ type: fc.constant('prefix' as const), text: anyText(6).filter((t) => t.length > 0) }),
  fc.record({ type: fc.constant('suffix' as const), text: anyText(6).filter((t) => t.trim().length > 0) }),
  fc.record({
    type: fc.constant('two-tokens' as const),
    separator: fc.constantFrom(' ', ',', ', ', '\t', ';'),
  }),
  fc.record({ type: fc.constant('query' as const), alsoHeader: fc.boolean() }),
  fc.record({
    type: fc.constant('header-name' as const),
    name: fc.constantFrom(
      'Authorisation',
      'X-Authorization',
      'Proxy-Authorization',
      'Authorization-Bearer',
      'Auth',
    ),
  }),
);

const badClaim = (now: number): fc.Arbitrary<BadClaim> => {
  const nonNumber = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom<unknown>(
      null,
      true,
      false,
      [],
      {},
      [now + 3600],
      { exp: now + 3600 },
      String(now + 3600),
    ),
  );
  const nonString = fc.oneof(
    fc.integer(),
    fc.constantFrom<unknown>(null, true, false, {}, { value: 'x' }),
    fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
  );
  return fc.oneof(
    // Relative to the time of sending: a long run must not turn a future iat into a present one.
    fc.record({ claim: fc.constant('exp' as const), offset: fc.integer({ min: -2e9, max: -60 }) }),
    fc.record({ claim: fc.constant('exp' as const), value: nonNumber }),
    fc.record({
      claim: fc.constantFrom('nbf' as const, 'iat' as const),
      offset: fc.integer({ min: 60, max: 10_000_000 }),
    }),
    fc.record({ claim: fc.constantFrom('nbf' as const, 'iat' as const), value: nonNumber }),
    fc.record({
      claim: fc.constant('iss' as const),
      value: fc.oneof(nonString, fc.string({ maxLength: 40 }), fc.webUrl()),
    }),
    fc.record({
      claim: fc.constant('aud' as const),
      value: fc.oneof(
        nonString,
        fc.string({ maxLength: 40 }),
        fc.webUrl(),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
      ),
    }),
    fc.record({
      claim: fc.constantFrom('scope' as const, 'sub' as const, 'client_id' as const),
      value: nonString,
    }),
    fc.record({
      claim: fc.constantFrom('scp' as const, 'scopes' as const),
      value: fc.oneof(fc.integer(), fc.constantFrom<unknown>(null, true, {}, [1], ['a', 2], [null])),
    }),
    fc.record({
      claim: fc.constantFrom('exp' as const, 'iss' as const, 'aud' as const),
      value: fc.constant(undefined),
    }),
  );
};

function planArbitrary(tokens: number, kids: number, trusted: boolean, now: number): fc.Arbitrary<Plan> {
  const token = fc.nat({ max: tokens - 1 });
  const arbs: Array<fc.WeightedArbitrary<Plan>> = [
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('control' as const),
        token,
        scheme: fc.mixedCase(fc.constant('bearer')),
        spaces: fc.integer({ min: 1, max: 3 }),
        lead: fc.constantFrom('', ' ', '\t'),
        trail: fc.constantFrom('', ' ', '  ', '\t'),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('random-header' as const),
        name: fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION'),
        value: anyText(120),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('bearer-noise' as const),
        value: fc.oneof(
          fc.stringMatching(/^[A-Za-z0-9._~+/-]{0,200}=*$/),
          fc.tuple(b64urlText(60), b64urlText(200), b64urlText(120)).map((s) => s.join('.')),
          fc.base64String({ maxLength: 200 }),
        ),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('token-mutation' as const),
        token,
        mutations: fc.array(tokenMutation(tokens), { minLength: 1, maxLength: 3 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('header-mutation' as const), token, variant: headerVariant }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('forged' as const),
        alg: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom('ES256', 'EdDSA', 'RS256', 'PS256', 'HS256', 'none') },
          { weight: 1, arbitrary: fc.constantFrom('ES384', 'RS512', 'HS512', 'None', 'NONE', 'rs256', '') },
          { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
        ),
        kid: fc.oneof(
          fc.record({
            type: fc.constant('provider' as const),
            index: fc.nat({ max: Math.max(0, kids - 1) }),
          }),
          fc.record({
            type: fc.constant('random' as const),
            value: fc.oneof(
              fc.string({ maxLength: 64 }),
              fc.constantFrom('../../../../etc/passwd', "' OR '1'='1", '/dev/null', 'x'.repeat(2000)),
              claimValue,
            ),
          }),
          fc.record({ type: fc.constant('none' as const) }),
        ),
        extraHeader: fc.dictionary(
          fc.constantFrom('jku', 'x5u', 'x5c', 'jwk', 'crit', 'typ', 'cty', 'b64', 'zip', 'enc'),
          claimValue,
          { maxKeys: 2 },
        ),
        claims: fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('set' as const), claim: claimName, value: claimValue }),
            fc.record({ op: fc.constant('delete' as const), claim: claimName }),
            fc.record({ op: fc.constant('add' as const), claim: claimName, value: claimValue }),
          ),
          { maxLength: 3 },
        ),
        signature: fc.constantFrom<ForgedSignature>(
          'untrusted-key',
          'untrusted-key',
          'random-bytes',
          'empty',
          'hmac-public-key',
          'hmac-random',
        ),
      }),
    },
  ];
  if (trusted) {
    arbs.push(
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('trusted-valid' as const),
          extra: fc.tuple(
            fc
              .string({
                unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'.split('')),
                minLength: 1,
                maxLength: 10,
              })
              .map((s) => `x_${s}`),
            fc.jsonValue({ maxDepth: 2 }),
          ),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('trusted-bad' as const), bad: badClaim(now) }) },
    );
  }
  return fc.oneof(...arbs);
}

// --- Materializing a plan. --------------------------------------------------------------------------------------

interface Keys {
  rsa: CryptoKey;
  ec: CryptoKey;
  ec384: CryptoKey;
  ed: CryptoKey;
  rsaJwk: Record<string, unknown>;
}

interface Built {
  headers: string[];
  path: string;
  /** The token this request is about (for the echo check and the description). */
  token?: string;
}

const b64u = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');
const json64 = (value: unknown) => b64u(JSON.stringify(value) ?? 'null');

function resolve(pos: Position, length: number): number {
  if (length === 0) return 0;
  if (pos.from === 'any') return Math.min(length - 1, Math.floor(pos.fraction * length));
  return pos.from === 'start' ? Math.min(pos.offset, length - 1) : Math.max(0, length - 1 - pos.offset);
}

function mutateToken(token: string, mutations: TokenMutation[], all: string[]): string {
  let t = token;
  for (const m of mutations) {
    const parts = t.split('.');
    const seg = (i: Segment) => Math.min(i, parts.length - 1);
    switch (m.op) {
      case 'charflip': {
        const s = parts[seg(m.segment)];
        if (!s) break;
        const i = resolve(m.at, s.length);
        parts[seg(m.segment)] =
          s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << m.bit)) + s.slice(i + 1);
        t = parts.join('.');
        break;
      }
      case 'byteflip': {
        const bytes = Buffer.from(parts[seg(m.segment)] ?? '', 'base64url');
        if (bytes.length === 0) break;
        bytes[resolve(m.at, bytes.length)] ^= 1 << m.bit;
        parts[seg(m.segment)] = bytes.toString('base64url');
        t = parts.join('.');
        break;
      }
      case 'swap': {
        const [a, b] = [seg(m.a), seg(m.b)];
        [parts[a], parts[b]] = [parts[b], parts[a]];
        t = parts.join('.');
        break;
      }
      case 'duplicate':
        parts.splice(seg(m.segment), 0, parts[seg(m.segment)]);
        t = parts.join('.');
        break;
      case 'remove':
        parts.splice(seg(m.segment), 1);
        t = parts.join('.');
        break;
      case 'replace-segment': {
        const donor = all[m.withSegmentOf % all.length].split('.');
        parts[seg(m.segment)] = donor[Math.min(m.segment, donor.length - 1)];
        t = parts.join('.');
        break;
      }
      case 'noise': {
        const s = parts[seg(m.segment)] ?? '';
        const i = resolve(m.at, s.length);
        parts[seg(m.segment)] = s.slice(0, i) + m.text + s.slice(i + m.length);
        t = parts.join('.');
        break;
      }
      case 'insert': {
        const i = resolve(m.at, t.length + 1);
        t = t.slice(0, i) + m.text + t.slice(i);
        break;
      }
      case 'delete': {
        const i = resolve(m.at, t.length);
        t = t.slice(0, i) + t.slice(i + m.length);
        break;
      }
      case 'truncate':
        t = t.slice(0, resolve(m.at, t.length));
        break;
      case 'pad':
        t += '='.repeat(m.count);
        break;
      case 'base64':
        t = t.replace(/-/g, '+').replace(/_/g, '/');
        break;
      case 'case': {
        const i = resolve(m.at, t.length);
        const c = t.charAt(i);
        const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
        t = t.slice(0, i) + flipped + t.slice(i + 1);
        break;
      }
    }
  }
  return t;
}

/**
 * A header value Node's client will send and Node's server will parse: characters above U+00FF travel as their
 * UTF-8 bytes; control characters other than HTAB (and DEL) become `?` (they would end the header or be refused).
 */
export function sendable(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code > 0xff) out += Buffer.from(ch, 'utf8').toString('latin1');
    else if ((code < 0x20 && code !== 0x09) || code === 0x7f) out += '?';
    else out += ch;
  }
  return out;
}

async function forge(plan: Extract<Plan, { kind: 'forged' }>, base: JWTPayload, keys: Keys, kids: string[]) {
  const claims: Record<string, unknown> = { ...base };
  for (const m of plan.claims) {
    if (m.op === 'delete') delete claims[m.claim];
    else claims[m.claim] = m.value;
  }
  const header: Record<string, unknown> = { ...plan.extraHeader, alg: plan.alg };
  if (plan.kid.type === 'provider' && kids.length) header.kid = kids[plan.kid.index % kids.length];
  if (plan.kid.type === 'random') header.kid = plan.kid.value;
  const input = `${json64(header)}.${json64(claims)}`;
  const data = new TextEncoder().encode(input);
  let sig: Uint8Array = new Uint8Array();
  switch (plan.signature) {
    case 'empty':
      break;
    case 'random-bytes':
      sig = crypto.getRandomValues(new Uint8Array(plan.alg.startsWith('ES') ? 64 : 256));
      break;
    case 'hmac-public-key':
    case 'hmac-random': {
      const secret =
        plan.signature === 'hmac-random'
          ? crypto.getRandomValues(new Uint8Array(32))
          : JSON.stringify(keys.rsaJwk);
      const key = await crypto.subtle.importKey(
        'raw',
        typeof secret === 'string' ? new TextEncoder().encode(secret) : secret,
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
      break;
    }
    case 'untrusted-key': {
      const alg = plan.alg;
      if (/^(RS|PS)\d{3}$/.test(alg) || /^(ES256|ES384|EdDSA)$/.test(alg)) {
        // A well-formed token signed by a key nobody trusts (the header kid may still name a provider key).
        const key = alg.startsWith('ES384')
          ? keys.ec384
          : alg.startsWith('ES')
            ? keys.ec
            : alg === 'EdDSA'
              ? keys.ed
              : keys.rsa;
        try {
          return await new SignJWT(claims as JWTPayload).setProtectedHeader(header as never).sign(key);
        } catch {
          // jose refuses some headers (crit, b64, …): sign the input by hand instead.
        }
      }
      const key = await crypto.subtle.importKey(
        'raw',
        crypto.getRandomValues(new Uint8Array(32)),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
      break;
    }
  }
  return `${input}.${b64u(sig)}`;
}

/** The class of a case, for grouping violations: its kind and what was done (mutation ops, header variant…). */
function planClass(plan: Plan): string {
  switch (plan.kind) {
    case 'token-mutation':
      return [...new Set(plan.mutations.map((m) => m.op))].sort().join('+');
    case 'header-mutation':
      return plan.variant.type;
    case 'forged':
      return `${plan.alg}/${plan.signature}`;
    case 'trusted-bad':
      return plan.bad.claim;
    default:
      return '';
  }
}

/** Each base64url segment decoded and re-encoded canonically (no padding, unused bits zero, `-` and `_`). */
function canonicalSpelling(token: string): string {
  return token
    .split('.')
    .map((s) => Buffer.from(s, 'base64url').toString('base64url'))
    .join('.');
}

/** Runs `numRuns` generated cases against the app with `concurrency` requests in flight. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const { baseUrl, validTokens, resourceMetadata, trustedSign } = options;
  if (validTokens.length === 0) throw new Error('runFuzz: at least one valid token is needed');
  const path = options.path ?? '/api/me';
  const kids = options.providerKids ?? [];
  const concurrency = options.concurrency ?? 8;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const base = decodeJwt(validTokens[0]);
  const now = Math.floor(Date.now() / 1000);
  /** Every token the app must accept, exactly as written. */
  const valid = new Set(validTokens);

  const rsa = await generateKeyPair('RS256', { extractable: true });
  const keys: Keys = {
    rsa: rsa.privateKey,
    ec: (await generateKeyPair('ES256')).privateKey,
    ec384: (await generateKeyPair('ES384')).privateKey,
    ed: (await generateKeyPair('EdDSA')).privateKey,
    rsaJwk: { ...(await exportJWK(rsa.publicKey)), kid: kids[0] ?? 'untrusted' },
  };

  const report: FuzzReport = {
    seed: options.seed,
    cases: 0,
    accepted: 0,
    wrongAccepted: 0,
    wrongAcceptedRespellings: 0,
    fivexx: 0,
    crashes: 0,
    unparsableChallenges: 0,
    tokenEchoes: 0,
    controlsRefused: 0,
    controls: 0,
    statuses: {},
    byKind: {},
    violations: [],
    ms: 0,
  };
  const violation = (v: Omit<FuzzViolation, 'signature' | 'count'>, plan?: Plan, cls?: string) => {
    const signature = `${v.problem}|${cls ?? `${v.kind}|${plan ? planClass(plan) : ''}`}`;
    const seen = report.violations.find((x) => x.signature === signature);
    if (seen) seen.count++;
    else if (report.violations.length < 20) report.violations.push({ signature, count: 1, ...v });
  };

  const build = async (plan: Plan): Promise<Built> => {
    const tokenOf = (i: number) => validTokens[i % validTokens.length];
    switch (plan.kind) {
      case 'control': {
        const token = tokenOf(plan.token);
        return {
          headers: [
            'Authorization',
            `${plan.lead}${plan.scheme}${' '.repeat(plan.spaces)}${token}${plan.trail}`,
          ],
          path,
          token,
        };
      }
      case 'random-header':
        return { headers: [plan.name, plan.value], path };
      case 'bearer-noise':
        return { headers: ['Authorization', `Bearer ${plan.value}`], path, token: plan.value };
      case 'token-mutation': {
        const token = mutateToken(tokenOf(plan.token), plan.mutations, validTokens);
        return { headers: ['Authorization', `Bearer ${token}`], path, token };
      }
      case 'header-mutation': {
        const token = tokenOf(plan.token);
        const v = plan.variant;
        switch (v.type) {
          case 'duplicate':
            return {
              headers: [
                'Authorization',
                `Bearer ${token}`,
                'Authorization',
                v.second === 'SAME' ? `Bearer ${token}` : v.second,
              ],
              path,
              token,
            };
          case 'scheme':
            return { headers: ['Authorization', `${v.scheme} ${token}`], path, token };
          case 'separator':
            return { headers: ['Authorization', `Bearer${v.separator}${token}`], path, token };
          case 'prefix':
            return { headers: ['Authorization', `Bearer ${v.text}${token}`], path, token };
          case 'suffix':
            return { headers: ['Authorization', `Bearer ${token}${v.text}`], path, token };
          case 'two-tokens':
            return { headers: ['Authorization', `Bearer ${token}${v.separator}${token}`], path, token };
          case 'query':
            return {
              headers: v.alsoHeader ? ['Authorization', `Bearer ${token}`] : [],
              path: `${path}?access_token=${encodeURIComponent(token)}`,
              token,
            };
          case 'header-name':
            return { headers: [v.name, `Bearer ${token}`], path, token };
        }
        break;
      }
      case 'forged': {
        const token = await forge(plan, base, keys, kids);
        return { headers: ['Authorization', `Bearer ${token}`], path, token };
      }
      case 'trusted-valid': {
        const token = await trustedSign!({ ...base, [plan.extra[0]]: plan.extra[1] });
        valid.add(token);
        return { headers: ['Authorization', `Bearer ${token}`], path, token };
      }
      case 'trusted-bad': {
        const bad = plan.bad;
        const value = 'offset' in bad ? Math.floor(Date.now() / 1000) + bad.offset : bad.value;
        const claims: Record<string, unknown> = { ...base, [bad.claim]: value };
        if (value === undefined) delete claims[bad.claim];
        const token = await trustedSign!(claims as JWTPayload);
        return { headers: ['Authorization', `Bearer ${token}`], path, token };
      }
    }
    throw new Error('unreachable');
  };

  /** The oracle: one Authorization header of the form `Bearer 1*SP token`, token exactly valid, none elsewhere. */
  const exactlyValid = (b: Built): boolean => {
    if (/[?&]access_token=/.test(b.path)) return false;
    const values: string[] = [];
    for (let i = 0; i < b.headers.length; i += 2) {
      if (b.headers[i].toLowerCase() === 'authorization') values.push(sendable(b.headers[i + 1]));
    }
    if (values.length !== 1) return false;
    const m = /^bearer +([^ ]+) *$/i.exec(values[0].replace(/^[ \t]+|[ \t]+$/g, ''));
    return !!m && valid.has(m[1]);
  };

  const send = (b: Built) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
      (resolveSend, reject) => {
        const headers = ['Host', url.host, ...(options.request?.headers ?? [])];
        for (let i = 0; i < b.headers.length; i += 2) headers.push(b.headers[i], sendable(b.headers[i + 1]));
        if (options.request) headers.push('Content-Length', String(Buffer.byteLength(options.request.body)));
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: b.path,
            method: options.request?.method ?? 'GET',
            headers,
            agent,
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolveSend({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString(),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(options.request?.body);
      },
    );

  const describeCase = (plan: Plan, b: Built) => {
    const short = (h: string) =>
      h.length > 120 ? `${h.slice(0, 60)}…${h.slice(-48)} (${h.length} chars)` : h;
    return `${JSON.stringify(plan).slice(0, 400)} → ${options.request?.method ?? 'GET'} ${short(b.path)} ${JSON.stringify(b.headers.map(short))}`;
  };

  const runOne = async (plan: Plan) => {
    const b = await build(plan);
    const control = exactlyValid(b);
    report.cases++;
    report.byKind[plan.kind] = (report.byKind[plan.kind] ?? 0) + 1;
    if (control) report.controls++;
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send(b);
    } catch (error) {
      report.crashes++;
      violation(
        {
          kind: plan.kind,
          description: describeCase(plan, b),
          status: 'error',
          problem: 'crash',
          detail: String(error),
        },
        plan,
      );
      return;
    }
    const { status } = res;
    report.statuses[status] = (report.statuses[status] ?? 0) + 1;
    const where = { kind: plan.kind, status, description: describeCase(plan, b) } as const;
    if (status >= 200 && status < 300) {
      report.accepted++;
      if (!control) {
        report.wrongAccepted++;
        // Another spelling of a valid token (padding, unused bits set) or a token that is really different.
        const respelled = !!b.token && valid.has(canonicalSpelling(b.token.trim()));
        if (respelled) report.wrongAcceptedRespellings++;
        violation(
          { ...where, problem: 'accepted' },
          plan,
          respelled
            ? 'a non-canonical base64url spelling of a valid token'
            : 'a token that is not a valid one',
        );
      }
    } else if (control) {
      report.controlsRefused++;
      violation({ ...where, problem: 'control-refused', detail: res.body.slice(0, 200) }, plan);
    }
    if (status >= 500) {
      report.fivexx++;
      violation({ ...where, problem: '5xx', detail: res.body.slice(0, 200) }, plan);
    }
    if (status === 400 || status === 401 || status === 403) {
      const challenge = res.headers['www-authenticate'];
      let problem: string | undefined;
      if (typeof challenge !== 'string') problem = `no single challenge: ${JSON.stringify(challenge)}`;
      else {
        try {
          const parsed = parseBearerChallenge(challenge);
          if (parsed.resource_metadata !== resourceMetadata)
            problem = `resource_metadata ${parsed.resource_metadata}`;
        } catch (error) {
          problem = (error as Error).message;
        }
      }
      if (problem) {
        report.unparsableChallenges++;
        violation({ ...where, problem: 'challenge', detail: problem }, plan);
      }
    }
    if (b.token && b.token.length >= 16) {
      const answer = `${JSON.stringify(res.headers)}${res.body}`;
      if (answer.includes(b.token)) {
        report.tokenEchoes++;
        violation({ ...where, problem: 'echo' }, plan);
      }
    }
  };

  const arbitrary = planArbitrary(validTokens.length, kids.length, !!trustedSign, now);
  const batchSize = 500;
  const progressEvery = options.progressEvery ?? 10_000;
  let nextProgress = progressEvery;
  for (let batch = 0; batch * batchSize < options.numRuns; batch++) {
    const count = Math.min(batchSize, options.numRuns - batch * batchSize);
    // One fast-check seed per batch, derived from the run's seed: the same seed replays the same cases.
    const plans = fc.sample(arbitrary, { seed: (options.seed + batch * 7919) | 0, numRuns: count });
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, plans.length) }, async () => {
        while (next < plans.length) await runOne(plans[next++]);
      }),
    );
    if (options.onProgress && report.cases >= nextProgress) {
      nextProgress += progressEvery;
      options.onProgress({ ...report, ms: Date.now() - started });
    }
  }

  // The app keeps serving: an exactly valid request still gets 2xx.
  try {
    const alive = await send({ headers: ['Authorization', `Bearer ${validTokens[0]}`], path });
    if (alive.status < 200 || alive.status >= 300) throw new Error(`liveness check answered ${alive.status}`);
  } catch (error) {
    report.crashes++;
    violation({
      kind: 'control',
      description: 'liveness check',
      status: 'error',
      problem: 'crash',
      detail: String(error),
    });
  }
  agent.destroy();
  report.ms = Date.now() - started;
  return report;
}
