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

/** What a cache key was derived from: the caller's fields, compared again before the key is reused. */
interface KeyedCaller {
  readonly token: string;
  readonly issuer: string;
  readonly subject: string | undefined;
  readonly clientId: string;
  readonly keys: Map<object, string>;
}

/**
 * The cache keys of a caller's downstream tokens, derived once per caller (its auth info object — the verified
 * token cache hands the same one to every request with that token) and target, instead of a JSON + SHA-256 digest
 * on every call. A key is reused only while the fields it was derived from are still the same strings (auth info
 * objects are not frozen: a handler could change one).
 */
export class CallerKeys {
  private readonly callers = new WeakMap<McpAuthInfo, KeyedCaller>();

  keyOf(auth: McpAuthInfo, target: object, derive: () => string): string {
    let caller = this.callers.get(auth);
    if (
      caller === undefined ||
      caller.token !== auth.token ||
      caller.issuer !== auth.issuer ||
      caller.subject !== auth.subject ||
      caller.clientId !== auth.clientId
    ) {
      const { token, issuer, subject, clientId } = auth;
      caller = { token, issuer, subject, clientId, keys: new Map() };
      this.callers.set(auth, caller);
    }
    let key = caller.keys.get(target);
    if (key === undefined) caller.keys.set(target, (key = derive()));
    return key;
  }
}
