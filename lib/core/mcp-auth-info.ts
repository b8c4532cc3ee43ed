/**
 * What the module knows about the caller of a request, after verification.
 *
 * It has the MCP SDKs' `AuthInfo` shape — that of `@modelcontextprotocol/sdk` 1.x and of
 * `@modelcontextprotocol/server` 2.x alike, so either line's transports hand it to request handlers (`extra.authInfo`
 * on 1.x, `ctx.http.authInfo` on 2.x) — plus the fields a resource server needs. `token` is there for the
 * application's own use only: never forward it to another service (token passthrough is forbidden: MCP 2025-11-25
 * "Access Token Privilege Restriction"), never log it.
 */
export interface McpAuthInfo {
  /** The raw access token (`AuthInfo.token`). Do not log it, do not forward it. */
  token: string;
  /** `client_id` (RFC 9068), or `azp`/`cid`/`appid` for providers that use those. Empty string when absent. */
  clientId: string;
  /** Granted scopes, deduplicated, from `scope`, `scp` or `scopes`. */
  scopes: string[];
  /** `exp`, seconds since the epoch. */
  expiresAt?: number;
  /** The resource identifier (RFC 8707) this request was verified for. */
  resource?: URL;
  /** Additional data (`AuthInfo.extra`); the library sets none. */
  extra?: Record<string, unknown>;
  /** `iss`: the authorization server that issued the token. */
  issuer: string;
  /** `sub`: the end user (or client, for client credentials). */
  subject?: string;
  /** `aud`, always as an array. */
  audience: string[];
  /** Every claim of the token (or of the introspection response). */
  claims: Record<string, unknown>;
}
