import { errors } from 'jose';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { McpAuthError } from '../core/mcp-auth.error.js';
import { ProviderFetchError } from '../discovery/provider-fetch.js';

/**
 * True when `error` means the provider (JWKS, discovery, introspection endpoint) could not be used: the request
 * failed (network, timeout, a redirect — never followed), the answer was not 200, or the key set document is broken.
 * Recognized positively: anything else — a key that cannot be imported, a token that matches no key — is not the
 * provider being down, and must not be answered 503 nor put the key set in outage mode.
 */
export function isProviderFault(error: unknown): boolean {
  if (error instanceof McpAuthConfigError || error instanceof ProviderFetchError) return true;
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // jose reports a non-200 JWKS answer, or a body that is not JSON, as a generic JOSEError.
  return error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC';
}

/** The 503 a request gets while the provider is unreachable. */
export function providerUnavailable(what: string, retryAfter: number, cause: unknown): McpAuthError {
  return new McpAuthError(
    'ERR_PROVIDER_UNAVAILABLE',
    `The authorization server is unavailable (${what}); retry later`,
    { retryAfter, cause },
  );
}
