import type { ExecutionContext } from '@nestjs/common';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { MCP_CONTEXT_TYPE, mcpInvocationOf } from '../core/mcp-invocation.js';
import { clientAddress, type AddressedRequest } from './client-address.js';

/**
 * A `@nestjs/throttler` tracker (`getTracker`) that limits per caller rather than per address: issuer + subject of
 * the verified token, else issuer + client id (an app-only token without `sub`), else — for a request no
 * `McpAuthGuard` authenticated — the client's address. It reads `req.auth`, which the guard (and the MCP endpoint)
 * sets: run `McpAuthGuard` before `ThrottlerGuard` (register it first among the `APP_GUARD`s, or list it first
 * in `@UseGuards`). The unverified token is never used as a key (a client could mint a new one per request).
 * In an MCP handler's `'mcp'` context (where throttler hands it the handler's arguments as the "request") it reads
 * the invocation's caller and HTTP request instead — never the arguments, which the client chose.
 *
 * ```ts
 * ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 100 }], getTracker: mcpAuthTracker })
 * ```
 */
export function mcpAuthTracker(
  req: AddressedRequest & { auth?: McpAuthInfo },
  context?: Pick<ExecutionContext, 'getType' | 'getArgByIndex'>,
): string {
  const mcp = context !== undefined && context.getType<string>() === MCP_CONTEXT_TYPE;
  const invocation = mcp ? mcpInvocationOf(context) : undefined;
  const auth = mcp ? invocation?.auth : req.auth;
  if (auth?.subject) return `sub ${auth.issuer} ${auth.subject}`;
  if (auth?.clientId) return `client ${auth.issuer} ${auth.clientId}`;
  const request: AddressedRequest = mcp ? (invocation?.request ?? {}) : req;
  return `ip ${clientAddress(request) ?? 'unknown'}`;
}
