import type { McpAuthInfo } from './mcp-auth-info.js';
import type { ResolvedResource } from './resolved-resource.js';

/**
 * Turns a bearer token into auth info for one protected resource, or throws (or rejects with) an `McpAuthError`.
 * The module's verifiers (JWT, introspection) implement it; give your own as `verify: { verifier }`.
 */
export interface TokenVerifier {
  /**
   * The auth info of `token` for `resource`. May answer synchronously when no I/O is needed (the JWT verifier does
   * for a token it already verified): callers must accept a value as well as a promise.
   */
  verify(token: string, resource: ResolvedResource): McpAuthInfo | Promise<McpAuthInfo>;
}
