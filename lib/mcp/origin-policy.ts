import type { IncomingMessage } from 'node:http';
import { HttpException, Inject, Injectable, Optional } from '@nestjs/common';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../core/tokens.js';
import { canonicalOrigin, isLoopbackAddress, isLoopbackOrigin } from '../core/url-rules.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { jsonRpcError } from './json-rpc-error.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/** What the policy says about a request: no `Origin` header (not a browser), an allowed origin, or a refused one. */
export type OriginVerdict = 'absent' | 'allowed' | 'refused';

/** The JSON-RPC error of the 403 answered to a refused `Origin`. */
export const ORIGIN_REFUSED = { code: -32000, message: 'Forbidden: Origin not allowed' } as const;

/**
 * The `Origin` rule of the MCP endpoints (MCP transport, "Security Warning": servers MUST validate `Origin`, the
 * DNS-rebinding defence). One function, used by every MCP route and by the CORS preflight:
 * - no `Origin` header → allowed (server-side clients: SDKs, proxies, the Inspector's backend);
 * - the origin of a resource identifier configured in `McpAuthModule` → allowed;
 * - an origin listed in `allowedOrigins` → allowed; any origin with `allowAnyOrigin: true`;
 * - `http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*` → allowed only when the connection arrived on a
 *   loopback address of this server (the socket's local address — never the `Host` header, which a rebinding
 *   attacker controls);
 * - anything else, `null` and malformed values included → refused.
 * Origins compare canonically (RFC 6454: scheme and host lower-cased, default port dropped).
 */
@Injectable()
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;
  private readonly anyOrigin: boolean;

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions,
    @Optional() @Inject(MCP_AUTH_RESOLVED_OPTIONS) auth?: ResolvedMcpAuthOptions,
  ) {
    this.anyOrigin = options.allowAnyOrigin === true;
    const configured = (options.allowedOrigins ?? []).map(configuredOrigin);
    const own = (auth?.resources ?? []).map((resource) => resource.url.origin);
    this.allowed = new Set([...own, ...configured]);
  }

  /** The verdict on `req`'s `Origin` header. */
  decide(req: IncomingMessage): OriginVerdict {
    const header = req.headers.origin;
    if (header === undefined) return 'absent';
    const origin = canonicalOrigin(header);
    if (origin === undefined) return 'refused';
    if (this.anyOrigin || this.allowed.has(origin)) return 'allowed';
    return isLoopbackOrigin(origin) && isLoopbackAddress(req.socket?.localAddress) ? 'allowed' : 'refused';
  }

  /** Throws the 403 answer (JSON-RPC body, no challenge) when `req`'s `Origin` is refused. */
  assertAllowed(req: IncomingMessage): void {
    if (this.decide(req) === 'refused') {
      throw new HttpException(jsonRpcError(ORIGIN_REFUSED.code, ORIGIN_REFUSED.message), 403);
    }
  }
}

/** An `allowedOrigins` entry, canonical; a value that is not an origin fails the boot. */
function configuredOrigin(value: unknown, index: number): string {
  const origin = typeof value === 'string' ? canonicalOrigin(value) : undefined;
  if (origin !== undefined) return origin;
  const hint =
    value === '*'
      ? ' To allow every origin, set allowAnyOrigin: true.'
      : typeof value === 'string' && URL.canParse(value)
        ? ` Did you mean ${JSON.stringify(new URL(value).origin)}?`
        : '';
  throw new McpAuthConfigError(
    'ERR_INVALID_OPTIONS',
    `McpServerModule: allowedOrigins[${index}] must be an http(s) origin, scheme://host[:port] without path ` +
      `(got ${JSON.stringify(value)}).${hint}`,
    { option: `allowedOrigins[${index}]` },
  );
}
