import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { clientAddress, type AddressedRequest } from './client-address.js';

/**
 * A `@nestjs/throttler` tracker (`getTracker`) that limits per caller rather than per address: issuer + subject of
 * the verified token, else issuer + client id (an app-only token without `sub`), else — for a request no
 * `McpAuthGuard` authenticated — the client's address. It reads `req.auth`, which the guard (and the MCP endpoint)
 * sets: run `McpAuthGuard` before `ThrottlerGuard` (register it first among the `APP_GUARD`s, or list it first
 * in `@UseGuards`). The unverified token is never used as a key (a client could mint a new one per request).
 *
 * ```ts
 * ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 100 }], getTracker: mcpAuthTracker })
 * ```
 */
export function mcpAuthTracker(req: AddressedRequest & { auth?: McpAuthInfo }): string {
  const auth = req.auth;
  if (auth?.subject) return `sub ${auth.issuer} ${auth.subject}`;
  if (auth?.clientId) return `client ${auth.issuer} ${auth.clientId}`;
  return `ip ${clientAddress(req) ?? 'unknown'}`;
}
