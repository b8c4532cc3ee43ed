import type { McpAuthInfo } from '../core/mcp-auth-info.js';

/**
 * Whose token is exchanged: the caller's auth info (`@AuthInfo()`), the request (`req.auth`), or the MCP SDK's
 * handler `extra` (`extra.authInfo`). Omitted: the current caller of `McpAuthContext` (when the context is on).
 */
export type DownstreamCaller = McpAuthInfo | { auth?: McpAuthInfo } | { authInfo?: unknown };

/** The auth info `caller` designates, if any. */
export function authInfoOf(caller: DownstreamCaller): McpAuthInfo | undefined {
  if (isAuthInfo(caller)) return caller;
  const candidate = 'auth' in caller ? caller.auth : 'authInfo' in caller ? caller.authInfo : undefined;
  return isAuthInfo(candidate) ? candidate : undefined;
}

function isAuthInfo(value: unknown): value is McpAuthInfo {
  const info = value as Partial<McpAuthInfo> | null | undefined;
  return typeof info?.token === 'string' && info.token.length > 0 && typeof info.issuer === 'string';
}
