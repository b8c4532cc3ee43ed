import type { McpAuthInfo } from '../context/mcp-auth-info.js';
import type { ResolvedResource } from '../options/resolve-options.js';

/**
 * Turns a bearer token into auth info for one protected resource, or throws an `McpAuthError`.
 * The module provides a JWT verifier (jose) and wraps custom verify functions in this contract.
 */
export interface TokenVerifier {
  verify(token: string, resource: ResolvedResource): Promise<McpAuthInfo>;
}
