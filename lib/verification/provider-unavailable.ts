import { errors } from 'jose';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { McpAuthError } from '../core/mcp-auth.error.js';

/**
 * True when `error` means the provider (JWKS, discovery, introspection endpoint) could not be used — a network
 * failure, a timeout, a non-200 answer or a broken document — rather than a fault of the token.
 */
export function isProviderFault(error: unknown): boolean {
  if (error instanceof McpAuthConfigError) return true;
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // jose reports a non-200 JWKS answer as a generic JOSEError; fetch failures are plain TypeErrors / AbortErrors.
  if (error instanceof errors.JOSEError) return error.code === 'ERR_JOSE_GENERIC';
  return error instanceof Error;
}

/** The 503 a request gets while the provider is unreachable. */
export function providerUnavailable(what: string, retryAfter: number, cause: unknown): McpAuthError {
  return new McpAuthError(
    'ERR_PROVIDER_UNAVAILABLE',
    `The authorization server is unavailable (${what}); retry later`,
    { retryAfter, cause },
  );
}
