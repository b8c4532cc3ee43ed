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

  it('R17: keys that share their last 64 characters never answer for each other (the newer replaces the older)', () => {
    const tail = 'S'.repeat(64);
    const [a, b] = [`header.payloadA.${tail}`, `header.payloadB.${tail}`];
    const cache = new TokenCache<string>(10);
    cache.set(a, 'a', 1e12);
    expect(cache.get(b)).toBeUndefined(); // same slot, another token: a miss, never a's value
    expect(cache.get(a)).toBe('a');
    cache.set(b, 'b', 1e12);
    expect(cache.get(b)).toBe('b');
    expect(cache.get(a)).toBeUndefined();
    expect(cache.size).toBe(1);
    // Keys of any length: shorter than a slot, exactly one, one character more.
    for (const key of ['k', 'x'.repeat(64), `y${'x'.repeat(64)}`]) cache.set(key, key, 1e12);
    expect(['k', 'x'.repeat(64), `y${'x'.repeat(64)}`].map((k) => cache.get(k))).toEqual([
      'k',
      undefined, // replaced by the longer key with the same last 64 characters
      `y${'x'.repeat(64)}`,
    ]);
  });

  it('second-use admission: a key is kept when offered a second time; a cached key is replaced at once', () => {
    const cache = new TokenCache<number>(10, 'second-use');
    cache.set('a', 1, 1e12);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('a', 2, 1e12);
    expect(cache.get('a')).toBe(2);
    cache.set('a', 3, 1e12); // re-verified (e.g. after a key set refresh): replaced without a second offer
    expect(cache.get('a')).toBe(3);
    // Many keys offered once each: none kept, none of them admits another.
    for (let i = 0; i < 20_000; i++) cache.set(`h.p.${i.toString(36).padStart(70, 'S')}`, i, 1e12);
    expect(cache.size).toBe(1);
    // Offered again after others: still admitted (its fingerprint stays unless another lands on its index).
    cache.set('b', 1, 1e12);
    cache.set('c', 1, 1e12);
    cache.set('b', 4, 1e12);
    expect(cache.get('b')).toBe(4);
    expect(new TokenCache<number>(10).size).toBe(0);
    const first = new TokenCache<number>(10, 'first-use');
    first.set('a', 1, 1e12);
    expect(first.get('a')).toBe(1);
  });

  it('R17: a key found by identity (the resent token) answers only while its entry is still cached', () => {
    const token = `header.payload.${'S'.repeat(80)}`;
    const cache = new TokenCache<number>(2);
    cache.set(token, 1, 100, 0);
    expect(cache.get(token, 1)).toBe(1);
    expect(cache.get(token, 100)).toBeUndefined(); // expired
    cache.set(token, 2, 1e12, 0);
    cache.set(token, 3, 1e12, 0); // replaced
    expect(cache.get(token, 0)).toBe(3);
    cache.set('b', 4, 1e12, 1);
    cache.set('c', 5, 1e12, 1); // evicts the token's entry (the least recently used)
    expect(cache.get(token, 1)).toBeUndefined();
    cache.set(token, 6, 1e12, 2);
    cache.deleteWhere((v) => v === 6);
    expect(cache.get(token, 2)).toBeUndefined();
    cache.set(token, 7, 1e12, 2);
    cache.clear();
    expect(cache.get(token, 2)).toBeUndefined();
    // Another token on the same identity slot (same length and last characters) is never answered for it.
    const twin = `header.pay1oad.${'S'.repeat(80)}`;
    cache.set(token, 8, 1e12, 3);
    expect(cache.get(twin, 3)).toBeUndefined();
    expect(cache.hits + cache.misses).toBeGreaterThan(0);
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

  it('evicts in exactly LRU order over long runs of sets, refreshes, expiries and deletions', () => {
    // Reference: the plain Map LRU (oldest = first key), against the cache's kept iterator.
    const reference = new Map<string, { value: number; until: number; used: number }>();
    const refGet = (key: string, now: number) => {
      const entry = reference.get(key);
      if (!entry) return undefined;
      if (entry.until <= now) {
        reference.delete(key);
        return undefined;
      }
      if (now - entry.used >= 1) {
        entry.used = now;
        reference.delete(key);
        reference.set(key, entry);
      }
      return entry.value;
    };
    const refSet = (key: string, value: number, until: number, now: number) => {
      reference.delete(key);
      reference.set(key, { value, until, used: now });
      if (reference.size > 50) reference.delete(reference.keys().next().value!);
    };
    const cache = new TokenCache<number>(50);
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // Half the lookups with the very string set before (what the bearer parser hands over for a resent header,
    // found by identity), half with an equal copy.
    const keys = Array.from({ length: 120 }, (_, k) => `t${k}`);
    let now = 0;
    for (let i = 0; i < 6_000; i++) {
      now += random(3) === 0 ? 1 : 0;
      const k = random(120);
      const key = random(2) === 0 ? keys[k] : `t${String(k)}`;
      const op = random(10);
      if (op < 5) expect(cache.get(key, now)).toBe(refGet(key, now));
      else if (op < 9) {
        const until = now + 1 + random(200);
        cache.set(key, i, until, now);
        refSet(key, i, until, now);
      } else if (i % 1_000 === 999) {
        cache.deleteWhere((v) => v % 7 === 0);
        for (const [k, e] of reference) if (e.value % 7 === 0) reference.delete(k);
      } else if (i % 2_500 === 1_249) {
        cache.clear();
        reference.clear();
      }
      expect(cache.size).toBe(reference.size);
    }
  });
});
