import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/** An open MCP session (stateful Streamable HTTP or legacy SSE). */
export interface McpSession<T extends Transport = Transport> {
  readonly transport: T;
  readonly server: McpServer;
  /** Who opened it (issuer + subject); `''` on an unprotected server. */
  readonly owner: string;
  lastSeen: number;
}

/** The caller a session belongs to: a session id alone is never a credential (R17). */
export function sessionOwner(auth: McpAuthInfo | undefined): string {
  return auth ? `${auth.issuer}\n${auth.subject ?? auth.clientId}` : '';
}

const DEFAULT_IDLE = 30 * 60_000;
const DEFAULT_MAX = 10_000;

/** Sessions of this instance, bounded in number and closed when idle or at shutdown. */
@Injectable()
export class McpSessionStore implements OnModuleDestroy {
  private readonly sessions = new Map<string, McpSession>();
  private readonly idle: number;
  readonly max: number;
  private sweeper?: NodeJS.Timeout;

  constructor(@Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions) {
    this.idle = options.sessionIdleTimeout ?? DEFAULT_IDLE;
    this.max = options.maxSessions ?? DEFAULT_MAX;
  }

  get size(): number {
    return this.sessions.size;
  }

  add(id: string, session: McpSession): void {
    this.sessions.set(id, session);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(this.idle, 60_000)).unref();
  }

  /** The session `id` if `auth` is its owner (else `undefined`, as for an unknown id). */
  get<T extends Transport>(id: string | undefined, auth: McpAuthInfo | undefined): McpSession<T> | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session || session.owner !== sessionOwner(auth)) return undefined;
    session.lastSeen = Date.now();
    return session as McpSession<T>;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(open.map((s) => s.server.close()));
  }

  private sweep(): void {
    const limit = Date.now() - this.idle;
    for (const [id, session] of this.sessions) {
      if (session.lastSeen < limit) {
        this.sessions.delete(id);
        void session.server.close();
      }
    }
  }
}
