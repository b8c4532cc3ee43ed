import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import type { ResolvedResource } from '../core/resolved-resource.js';
import { resolveOptions } from '../options/resolve-options.js';
import { ClaimMapper } from './claim-mapper.js';
import { assertTokenTimes, assertTrustedIssuer } from './claim-rules.js';
import { FunctionTokenVerifier } from './function-token-verifier.js';
import { IntrospectionTokenVerifier } from './introspection-token-verifier.js';
import { JwtTokenVerifier } from './jwt-token-verifier.js';
import type { TokenVerifier } from './token-verifier.js';

const RESOURCE = 'http://127.0.0.1/api';
/** "Now" during every verification of the table, in whole seconds: Date.now() is pinned to it. */
const T = 1_800_000_000;

type Times = { exp?: unknown; nbf?: unknown; iat?: unknown };
type Verdict = 'accepted' | 'ERR_TOKEN_EXPIRED' | 'ERR_TOKEN_NOT_YET_VALID' | 'ERR_TOKEN_INVALID';
interface Edge {
  name: string;
  tolerance: 0 | 5;
  /** Over `exp: T + 60`; a key set to `undefined` removes the claim. */
  times: Times;
  /** The verdict of every verifier, or per verifier where the rule differs on purpose (a missing `exp`). */
  expect: Verdict | { jwt: Verdict; others: Verdict };
}

/** One table for every verifier (R39): the time rules of RFC 7519 §4.1.4–4.1.6 and their edges. */
const EDGES: Edge[] = [
  { name: 'exp in the future', tolerance: 0, times: {}, expect: 'accepted' },
  { name: 'exactly at exp', tolerance: 0, times: { exp: T }, expect: 'ERR_TOKEN_EXPIRED' },
  { name: 'a millisecond before exp', tolerance: 0, times: { exp: T + 0.001 }, expect: 'accepted' },
  { name: 'exp in the past', tolerance: 0, times: { exp: T - 1 }, expect: 'ERR_TOKEN_EXPIRED' },
  { name: 'exactly at exp + tolerance', tolerance: 5, times: { exp: T - 5 }, expect: 'ERR_TOKEN_EXPIRED' },
  { name: 'past exp, within the tolerance', tolerance: 5, times: { exp: T - 4.999 }, expect: 'accepted' },
  {
    name: 'exp missing (required for JWTs, optional elsewhere)',
    tolerance: 0,
    times: { exp: undefined },
    expect: { jwt: 'ERR_TOKEN_EXPIRED', others: 'accepted' },
  },
  { name: 'exp at the end of the range of dates', tolerance: 0, times: { exp: 8.64e12 }, expect: 'accepted' },
  { name: 'nbf exactly now', tolerance: 0, times: { nbf: T }, expect: 'accepted' },
  {
    name: 'nbf a millisecond ahead',
    tolerance: 0,
    times: { nbf: T + 0.001 },
    expect: 'ERR_TOKEN_NOT_YET_VALID',
  },
  { name: 'nbf exactly now + tolerance', tolerance: 5, times: { nbf: T + 5 }, expect: 'accepted' },
  {
    name: 'nbf beyond the tolerance',
    tolerance: 5,
    times: { nbf: T + 5.001 },
    expect: 'ERR_TOKEN_NOT_YET_VALID',
  },
  { name: 'iat exactly now + tolerance', tolerance: 5, times: { iat: T + 5 }, expect: 'accepted' },
  {
    name: 'iat beyond the tolerance',
    tolerance: 5,
    times: { iat: T + 5.001 },
    expect: 'ERR_TOKEN_NOT_YET_VALID',
  },
  { name: 'iat in the past', tolerance: 0, times: { iat: T - 3600 }, expect: 'accepted' },
  { name: 'exp NaN', tolerance: 5, times: { exp: NaN }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'exp Infinity', tolerance: 5, times: { exp: Infinity }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'exp -Infinity', tolerance: 5, times: { exp: -Infinity }, expect: 'ERR_TOKEN_INVALID' },
  {
    name: 'exp 1e16 (past the range of dates)',
    tolerance: 5,
    times: { exp: 1e16 },
    expect: 'ERR_TOKEN_INVALID',
  },
  {
    name: 'exp a string of digits',
    tolerance: 5,
    times: { exp: String(T + 60) },
    expect: 'ERR_TOKEN_INVALID',
  },
  { name: 'exp null', tolerance: 5, times: { exp: null }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'exp a boolean', tolerance: 5, times: { exp: true }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'nbf NaN', tolerance: 5, times: { nbf: NaN }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'nbf -Infinity', tolerance: 5, times: { nbf: -Infinity }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'nbf a string', tolerance: 5, times: { nbf: 'yesterday' }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'iat Infinity', tolerance: 5, times: { iat: Infinity }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'iat 1e16', tolerance: 5, times: { iat: -1e16 }, expect: 'ERR_TOKEN_INVALID' },
  { name: 'iat a string', tolerance: 5, times: { iat: String(T) }, expect: 'ERR_TOKEN_INVALID' },
];

/** The time claims of an edge, `exp: T + 60` unless it says otherwise; absent claims are left out. */
function timesOf(edge: Edge): Times {
  const times: Times = { exp: T + 60, ...edge.times };
  for (const name of ['exp', 'nbf', 'iat'] as const) if (times[name] === undefined) delete times[name];
  return times;
}

/**
 * JSON as a provider would send it: `±Infinity` as `±1e400` (what JSON.parse turns into Infinity); JSON has no
 * NaN, so it goes out as `null` (the closest a provider can send — refused alike).
 */
function toJson(claims: Record<string, unknown>): string {
  return JSON.stringify(claims, (_key, value: unknown) =>
    value === Infinity ? '\u0000+inf' : value === -Infinity ? '\u0000-inf' : value,
  )
    .replaceAll('"\\u0000+inf"', '1e400')
    .replaceAll('"\\u0000-inf"', '-1e400');
}

type Harness = (edge: Edge, index: number) => Promise<string>;

describe('R39: one claim rule for every verifier — the same table through JWT, introspection and verify: fn', () => {
  let server: Server;
  let origin: string;
  let privateKey: CryptoKey;
  const KID = 'k1';
  /** The introspection endpoint's answer per opaque token (raw JSON, to send ±1e400). */
  const introspected = new Map<string, string>();
  let now: jest.SpiedFunction<typeof Date.now>;

  const issuer = () => `${origin}/issuer`;
  const optionsFor = (tolerance: number) =>
    resolveOptions({
      resource: RESOURCE,
      authorizationServers: [{ metadata: { issuer: issuer(), jwks_uri: `${origin}/jwks` } as never }],
      clockTolerance: tolerance,
    });
  /** The resolved `verify.introspection` options (every default applied) of a module configured for introspection. */
  const introspectionSettings = (tolerance: number) => {
    const { verify } = resolveOptions({
      resource: RESOURCE,
      authorizationServers: [{ metadata: { issuer: issuer(), jwks_uri: `${origin}/jwks` } as never }],
      clockTolerance: tolerance,
      verify: {
        introspection: {
          endpoint: `${origin}/introspect`,
          clientId: 'rs',
          clientSecret: 'rs-secret',
          cacheTtl: 0,
        },
      },
    });
    if (typeof verify !== 'object' || !('introspection' in verify) || !verify.introspection) {
      throw new TypeError('introspection options expected');
    }
    return verify.introspection;
  };
  const lookup = () => ({
    peek: () => ({ issuer: issuer(), jwks_uri: `${origin}/jwks` }) as never,
    get: async () => ({ issuer: issuer(), jwks_uri: `${origin}/jwks` }) as never,
  });

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      if (req.url === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(introspected.get(token) ?? '{"active":false}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    now = jest.spyOn(Date, 'now').mockReturnValue(T * 1000);
  });
  afterEach(() => now.mockRestore());

  const claimsOf = (edge: Edge, index: number) => ({
    iss: issuer(),
    aud: RESOURCE,
    sub: `user-${index}`,
    client_id: 'c',
    scope: 'read:todos',
    ...timesOf(edge),
  });
  const sign = (claims: Record<string, unknown>) =>
    new CompactSign(new TextEncoder().encode(toJson(claims)))
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'at+jwt' })
      .sign(privateKey);
  const verdict = async (verifier: TokenVerifier, token: string, resource: ResolvedResource) => {
    try {
      await verifier.verify(token, resource);
      return 'accepted';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };

  /** Verifiers per tolerance, built once: the JWT verifier keeps its key set and cache across the table. */
  const verifiers = new Map<
    number,
    {
      jwt: JwtTokenVerifier;
      introspection: IntrospectionTokenVerifier;
      fn: FunctionTokenVerifier;
      resource: ResolvedResource;
    }
  >();
  const build = (tolerance: number) => {
    let built = verifiers.get(tolerance);
    if (!built) {
      const options = optionsFor(tolerance);
      const fn = async (token: string) => JSON.parse(token.slice('fn:'.length), reviveTimes) as never;
      built = {
        jwt: new JwtTokenVerifier(options, lookup(), new ClaimMapper()),
        introspection: new IntrospectionTokenVerifier(
          introspectionSettings(tolerance),
          options,
          lookup(),
          new ClaimMapper(),
        ),
        fn: new FunctionTokenVerifier(fn, options),
        resource: options.resources[0],
      };
      verifiers.set(tolerance, built);
    }
    return built;
  };

  const harnesses: Record<'jwt' | 'jwt, cache hit' | 'introspection' | 'verify: fn', Harness> = {
    jwt: async (edge, i) => {
      const { jwt, resource } = build(edge.tolerance);
      return verdict(jwt, await sign(claimsOf(edge, i)), resource);
    },
    /** The token is first verified (and cached) at a time it is valid, then checked again at T: a cache hit. */
    'jwt, cache hit': async (edge, i) => {
      const { jwt, resource } = build(edge.tolerance);
      const token = await sign({ ...claimsOf(edge, i), jti: 'cached' });
      for (const warm of [T - 3, T + 10]) {
        now.mockReturnValue(warm * 1000);
        if ((await verdict(jwt, token, resource)) === 'accepted') break;
      }
      now.mockReturnValue(T * 1000);
      return verdict(jwt, token, resource);
    },
    introspection: async (edge, i) => {
      const { introspection, resource } = build(edge.tolerance);
      const { sub, client_id, scope, iss, aud, ...times } = claimsOf(edge, i);
      const token = `opaque-${edge.tolerance}-${i}`;
      introspected.set(token, toJson({ active: true, iss, aud, sub, client_id, scope, ...times }));
      return verdict(introspection, token, resource);
    },
    'verify: fn': async (edge, i) => {
      const { fn, resource } = build(edge.tolerance);
      const { exp, ...others } = timesOf(edge);
      const result = {
        issuer: issuer(),
        audience: [RESOURCE],
        subject: `user-${i}`,
        clientId: 'c',
        scopes: ['read:todos'],
        expiresAt: exp,
        claims: others,
      };
      return verdict(fn, `fn:${JSON.stringify(result, replaceTimes)}`, resource);
    },
  };

  describe.each(Object.entries(harnesses))('%s', (verifierName, harness) => {
    it.each(EDGES.map((edge, index) => [edge.name, edge, index] as const))(
      'R39: %s',
      async (_name, edge, index) => {
        const expected =
          typeof edge.expect === 'string'
            ? edge.expect
            : verifierName.startsWith('jwt')
              ? edge.expect.jwt
              : edge.expect.others;
        expect(await harness(edge, index)).toBe(expected);
      },
    );
  });
});

/** The fn harness carries its result inside the token string: non-finite numbers survive the trip. */
function replaceTimes(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { nonFinite: String(value) } : value;
}
function reviveTimes(_key: string, value: unknown): unknown {
  return value && typeof value === 'object' && 'nonFinite' in value
    ? Number((value as { nonFinite: string }).nonFinite)
    : value;
}

describe('claim rules, directly', () => {
  it('R39: no time claim is skipped because of its type: a NumericDate or refused', () => {
    for (const bad of [NaN, Infinity, -Infinity, 1e16, '1', null, true, {}, []]) {
      for (const at of [0, 1, 2]) {
        const args: unknown[] = [T + 60, undefined, undefined];
        args[at] = bad;
        expect(() => assertTokenTimes(args[0], args[1], args[2], T, 5, 'optional')).toThrow(
          expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }),
        );
      }
    }
  });

  it('R19: the issuer rule: exact match with a trusted issuer, one message', () => {
    expect(() => assertTrustedIssuer('https://a', ['https://a', 'https://b'])).not.toThrow();
    expect(() => assertTrustedIssuer('https://a', 'https://a')).not.toThrow();
    for (const iss of ['https://a/', 'HTTPS://A', undefined, 1, ['https://a']]) {
      expect(() => assertTrustedIssuer(iss, ['https://a'])).toThrow(
        expect.objectContaining({
          code: 'ERR_TOKEN_ISSUER',
          message: 'The token was not issued by a trusted authorization server',
        }),
      );
    }
  });
});
