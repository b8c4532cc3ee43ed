/** Asymmetric JWS algorithms accepted by default (R20). HMAC and `none` are never accepted. */
export const DEFAULT_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

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
