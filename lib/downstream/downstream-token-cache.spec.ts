import { jest } from '@jest/globals';
import { DownstreamTokenCache } from './downstream-token-cache.js';
import type { DownstreamToken } from './token-request.js';

const quiet = { log() {}, error() {}, warn: jest.fn() };
const token = (value: string, ttl = 600): DownstreamToken => ({
  accessToken: value,
  tokenType: 'Bearer',
  expiresAt: Date.now() / 1000 + ttl,
  scopes: [],
});

describe('DownstreamTokenCache', () => {
  it('keys are digests: no token, subject or issuer in them', () => {
    const key = DownstreamTokenCache.keyOf(['https://idp', 'alice', 'eyJhbGciOi.secret.token', 'archive']);
    expect(key).toMatch(/^nest-mcp-auth:downstream:v1:[A-Za-z0-9_-]{43}$/);
    expect(key).not.toMatch(/alice|idp|eyJ|archive/);
    expect(DownstreamTokenCache.keyOf(['a', 'bc'])).not.toBe(DownstreamTokenCache.keyOf(['ab', 'c']));
  });

  it('single-flight, then hits; a failure is shared by the waiters and not kept', async () => {
    const cache = new DownstreamTokenCache({ maxEntries: 10, margin: 30 }, quiet);
    const failing = jest.fn(async () => Promise.reject(new Error('refused')));
    const results = await Promise.allSettled([cache.get('k', failing), cache.get('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failing).toHaveBeenCalledTimes(1);
    const obtain = jest.fn(async () => token('t1'));
    const all = await Promise.all(Array.from({ length: 10 }, () => cache.get('k', obtain)));
    expect(new Set(all.map((t) => t.accessToken))).toEqual(new Set(['t1']));
    expect(await cache.get('k', obtain)).toMatchObject({ accessToken: 't1' });
    expect(obtain).toHaveBeenCalledTimes(1);
    expect(cache.pending).toBe(0);
  });

  it('never keeps a token without a known expiry, or one that expires within the margin', async () => {
    const cache = new DownstreamTokenCache({ maxEntries: 10, margin: 30 }, quiet);
    const obtain = jest.fn(async () => ({ ...token('x'), expiresAt: undefined }));
    await cache.get('a', obtain);
    await cache.get('a', obtain);
    const soon = jest.fn(async () => token('y', 20));
    await cache.get('b', soon);
    await cache.get('b', soon);
    expect(obtain).toHaveBeenCalledTimes(2);
    expect(soon).toHaveBeenCalledTimes(2);
  });

  it('a shared store: read after a local miss, written with a TTL in ms; a broken store only costs an exchange', async () => {
    const entries = new Map<string, unknown>();
    const ttls: number[] = [];
    const store = {
      get: async <T>(key: string) => entries.get(key) as T | undefined,
      set: async (key: string, value: unknown, ttl?: number) => {
        entries.set(key, value);
        ttls.push(ttl!);
      },
    };
    const a = new DownstreamTokenCache({ maxEntries: 10, margin: 30, store }, quiet);
    const b = new DownstreamTokenCache({ maxEntries: 10, margin: 30, store }, quiet);
    await a.get('k', async () => token('shared', 600));
    expect(ttls[0]).toBeGreaterThan(560_000);
    expect(ttls[0]).toBeLessThanOrEqual(570_000);
    expect(await b.get('k', async () => token('other'))).toMatchObject({ accessToken: 'shared' });

    const broken = {
      get: async () => Promise.reject(new Error('ECONNREFUSED')),
      set: async () => Promise.reject(new Error('down')),
    };
    const c = new DownstreamTokenCache({ maxEntries: 10, margin: 30, store: broken }, quiet);
    expect(await c.get('k', async () => token('fresh'))).toMatchObject({ accessToken: 'fresh' });
    expect(quiet.warn).toHaveBeenCalled();
  });
});
