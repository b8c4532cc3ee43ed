import { TokenCache } from './token-cache.js';

describe('TokenCache', () => {
  it('keys by a SHA-256 of the token, never the token itself', () => {
    const key = TokenCache.keyOf('secret-token');
    expect(key).toHaveLength(43);
    expect(key).not.toContain('secret');
  });

  it('returns an entry until its expiry, not after', () => {
    const cache = new TokenCache<string>(10);
    cache.set('k', 'v', 100);
    expect(cache.get('k', 99)).toBe('v');
    expect(cache.get('k', 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used (to the second) beyond the bound', () => {
    const cache = new TokenCache<number>(2);
    cache.set('a', 1, 1e12, 0);
    cache.set('b', 2, 1e12, 0);
    expect(cache.get('a', 0.5)).toBe(1); // used within the second: not moved (cheap hits)
    expect(cache.get('a', 2)).toBe(1); // a is now the most recent
    cache.set('c', 3, 1e12, 2);
    expect(cache.get('b', 2)).toBeUndefined();
    expect(cache.get('a', 2)).toBe(1);
    expect(cache.get('c', 2)).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('a bound of 0 disables caching; deleteWhere drops matching entries', () => {
    const off = new TokenCache<number>(0);
    off.set('a', 1, 1e12);
    expect(off.get('a')).toBeUndefined();
    const cache = new TokenCache<number>(5);
    cache.set('a', 1, 1e12);
    cache.set('b', 2, 1e12);
    cache.deleteWhere((v) => v === 1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
  });
});
