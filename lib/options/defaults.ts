export { DEFAULT_ALGORITHMS } from '../core/algorithms.js';

export const DEFAULTS = {
  clockTolerance: 5,
  discovery: 'eager',
  discoveryTimeout: 5_000,
  jwksTimeout: 5_000,
  jwksCooldown: 30_000,
  jwksCacheMaxAge: 600_000,
  stepUpScopes: 'accumulate',
  retryAfter: 5,
  tokenCacheMaxEntries: 10_000,
  tokenCacheMaxAge: 300,
} as const;

/** Scopes that are never advertised in metadata nor named in a challenge (R15). */
export const NEVER_ADVERTISED_SCOPES: ReadonlySet<string> = new Set(['offline_access']);
