import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { ResolvedResource } from '../core/resolved-resource.js';

/**
 * Turns a bearer token into auth info for one protected resource, or throws (or rejects with) an `McpAuthError`.
 * The module provides a JWT verifier (jose) and wraps custom verify functions in this contract.
 */
export interface TokenVerifier {
  /**
   * The auth info of `token` for `resource`. May answer synchronously when no I/O is needed (the JWT verifier does
   * for a token it already verified): callers must accept a value as well as a promise.
   */
  verify(token: string, resource: ResolvedResource): McpAuthInfo | Promise<McpAuthInfo>;
}

/** Whether a verifier (or authenticator) answered with a promise — any thenable — rather than a value. */
export function isPending<T>(result: T | PromiseLike<T>): result is PromiseLike<T> {
  return typeof (result as { then?: unknown } | null)?.then === 'function';
}
