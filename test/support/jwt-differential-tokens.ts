/**
 * Generated tokens for the differential test (see `jwt-differential.ts`): fast-check plans — pure data — and the
 * bytes each plan spells. Half the plans are valid for their configuration (every algorithm of the table, kid or
 * not, `aud` as a string or an array, time claims anywhere inside the tolerance), so acceptance is exercised; the
 * other half change one or two dimensions towards an edge or an attack, the others staying valid, so that each
 * edge is judged on its own: header (`alg` relabelled, `none`, HMAC
 * with the public key, `kid` mismatched or mistyped, `typ`, `crit`, `jku`/`jwk`), keys (an attacker's, a key
 * published for another use or algorithm, a 1024-bit RSA key), claims (`iss` variants, `aud` types, `exp`/`nbf`/
 * `iat` around now ± tolerance, out of range, mistyped), encodings (BOM, invalid UTF-8, not an object) and the
 * serialization (padding, unused bits, whitespace, flipped characters, swapped or missing segments).
 */
import {
  constants,
  createHmac,
  generateKeyPairSync,
  sign,
  type KeyObject,
  type JsonWebKey,
} from 'node:crypto';

import fc from 'fast-check';
import type { JSONWebKeySet, JWK } from 'jose';

import { DEFAULT_ALGORITHMS, JWS_ALGORITHMS, type JwsAlgorithm } from '../../lib/core/algorithms.js';
import {
  emptyReport,
  serveJwks,
  startDifferential,
  type DifferentialConfig,
  type DifferentialReport,
} from './jwt-differential.js';

// --- Keys. --------------------------------------------------------------------------------------------------------

type Family = 'rsa' | 'rsa-1024' | 'P-256' | 'P-384' | 'P-521' | 'ed25519';

interface KeySpec {
  name: string;
  family: Family;
  /** Published in the JWKS (else: an attacker's key). */
  published: boolean;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
}

/** The JWKS, in order (the 1024-bit key last: jose's recipe stops at it), then the attacker's keys. */
const KEY_SPECS: readonly KeySpec[] = [
  { name: 'rsa-1', family: 'rsa', published: true, kid: 'rsa-1', alg: 'RS256', use: 'sig' },
  { name: 'rsa-2', family: 'rsa', published: true, kid: 'rsa-2' },
  { name: 'rsa-3', family: 'rsa', published: true },
  { name: 'ec-256', family: 'P-256', published: true, kid: 'ec-256', alg: 'ES256' },
  { name: 'ec-384', family: 'P-384', published: true, kid: 'ec-384' },
  { name: 'ec-521', family: 'P-521', published: true, kid: 'ec-521', alg: 'ES512' },
  { name: 'ed-1', family: 'ed25519', published: true, kid: 'ed-1' },
  { name: 'ed-2', family: 'ed25519', published: true, kid: 'ed-2', alg: 'Ed25519' },
  // An EC key under the kid of an RSA key: selection goes by key type too.
  { name: 'ec-shared-kid', family: 'P-256', published: true, kid: 'rsa-2', key_ops: ['verify'] },
  { name: 'rsa-enc', family: 'rsa', published: true, kid: 'rsa-enc', use: 'enc' },
  { name: 'rsa-weak', family: 'rsa-1024', published: true, kid: 'rsa-weak', alg: 'RS256' },
  { name: 'attacker-rsa', family: 'rsa', published: false, kid: 'attacker' },
  { name: 'attacker-ec', family: 'P-256', published: false, kid: 'attacker' },
  { name: 'attacker-ed', family: 'ed25519', published: false, kid: 'attacker' },
];

export interface DifferentialKey extends KeySpec {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

function generate(family: Family): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (family) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'rsa-1024':
      return generateKeyPairSync('rsa', { modulusLength: 1024 });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    default:
      return generateKeyPairSync('ec', { namedCurve: family });
  }
}

/** Generates the keys; the published ones form the JWKS. */
export function createDifferentialKeys(): { keys: DifferentialKey[]; jwks: JSONWebKeySet } {
  const keys = KEY_SPECS.map((spec) => {
    const { privateKey, publicKey } = generate(spec.family);
    const { name: _name, family: _family, published: _published, ...members } = spec;
    const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JsonWebKey), ...members } as JWK;
    return { ...spec, privateKey, publicKey, publicJwk };
  });
  return { keys, jwks: { keys: keys.filter((k) => k.published).map((k) => k.publicJwk) } };
}

/** The key family an algorithm of the table signs with. */
function familyOf(alg: JwsAlgorithm): Family[] {
  const spec: { nodeType: string; crv?: string } = JWS_ALGORITHMS[alg];
  if (spec.nodeType === 'rsa') return ['rsa', 'rsa-1024'];
  if (spec.nodeType === 'ed25519') return ['ed25519'];
  return [spec.crv as Family];
}

/** Published keys jose selects for `alg` (type, curve, `alg`, `use`), the 1024-bit one excepted. */
function goodKeys(keys: readonly DifferentialKey[], alg: JwsAlgorithm): DifferentialKey[] {
  return keys.filter(
    (k) =>
      k.published &&
      k.family !== 'rsa-1024' &&
      familyOf(alg).includes(k.family) &&
      (k.alg === undefined || k.alg === alg) &&
      (k.use === undefined || k.use === 'sig'),
  );
}

// --- Plans. -------------------------------------------------------------------------------------------------------

/** A claim value: JSON, raw JSON text (`1e400`), or the frozen now plus an offset in seconds. */
type ClaimValue = { json: unknown } | { raw: string } | { offset: number };

type Encoding = 'json' | 'pretty' | 'bom' | 'invalid-utf8' | 'array' | 'null' | 'broken' | 'duplicate-exp';

type Mutation =
  | { op: 'none' }
  | { op: 'pad' | 'unused-bits' | 'std-alphabet'; segment: number }
  | { op: 'whitespace'; segment: number; at: number; char: string }
  | { op: 'flip'; segment: number; at: number; by: number }
  | { op: 'swap' | 'drop-signature' | 'drop-segment' | 'extra-segment' }
  | { op: 'truncate-signature'; chars: number };

/** How the signature is made: by a key of the table (`sign` names it), an HMAC over the public key, or none. */
type Signer =
  | { type: 'key'; alg: JwsAlgorithm; key: string }
  | { type: 'hmac'; alg: 'HS256' | 'HS384' | 'HS512'; secret: 'pem' | 'jwk' }
  | { type: 'none' };

export interface TokenPlan {
  config: number;
  signer: Signer;
  /** The header's `alg`: the signer's, or a relabelling. */
  alg: string;
  kid: { type: 'signer' } | { type: 'none' } | { type: 'value'; value: unknown };
  typ: { present: false } | { present: true; value: unknown };
  headerExtra: Record<string, unknown>;
  headerEncoding: Encoding;
  claims: Array<[string, ClaimValue | undefined]>;
  payloadEncoding: Encoding;
  mutation: Mutation;
}

const json = (value: unknown): ClaimValue => ({ json: value });
const at = (offset: number): ClaimValue => ({ offset });

/** What a plan may change towards an edge or an attack; the other dimensions stay valid. */
const DIMENSIONS = [
  'signer',
  'alg',
  'kid',
  'typ',
  'headerExtra',
  'headerEncoding',
  'exp',
  'nbf',
  'iat',
  'iss',
  'aud',
  'claimTypes',
  'payloadEncoding',
  'mutation',
] as const;
type Dimension = (typeof DIMENSIONS)[number];
/** The dimensions a plan perturbs (none: a valid plan). */
type Perturbed = ReadonlySet<Dimension>;

/** The edge or attack values of a perturbed dimension, else the valid ones. */
const dimension = <T>(
  perturbed: Perturbed,
  name: Dimension,
  good: fc.Arbitrary<T>,
  bad: fc.Arbitrary<T>,
): fc.Arbitrary<T> => (perturbed.has(name) ? bad : good);

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

function signers(perturbed: Perturbed, config: DifferentialConfig, keys: readonly DifferentialKey[]) {
  const allowed = config.algorithms ?? DEFAULT_ALGORITHMS;
  const good = allowed.flatMap((alg) =>
    goodKeys(keys, alg).map((k) => ({ type: 'key', alg, key: k.name }) as const),
  );
  const anyKey = DEFAULT_ALGORITHMS.flatMap((alg) =>
    keys
      .filter((k) => familyOf(alg).includes(k.family))
      .map((k) => ({ type: 'key', alg, key: k.name }) as const),
  );
  const signer = dimension<Signer>(
    perturbed,
    'signer',
    fc.constantFrom(...good),
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...anyKey) },
      {
        weight: 1,
        arbitrary: fc.record({
          type: fc.constant('hmac' as const),
          alg: fc.constantFrom('HS256' as const, 'HS384' as const, 'HS512' as const),
          secret: fc.constantFrom('pem' as const, 'jwk' as const),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ type: 'none' } as const) },
    ),
  );
  const relabel = fc.constantFrom(...DEFAULT_ALGORITHMS, 'none', 'None', 'HS256', 'rs256', 'ES256K', '');
  return signer.chain((s) =>
    fc.record({
      signer: fc.constant(s),
      alg:
        s.type === 'none'
          ? fc.constantFrom('none', 'NONE', 'RS256')
          : dimension(perturbed, 'alg', fc.constant(s.alg), relabel),
    }),
  );
}

function header(perturbed: Perturbed, config: DifferentialConfig, now: number) {
  const strict = config.strictJwtType === true;
  const goodTyp = strict
    ? fc
        .constantFrom('at+jwt', 'application/at+jwt', 'AT+JWT')
        .map((value) => ({ present: true as const, value }))
    : fc.oneof(
        fc.constant({ present: false as const }),
        fc
          .constantFrom('at+jwt', 'JWT', 'application/at+jwt', 'dpop+jwt')
          .map((value) => ({ present: true as const, value })),
      );
  const badTyp = fc.oneof(
    fc.constant({ present: false as const }),
    fc
      .constantFrom<unknown>('JWT', 'at+jwt ', 1, null, 'application/jwt', 'at+JWT+x')
      .map((value) => ({ present: true as const, value })),
  );
  return fc.record({
    kid: dimension<TokenPlan['kid']>(
      perturbed,
      'kid',
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({ type: 'signer' } as const) },
        fc.constant({ type: 'none' } as const),
      ),
      fc
        .constantFrom<unknown>(
          'ec-256',
          'rsa-1',
          'rsa-weak',
          'rsa-enc',
          'unknown-kid',
          '',
          0,
          null,
          ['rsa-1'],
          {},
          'rsa-1 ',
        )
        .map((value) => ({ type: 'value' as const, value })),
    ),
    typ: dimension(perturbed, 'typ', goodTyp, badTyp),
    headerExtra: dimension<Record<string, unknown>>(
      perturbed,
      'headerExtra',
      fc.oneof(
        { weight: 4, arbitrary: fc.constant({}) },
        fc.constant({ 'x-vendor': 'v' }),
        fc.constant({ b64: true }),
      ),
      fc.constantFrom<Record<string, unknown>>(
        { crit: ['b64'], b64: true },
        { crit: ['b64'], b64: false },
        { crit: [] },
        { crit: ['exp'], exp: now + 60 },
        { crit: 'b64', b64: true },
        { crit: ['urn:x'], 'urn:x': 1 },
        { b64: false },
        { jku: 'https://evil.example/jwks' },
        { x5u: 'https://evil.example/cert.pem' },
        { jwk: { kty: 'oct', k: 'c2VjcmV0' } },
      ),
    ),
    headerEncoding: dimension<Encoding>(
      perturbed,
      'headerEncoding',
      fc.constantFrom('json', 'pretty'),
      fc.constantFrom('bom', 'invalid-utf8', 'array', 'null', 'broken'),
    ),
  });
}

/** `exp`, `nbf`, `iat` around now ± tolerance: whole and fractional seconds, the edges exactly, far values. */
function times(perturbed: Perturbed, tolerance: number) {
  const t = tolerance;
  const edges = (values: number[]) => fc.constantFrom(...values.map(at));
  const range = (min: number, max: number) =>
    fc
      .oneof(fc.integer({ min: Math.ceil(min), max: Math.floor(max) }), fc.double({ min, max, noNaN: true }))
      .map(at);
  const notNumber = fc.constantFrom<unknown>('1700000000', null, true, [1], {}).map(json);
  const outOfRange = fc.oneof(
    fc.constantFrom<ClaimValue>(
      json(1e16),
      json(8.64e12 + 1),
      json(-1e16),
      { raw: '1e400' },
      { raw: '-1e400' },
    ),
  );
  return fc.record({
    exp: dimension<ClaimValue | undefined>(
      perturbed,
      'exp',
      fc.oneof(range(-t + 0.001, 3600), edges([-t + 1, 1, 3600]), fc.constant(json(8.64e12))),
      fc.oneof(
        fc.constant(undefined),
        range(-3600, -t),
        edges([-t, -t - 0.5, -t - 1]),
        notNumber,
        outOfRange,
      ),
    ),
    nbf: dimension<ClaimValue | undefined>(
      perturbed,
      'nbf',
      fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        range(-3600, t),
        edges([t, 0, -8.64e12 + 1e6]),
      ),
      fc.oneof(range(t + 0.001, 3600), edges([t + 0.5, t + 1]), notNumber, outOfRange),
    ),
    iat: dimension<ClaimValue | undefined>(
      perturbed,
      'iat',
      fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, range(-3600, t), edges([t, 0])),
      fc.oneof(range(t + 0.001, 3600), edges([t + 0.5, t + 1]), notNumber, outOfRange),
    ),
  });
}

function identity(perturbed: Perturbed, config: DifferentialConfig) {
  const [first] = config.issuers;
  const goodAud =
    config.audience === false
      ? fc.constantFrom<unknown>(undefined, config.resource, 'https://elsewhere.example', [config.resource])
      : fc
          .constantFrom(...(config.audience ?? [config.resource]))
          .chain((aud) => fc.constantFrom<unknown>(aud, [aud], ['https://elsewhere.example', aud]));
  return fc.record({
    iss: dimension<ClaimValue | undefined>(
      perturbed,
      'iss',
      fc.constantFrom(...config.issuers).map(json),
      fc.constantFrom<ClaimValue | undefined>(
        undefined,
        json('https://evil.example'),
        json(`${first}/`),
        json(first.toUpperCase()),
        json([first]),
        json(42),
        json('https://as.example.com'),
      ),
    ),
    aud: dimension<ClaimValue | undefined>(
      perturbed,
      'aud',
      goodAud.map((v) => (v === undefined ? undefined : json(v))),
      fc
        .constantFrom<unknown>(
          undefined,
          'https://other.example',
          [],
          42,
          null,
          [config.resource, 42],
          `${config.resource}/`,
          config.resource.toUpperCase(),
        )
        .map((v) => (v === undefined ? undefined : json(v))),
    ),
  });
}

/** Claims the mapper reads (`sub`, client id, scopes) and others it ignores; perturbed: some mistyped. */
function otherClaims(perturbed: Perturbed) {
  const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const claim = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) =>
    perturbed.has('claimTypes') ? fc.oneof(good, bad) : good;
  return fc.record({
    sub: claim(optional(fc.constant(json('user-1'))), fc.constantFrom(json(42), json(null), json({}))),
    client_id: claim(optional(fc.constant(json('client-1'))), fc.constantFrom(json(7), json(['c']))),
    azp: claim(optional(fc.constant(json('client-2'))), fc.constantFrom(json(7), json(false))),
    scope: claim(
      optional(fc.constantFrom(json('read write'), json(''))),
      fc.constantFrom(json(['read']), json(1)),
    ),
    scp: claim(optional(fc.constantFrom(json(['read']), json('a b'))), fc.constantFrom(json([1]), json({}))),
    extra: fc.dictionary(
      fc.constantFrom(
        'jti',
        'tid',
        'roles',
        'x-custom',
        ...(perturbed.has('claimTypes') ? ['cid', 'appid', 'scopes'] : []),
      ),
      fc.jsonValue({ maxDepth: 1 }).map(json),
      { maxKeys: 2 },
    ),
  });
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('pad' as const, 'unused-bits' as const, 'std-alphabet' as const),
    segment: fc.nat({ max: 2 }),
  }),
  fc.record({
    op: fc.constant('whitespace' as const),
    segment: fc.nat({ max: 2 }),
    at: fraction,
    char: fc.constantFrom(' ', '\n', '\t', '\r\n'),
  }),
  fc.record({
    op: fc.constant('flip' as const),
    segment: fc.nat({ max: 2 }),
    at: fraction,
    by: fc.integer({ min: 1, max: 63 }),
  }),
  fc.record({
    op: fc.constantFrom(
      'swap' as const,
      'drop-signature' as const,
      'drop-segment' as const,
      'extra-segment' as const,
    ),
  }),
  fc.record({ op: fc.constant('truncate-signature' as const), chars: fc.integer({ min: 1, max: 8 }) }),
);

/** Plans for `configs` (indices): half valid for their configuration, half perturbing one or two dimensions. */
export function tokenPlanArbitrary(
  configs: readonly DifferentialConfig[],
  keys: readonly DifferentialKey[],
  now: number,
): fc.Arbitrary<TokenPlan> {
  const perturbations = fc.oneof(
    fc.constant<Dimension[]>([]),
    fc.subarray([...DIMENSIONS], { minLength: 1, maxLength: 2 }),
  );
  return fc
    .tuple(fc.nat({ max: configs.length - 1 }), perturbations)
    .chain(([index, names]) => {
      const config = configs[index];
      const perturbed: Perturbed = new Set(names);
      return fc.record({
        config: fc.constant(index),
        signing: signers(perturbed, config, keys),
        header: header(perturbed, config, now),
        times: times(perturbed, config.clockTolerance),
        identity: identity(perturbed, config),
        others: otherClaims(perturbed),
        payloadEncoding: dimension<Encoding>(
          perturbed,
          'payloadEncoding',
          fc.constantFrom('json', 'pretty'),
          fc.constantFrom('bom', 'invalid-utf8', 'array', 'null', 'broken', 'duplicate-exp'),
        ),
        mutation: dimension(perturbed, 'mutation', fc.constant({ op: 'none' } as Mutation), mutation),
      });
    })
    .map(({ config, signing, header: h, times: t, identity: id, others, payloadEncoding, mutation: m }) => ({
      config,
      signer: signing.signer,
      alg: signing.alg,
      ...h,
      claims: [
        ['iss', id.iss],
        ['sub', others.sub],
        ['aud', id.aud],
        ['exp', t.exp],
        ['nbf', t.nbf],
        ['iat', t.iat],
        ['client_id', others.client_id],
        ['azp', others.azp],
        ['scope', others.scope],
        ['scp', others.scp],
        ...Object.entries(others.extra),
      ],
      payloadEncoding,
      mutation: m,
    }));
}

// --- Spelling a plan. -----------------------------------------------------------------------------------------------

function render(value: ClaimValue, now: number): string {
  if ('raw' in value) return value.raw;
  if ('offset' in value) return JSON.stringify(now + value.offset);
  return JSON.stringify(value.json);
}

function encode(text: string, encoding: Encoding, now: number): Buffer {
  switch (encoding) {
    case 'json':
      return Buffer.from(text);
    case 'pretty':
      return Buffer.from(JSON.stringify(JSON.parse(text), null, 2));
    case 'bom':
      return Buffer.from(`\uFEFF${text}`);
    case 'invalid-utf8': {
      const open = text === '{}' ? '{' : `${text.slice(0, -1)},`;
      return Buffer.concat([Buffer.from(`${open}"x":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    }
    case 'array':
      return Buffer.from(`[${text}]`);
    case 'null':
      return Buffer.from('null');
    case 'broken':
      return Buffer.from(text.slice(0, -1));
    case 'duplicate-exp':
      return Buffer.from(`{"exp":${now - 3600},${text.slice(1)}`);
  }
}

function signature(signer: Signer, input: Buffer, keys: readonly DifferentialKey[]): Buffer {
  if (signer.type === 'none') return Buffer.alloc(0);
  if (signer.type === 'hmac') {
    const rsa = keys.find((k) => k.name === 'rsa-1')!;
    const secret =
      signer.secret === 'jwk'
        ? JSON.stringify(rsa.publicJwk)
        : (rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    return createHmac(`sha${signer.alg.slice(2)}`, secret)
      .update(input)
      .digest();
  }
  const spec: { hash: string | null; nodeType: string; pss?: boolean } = JWS_ALGORITHMS[signer.alg];
  const key = keys.find((k) => k.name === signer.key)!.privateKey;
  try {
    if (spec.nodeType === 'ec') return sign(spec.hash, input, { key, dsaEncoding: 'ieee-p1363' });
    if (spec.pss) {
      return sign(spec.hash, input, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    }
    return sign(spec.hash, input, key);
  } catch {
    return Buffer.alloc(0); // e.g. PS512 with the 1024-bit key: too small for the padding
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function mutate(segments: string[], m: Mutation): string {
  const s = [...segments];
  const pos = (text: string, fractionAt: number) =>
    Math.min(text.length, Math.floor(fractionAt * text.length));
  switch (m.op) {
    case 'none':
      break;
    case 'pad':
      s[m.segment] += '='.repeat((4 - (s[m.segment].length % 4)) % 4 || 2);
      break;
    case 'unused-bits': {
      const seg = s[m.segment];
      const spare = [0, 0, 4, 2][seg.length % 4];
      if (spare && seg)
        s[m.segment] = seg.slice(0, -1) + B64URL[B64URL.indexOf(seg.at(-1)!) | ((1 << spare) - 1)];
      break;
    }
    case 'std-alphabet':
      s[m.segment] = s[m.segment].replace(/-/g, '+').replace(/_/g, '/');
      break;
    case 'whitespace': {
      const seg = s[m.segment];
      const i = pos(seg, m.at);
      s[m.segment] = seg.slice(0, i) + m.char + seg.slice(i);
      break;
    }
    case 'flip': {
      const seg = s[m.segment];
      if (!seg) break;
      const i = Math.min(seg.length - 1, pos(seg, m.at));
      const c = B64URL[(B64URL.indexOf(seg[i]) + m.by) % 64];
      s[m.segment] = seg.slice(0, i) + c + seg.slice(i + 1);
      break;
    }
    case 'swap':
      [s[0], s[1]] = [s[1], s[0]];
      break;
    case 'drop-signature':
      s[2] = '';
      break;
    case 'drop-segment':
      return `${s[0]}.${s[1]}`;
    case 'extra-segment':
      return `${s.join('.')}.`;
    case 'truncate-signature':
      s[2] = s[2].slice(0, -m.chars);
      break;
  }
  return s.join('.');
}

/** The token a plan spells, at the frozen time `now` (seconds). */
export function buildToken(plan: TokenPlan, keys: readonly DifferentialKey[], now: number): string {
  const signerKey =
    plan.signer.type === 'key'
      ? keys.find((k) => k.name === (plan.signer as { key: string }).key)
      : undefined;
  const kid =
    plan.kid.type === 'value'
      ? { kid: plan.kid.value }
      : plan.kid.type === 'signer'
        ? plan.signer.type === 'hmac'
          ? { kid: 'rsa-1' }
          : signerKey?.kid === undefined
            ? {}
            : { kid: signerKey.kid }
        : {};
  const header = {
    alg: plan.alg,
    ...(plan.typ.present ? { typ: plan.typ.value } : {}),
    ...kid,
    ...plan.headerExtra,
  };
  const claims = plan.claims.flatMap(([name, value]) =>
    value === undefined ? [] : [`${JSON.stringify(name)}:${render(value, now)}`],
  );
  const h = encode(JSON.stringify(header), plan.headerEncoding, now).toString('base64url');
  const p = encode(`{${claims.join(',')}}`, plan.payloadEncoding, now).toString('base64url');
  const s = signature(plan.signer, Buffer.from(`${h}.${p}`), keys).toString('base64url');
  return mutate([h, p, s], plan.mutation);
}

// --- The fuzzing run. -------------------------------------------------------------------------------------------

const ISSUER_A = 'https://as.example.com';
const ISSUER_B = 'https://login.example.org/tenant/v2.0';
const RESOURCE = 'https://mcp.example.com/mcp';

/** The configurations generated tokens are verified under. */
export const FUZZ_CONFIGS: readonly DifferentialConfig[] = [
  { name: 'default', issuers: [ISSUER_A, ISSUER_B], resource: RESOURCE, clockTolerance: 5 },
  {
    name: 'strict',
    issuers: [ISSUER_A],
    resource: RESOURCE,
    clockTolerance: 0,
    algorithms: ['RS256', 'PS384', 'ES256', 'EdDSA'],
    strictJwtType: true,
  },
  {
    name: 'audiences',
    issuers: [ISSUER_B],
    resource: 'https://mcp.example.com/other',
    audience: ['api://todo', 'https://other.example/api'],
    clockTolerance: 60,
  },
  {
    name: 'no-audience',
    issuers: [ISSUER_A, ISSUER_B],
    resource: RESOURCE,
    audience: false,
    clockTolerance: 5,
  },
];

export interface DifferentialFuzzOptions {
  numRuns: number;
  /** fast-check seed; the same seed replays the same plans. */
  seed: number;
  /** Cases verified concurrently. Default 4. */
  concurrency?: number;
  onProgress?: (report: DifferentialFuzzReport) => void;
  progressEvery?: number;
}

export interface DifferentialFuzzReport extends DifferentialReport {
  seed: number;
  /** Tokens accepted by both, per header `alg`. */
  acceptedByAlgorithm: Record<string, number>;
}

/** Generates `numRuns` tokens and compares both verdicts for each (see `jwt-differential.ts`). */
export async function runDifferentialFuzz(options: DifferentialFuzzOptions): Promise<DifferentialFuzzReport> {
  const started = performance.now();
  const { keys, jwks } = createDifferentialKeys();
  const server = await serveJwks(jwks);
  const issuers = [ISSUER_A, ISSUER_B].map((issuer) => ({ issuer, jwks, jwksUri: server.uri }));
  const diff = startDifferential(issuers, FUZZ_CONFIGS);
  const report: DifferentialFuzzReport = { ...emptyReport(), seed: options.seed, acceptedByAlgorithm: {} };
  try {
    const arbitrary = tokenPlanArbitrary(FUZZ_CONFIGS, keys, diff.now);
    const progressEvery = options.progressEvery ?? 10_000;
    let nextProgress = progressEvery;
    const batchSize = 500;
    for (let batch = 0; batch * batchSize < options.numRuns; batch++) {
      const count = Math.min(batchSize, options.numRuns - batch * batchSize);
      const plans = fc.sample(arbitrary, { seed: (options.seed + batch * 7919) | 0, numRuns: count });
      let next = 0;
      const worker = async () => {
        while (next < plans.length) {
          const plan = plans[next++];
          const outcome = await diff.record(report, buildToken(plan, keys, diff.now), plan.config);
          if (outcome.ours === 'accept' && outcome.jose === 'accept') {
            report.acceptedByAlgorithm[plan.alg] = (report.acceptedByAlgorithm[plan.alg] ?? 0) + 1;
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
      if (options.onProgress && report.cases >= nextProgress) {
        nextProgress += progressEvery;
        options.onProgress({ ...report, ms: Math.round(performance.now() - started) });
      }
    }
  } finally {
    diff.close();
    await server.close();
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}
