import { jest } from '@jest/globals';
import { startLocalIssuer, type LocalIssuer } from '../testing/index.js';
import type { McpAuthModuleOptions } from '../options/mcp-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { ClaimMapper } from './claim-mapper.js';
import { IssuerKeySet } from './issuer-key-set.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import { JwtTokenVerifier } from './jwt-token-verifier.js';

const A = 'http://127.0.0.1/a';
const B = 'http://127.0.0.1/b';

describe('JwtTokenVerifier: the verified-token cache', () => {
  let issuer: LocalIssuer;
  /** Every full verification maps the claims once; a cache hit does not. */
  let resolve: jest.SpiedFunction<(...args: unknown[]) => unknown>;
  /** `verify` may throw synchronously (cached or known-key paths): as a promise, for `rejects`. */
  const attempt = (fn: () => unknown) => Promise.resolve().then(fn);
  /** Verifies `token` twice: cached from then on (the default admission, 'second-use'). */
  const cached = async (v: JwtTokenVerifier, token: string, resource: ResolvedResource) => {
    await v.verify(token, resource);
    return v.verify(token, resource);
  };

  const verifier = (extra: Partial<McpAuthModuleOptions> = {}) => {
    const options = resolveOptions({
      resource: [A, B],
      authorizationServers: [{ metadata: issuer.metadata as never }],
      clockTolerance: 0,
      ...extra,
    });
    const lookup = { peek: () => issuer.metadata as never, get: async () => issuer.metadata as never };
    return {
      v: new JwtTokenVerifier(options, lookup, new ClaimMapper()),
      a: options.resources[0],
      b: options.resources[1],
    };
  };

  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: A });
  });
  afterAll(() => issuer.close());
  beforeEach(() => {
    resolve = jest.spyOn(ClaimMapper.prototype as never, 'toAuthInfo' as never) as never;
  });
  afterEach(() => resolve.mockRestore());

  it('a repeated token is verified twice, then answered from the cache with the same auth info', async () => {
    const { v, a } = verifier();
    const token = await issuer.mint({ subject: 'u' });
    const first = await v.verify(token, a);
    expect(resolve).toHaveBeenCalledTimes(1);
    const second = await v.verify(token, a); // verified again: a token seen once is not kept
    expect(second).not.toBe(first);
    expect(resolve).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 50; i++) expect(await v.verify(token, a)).toBe(second);
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it("admission: 'first-use' caches a token at its first verification", async () => {
    const { v, a } = verifier({ tokenCache: { admission: 'first-use' } });
    const token = await issuer.mint({ subject: 'u' });
    const first = await v.verify(token, a);
    for (let i = 0; i < 50; i++) expect(await v.verify(token, a)).toBe(first);
    expect(resolve).toHaveBeenCalledTimes(1);
  });

  it("admission: tokens used once do not evict a session's token ('second-use'); with 'first-use' they do", async () => {
    const oneShots = await Promise.all(Array.from({ length: 8 }, () => issuer.mint()));
    for (const admission of ['second-use', 'first-use'] as const) {
      const { v, a } = verifier({ tokenCache: { maxEntries: 2, admission } });
      const session = await issuer.mint({ subject: 'session' });
      await cached(v, session, a);
      resolve.mockClear();
      for (const token of oneShots) await v.verify(token, a);
      expect(resolve).toHaveBeenCalledTimes(oneShots.length);
      expect((await v.verify(session, a)).subject).toBe('session');
      expect(resolve).toHaveBeenCalledTimes(oneShots.length + (admission === 'first-use' ? 1 : 0));
    }
  });

  it('tokenCache: false verifies every time, with the same decisions', async () => {
    const { v, a } = verifier({ tokenCache: false });
    const token = await issuer.mint({ subject: 'u' });
    for (let i = 0; i < 5; i++) expect((await v.verify(token, a)).subject).toBe('u');
    expect(resolve).toHaveBeenCalledTimes(5);
  });

  it('R21: exp is re-checked on every hit', async () => {
    const { v, a } = verifier();
    const token = await issuer.mint({ expiresIn: 1 });
    await cached(v, token, a);
    await new Promise((r) => setTimeout(r, 1_100));
    await expect(attempt(() => v.verify(token, a))).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
  });

  it('R18: entries are per resource — a token cached for A is still refused for B', async () => {
    const { v, a, b } = verifier();
    const token = await issuer.mint();
    await cached(v, token, a);
    await expect(attempt(() => v.verify(token, b))).rejects.toMatchObject({ code: 'ERR_TOKEN_AUDIENCE' });
  });

  it('the cache is bounded: beyond maxEntries the least recently used token is verified again', async () => {
    const { v, a } = verifier({ tokenCache: { maxEntries: 2, admission: 'first-use' } });
    const [t1, t2, t3] = await Promise.all([issuer.mint(), issuer.mint(), issuer.mint()]);
    for (const t of [t1, t2, t3]) await v.verify(t, a);
    expect(resolve).toHaveBeenCalledTimes(3);
    await v.verify(t3, a);
    await v.verify(t2, a);
    expect(resolve).toHaveBeenCalledTimes(3);
    await v.verify(t1, a); // evicted
    expect(resolve).toHaveBeenCalledTimes(4);
  });

  it('an entry lives no longer than maxAge', async () => {
    const { v, a } = verifier({ tokenCache: { maxAge: 1 } });
    const token = await issuer.mint();
    await cached(v, token, a);
    await v.verify(token, a);
    expect(resolve).toHaveBeenCalledTimes(2);
    await new Promise((r) => setTimeout(r, 1_100));
    await v.verify(token, a);
    expect(resolve).toHaveBeenCalledTimes(3);
  });

  it('R20: no promise once warm — a cached token, and a new token signed by a key already selected', async () => {
    const selected = jest.spyOn(IssuerKeySet.prototype as never, 'selected' as never) as jest.SpiedFunction<
      (...args: unknown[]) => unknown
    >;
    try {
      const { v, a } = verifier();
      const [first, second] = await Promise.all([
        issuer.mint({ subject: 'u1' }),
        issuer.mint({ subject: 'u2' }),
      ]);
      const cold = v.verify(first, a);
      expect(cold).toBeInstanceOf(Promise); // discovery of the key set, jose's key selection
      expect((await cold).subject).toBe('u1');
      const again = v.verify(first, a); // verified again (second use), now cached
      expect(again).not.toBeInstanceOf(Promise);
      const hit = v.verify(first, a);
      expect(hit).toBe(again);
      const fresh = v.verify(second, a);
      expect(fresh).not.toBeInstanceOf(Promise);
      expect(fresh).toMatchObject({ subject: 'u2' });
      expect(selected).toHaveBeenCalledTimes(1);
      expect(resolve).toHaveBeenCalledTimes(3);
    } finally {
      selected.mockRestore();
    }
  });

  it('R20: a cached token without kid is dropped when the key that verified it leaves the set', async () => {
    const own = await startLocalIssuer({ audience: A });
    try {
      const options = resolveOptions({
        resource: A,
        authorizationServers: [{ metadata: own.metadata as never }],
        jwks: { cooldown: 0 },
      });
      const lookup = { peek: () => own.metadata as never, get: async () => own.metadata as never };
      const v = new JwtTokenVerifier(options, lookup, new ClaimMapper());
      const a = options.resources[0];
      const [oldKid] = own.kids;
      const withoutKid = await own.mint({ header: { kid: null } });
      await cached(v, withoutKid, a);
      expect(v.verify(withoutKid, a)).not.toBeInstanceOf(Promise); // cached
      const newKid = await own.addKey();
      own.removeKey(oldKid);
      await v.verify(await own.mint({ header: { kid: newKid } }), a); // the set is refetched
      await expect(attempt(() => v.verify(withoutKid, a))).rejects.toMatchObject({
        code: 'ERR_TOKEN_SIGNATURE',
      });
    } finally {
      await own.close();
    }
  });

  it('R20: the synchronous path takes the same decisions — a bad signature with a known key is refused', async () => {
    const { v, a } = verifier();
    const good = await issuer.mint();
    await v.verify(good, a);
    const other = await issuer.mint({ subject: 'x' });
    const [h, p] = other.split('.');
    const forged = `${h}.${p}.${good.split('.')[2]}`;
    expect(() => v.verify(forged, a)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_SIGNATURE' }));
  });
});
