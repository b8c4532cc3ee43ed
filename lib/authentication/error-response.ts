import { McpAuthError } from '../core/mcp-auth.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import { buildChallenge } from './challenge.js';

/** Status, headers and JSON body that answer a refused request. */
export interface AuthErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string };
}

/**
 * Maps an `McpAuthError` to its answer: 401 with `Bearer resource_metadata` and no `error` when no token was sent
 * (RFC 6750 §3.1); 401 `invalid_token`, 400 `invalid_request`, 403 `insufficient_scope` (RFC 6750 §3.1); 503 with
 * `Retry-After` when the provider is down; 429 with `Retry-After` when the client's address is rate-limited
 * (RFC 6585 §4). Every challenge carries `resource_metadata` (RFC 9728 §5.1), built from configuration, never
 * from the request's `Host`, and `scope` where the needed scopes are known (MCP 2025-11-25 "Protected Resource
 * Metadata Discovery Requirements"). The description never contains the token.
 */
export function errorResponse(
  error: McpAuthError,
  resource: ResolvedResource,
  scope: readonly string[] | undefined,
  retryAfter: number,
): AuthErrorResponse {
  const oauthError = error.oauthError;
  const description = error.message;
  const headers: Record<string, string> = {};
  if (error.code === 'ERR_PROVIDER_UNAVAILABLE' || error.code === 'ERR_RATE_LIMITED') {
    headers['Retry-After'] = String(error.retryAfter ?? retryAfter);
  } else {
    headers['WWW-Authenticate'] = buildChallenge({
      error: oauthError,
      errorDescription: oauthError ? description : undefined,
      scope,
      resourceMetadata: resource.metadataUrl,
    });
  }
  return {
    status: error.status,
    headers,
    body: { error: oauthError ?? BODY_ERROR[error.status] ?? 'unauthorized', error_description: description },
  };
}

/** The body's `error` for statuses that have no OAuth error name. */
const BODY_ERROR: Readonly<Record<number, string>> = { 429: 'too_many_requests' };

/** Any error as an `McpAuthError` (unknown errors are the token's fault: fail closed with 401). */
export function asMcpAuthError(error: unknown): McpAuthError {
  return error instanceof McpAuthError
    ? error
    : new McpAuthError('ERR_TOKEN_INVALID', 'The token is not acceptable', { cause: error });
}
