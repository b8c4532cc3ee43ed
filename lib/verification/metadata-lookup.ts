import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import { providerUnavailable } from './provider-unavailable.js';

/** Where verifiers read an issuer's metadata (the `AuthorizationServerRegistry`). */
export interface MetadataLookup {
  peek(issuer: string): AuthorizationServerMetadata | undefined;
  get(issuer: string): Promise<AuthorizationServerMetadata>;
}

/**
 * The metadata of `issuer`: at once when resolved (the hot path), else discovered now (lazy discovery); a
 * discovery failure is the provider's fault (503).
 */
export async function metadataOf(
  lookup: MetadataLookup,
  issuer: string,
  retryAfter: number,
): Promise<AuthorizationServerMetadata> {
  const resolved = lookup.peek(issuer);
  if (resolved) return resolved;
  try {
    return await lookup.get(issuer);
  } catch (error) {
    throw providerUnavailable('metadata discovery failed', retryAfter, error);
  }
}
