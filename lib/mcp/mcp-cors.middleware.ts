import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { writeJsonRpcError } from './json-rpc-error.js';
import { ORIGIN_REFUSED, OriginPolicy } from './origin-policy.js';

const ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';
/** The request headers an MCP client sends (Streamable HTTP, 2025-06-18 and 2026-07-28 transports). */
const ALLOW_HEADERS =
  'Authorization, Content-Type, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name';
/** What a browser client must read: the challenge (RFC 6750 §3, RFC 9728 §5.1) and the session id. */
const EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id';
const MAX_AGE = '86400';

/**
 * Runs first on every MCP route (before the body reaches a guard, global ones included): applies `OriginPolicy`
 * and speaks CORS (Fetch standard) for allowed browser origins.
 * - a refused `Origin` → 403 with a JSON-RPC error body, no CORS header, no challenge;
 * - `OPTIONS` (the preflight; never authenticated) → 204 with the allowed methods and headers;
 * - any other request from an allowed origin goes on with `Access-Control-Allow-Origin` and
 *   `Access-Control-Expose-Headers` already set, so the guard's 401/403 challenges and 503s are readable.
 * No `Access-Control-Allow-Credentials`: MCP clients send bearer tokens, not cookies.
 */
@Injectable()
export class McpCorsMiddleware implements NestMiddleware {
  constructor(private readonly origins: OriginPolicy) {}

  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const verdict = this.origins.decide(req);
    varyOnOrigin(res);
    if (verdict === 'refused') {
      for (const name of res.getHeaderNames()) if (name.startsWith('access-control-')) res.removeHeader(name);
      return writeJsonRpcError(res, 403, ORIGIN_REFUSED.code, ORIGIN_REFUSED.message);
    }
    if (verdict === 'allowed') res.setHeader('Access-Control-Allow-Origin', req.headers.origin!);
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', ALLOW_METHODS);
      if (verdict === 'allowed') {
        res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
        res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
        res.setHeader('Access-Control-Max-Age', MAX_AGE);
      }
      res.writeHead(204);
      return void res.end();
    }
    if (verdict === 'allowed') res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    next();
  }
}

/** Adds `Origin` to `Vary` (keeping what an app-wide CORS middleware may have put there). */
function varyOnOrigin(res: ServerResponse): void {
  const vary = res.getHeader('Vary');
  if (vary === undefined) res.setHeader('Vary', 'Origin');
  else if (!/(^|,)\s*(origin|\*)\s*(,|$)/i.test(String(vary)))
    res.setHeader('Vary', `${String(vary)}, Origin`);
}
