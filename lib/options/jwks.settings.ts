import { IsInt, Min } from 'class-validator';
import type { Defaulted } from './option-types.js';

/** Remote JWKS tuning (milliseconds). */
export class JwksSettings {
  /** Fetch timeout. Default 5000. */
  @IsInt()
  @Min(1)
  timeout: Defaulted<number> = 5_000;

  /** Minimum time between refetches triggered by an unknown `kid`. Default 30000. */
  @IsInt()
  @Min(0)
  cooldown: Defaulted<number> = 30_000;

  /** Maximum age of a fetched key set. Default 600000. */
  @IsInt()
  @Min(0)
  cacheMaxAge: Defaulted<number> = 600_000;
}
