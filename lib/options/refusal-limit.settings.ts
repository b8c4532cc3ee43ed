import { IsInt, Max, Min } from 'class-validator';
import type { Defaulted } from './option-types.js';

/** Refused-token floods limited per client address (see the `refusalLimit` option). */
export class RefusalLimitSettings {
  /** Refused tokens one address may send per window; its next requests are answered 429. Default 20. */
  @IsInt()
  @Min(1)
  max: Defaulted<number> = 20;

  /** Seconds of a window (and at most of a 429's `Retry-After`), 1–86400. Default 60. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  window: Defaulted<number> = 60;

  /** Addresses remembered at most: the memory bound (the oldest window is forgotten first). Default 10000. */
  @IsInt()
  @Min(1)
  maxAddresses: Defaulted<number> = 10_000;
}
