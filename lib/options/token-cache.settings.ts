import { IsIn, IsInt, Min } from 'class-validator';
import type { Defaulted } from './option-types.js';

/** When a verified token enters the cache (`tokenCache.admission`): at its second verification, or at its first. */
export const CACHE_ADMISSIONS = ['second-use', 'first-use'] as const;
export type CacheAdmission = (typeof CACHE_ADMISSIONS)[number];

/** The verified-token cache (see the `tokenCache` option). */
export class TokenCacheSettings {
  /** Most tokens remembered per resource (least recently used evicted). Default 10000. */
  @IsInt()
  @Min(1)
  maxEntries: Defaulted<number> = 10_000;

  /** Seconds a verified token is reused at most (never past its `exp`). Default 300. */
  @IsInt()
  @Min(1)
  maxAge: Defaulted<number> = 300;

  /**
   * Which verified tokens enter the cache. `'second-use'` (default): a token verified for the second time — the
   * first verification only leaves a 32-bit fingerprint in a fixed table (no per-token memory), so tokens used once
   * (a job minting a token per call, a burst of fresh tokens) neither evict the tokens of live sessions nor cost
   * what keeping them costs (~1.3 KB each, promoted by the garbage collector); a session pays one more signature
   * check, on its second request. `'first-use'`: every verified token is cached at once.
   */
  @IsIn(CACHE_ADMISSIONS)
  admission: Defaulted<CacheAdmission> = 'second-use';
}
