import { RefusalLimiter } from './refusal-limiter.js';

describe('RefusalLimiter', () => {
  const limiter = (max = 3, window = 10, maxAddresses = 100) =>
    new RefusalLimiter({ max, window, maxAddresses });

  it('limits an address once it has max refusals in its window, until the window ends', () => {
    const l = limiter();
    expect(l.refused('a', 0)).toBe(0);
    expect(l.refused('a', 1_000)).toBe(0);
    expect(l.retryAfter('a', 1_500)).toBe(0);
    expect(l.refused('a', 2_000)).toBe(3); // the limit is reached: reported once
    expect(l.limiting(2_000)).toBe(true);
    expect(l.retryAfter('a', 2_000)).toBe(8);
    expect(l.retryAfter('a', 9_001)).toBe(1);
    expect(l.retryAfter('b', 2_000)).toBe(0);
    expect(l.retryAfter('a', 10_000)).toBe(0);
    expect(l.limiting(10_000)).toBe(false);
    expect(l.refused('a', 10_000)).toBe(0); // a new window
    expect(l.retryAfter('a', 10_001)).toBe(0);
  });

  it('is a single comparison while no address is limited', () => {
    const l = limiter();
    l.refused('a', 0);
    expect(l.limiting(0)).toBe(false);
  });

  it('remembers at most maxAddresses windows (the oldest forgotten first)', () => {
    const l = limiter(3, 10, 2);
    l.refused('a', 0);
    l.refused('b', 1);
    l.refused('c', 2);
    expect(l.size).toBe(2);
    // 'a' was forgotten: its count starts again.
    expect(l.refused('a', 3)).toBe(0);
    expect(l.refused('a', 4)).toBe(0);
    expect(l.refused('a', 5)).toBe(3);
  });
});
