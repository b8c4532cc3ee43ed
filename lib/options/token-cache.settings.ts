import { IsInt, Min } from 'class-validator';
import type { Defaulted } from './option-types.js';

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
}
