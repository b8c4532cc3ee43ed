/** How refused-token floods are limited (see the `refusalLimit` option). */
export interface RefusalLimitConfig {
  /** Refused tokens an address may send per window; its next requests are answered 429 until the window ends. */
  readonly max: number;
  /** Seconds of a window. */
  readonly window: number;
  /** Addresses remembered at most (the oldest window is forgotten first). */
  readonly maxAddresses: number;
}

interface Window {
  /** Milliseconds (`performance.now()`) the window started. */
  start: number;
  count: number;
}

/**
 * Counts refused tokens per client address in fixed windows: once an address has `max` of them in a window, its
 * next requests are refused until the window ends. Cheap and bounded: one map of at most `maxAddresses` windows; while no address is over its limit,
 * `retryAfter` is one comparison (no lookup, no allocation).
 */
export class RefusalLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  /** No address is limited after this instant (ms): until then `retryAfter` looks addresses up. */
  private limitedUntil = -Infinity;

  constructor(private readonly config: RefusalLimitConfig) {
    this.windowMs = config.window * 1000;
  }

  /** Whether any address may be limited at `now` (ms): when false, `retryAfter` would answer 0. */
  limiting(now: number): boolean {
    return now < this.limitedUntil;
  }

  /** Seconds `key` must wait at `now` (ms), or 0 when it is not limited. */
  retryAfter(key: string, now: number): number {
    if (now >= this.limitedUntil) return 0;
    const window = this.windows.get(key);
    if (window === undefined || window.count < this.config.max) return 0;
    const left = window.start + this.windowMs - now;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /**
   * Counts a refused token of `key` at `now` (ms). Answers the refusals counted when this one reached the limit (the
   * address is limited from now on), else 0.
   */
  refused(key: string, now: number): number {
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= this.windowMs) {
      if (window !== undefined)
        this.windows.delete(key); // re-inserted last: the map stays ordered by start
      else if (this.windows.size >= this.config.maxAddresses) this.forgetOldest();
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    if (window.count !== this.config.max) return 0;
    this.limitedUntil = Math.max(this.limitedUntil, window.start + this.windowMs);
    return window.count;
  }

  /** Addresses currently remembered. */
  get size(): number {
    return this.windows.size;
  }

  private forgetOldest(): void {
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}
