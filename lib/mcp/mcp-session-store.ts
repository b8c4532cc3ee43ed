import type { ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { writeJsonRpcError } from './json-rpc-error.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/** An open MCP session (stateful Streamable HTTP or legacy SSE): the SDK line's transport and server in `state`. */
export interface McpSession<T = unknown> {
  readonly state: T;
  /** Who opened it (`sessionOwner`); `''` on a public endpoint (`auth: false`). */
  readonly owner: string;
  lastSeen: number;
  /** Closes its server (and transport): idle, or at shutdown. */
  close(): Promise<void>;
}

/**
 * The caller a session belongs to — issuer, subject **and** client, so a client-credentials token whose `sub`
 * equals a user's never rides that user's session (a session id alone is never a credential: MCP
 * security best practices, "Session Hijacking"). `''` when there is no caller (a public endpoint, `auth: false`);
 * `undefined` for a caller with neither a subject nor a client id, who has no identity to bind a session to.
 */
export function sessionOwner(auth: McpAuthInfo | undefined): string | undefined {
  if (!auth) return '';
  if (!auth.subject && !auth.clientId) return undefined;
  return JSON.stringify([auth.issuer, auth.subject ?? null, auth.clientId]);
}

/** Seconds a client is told to wait when every session slot is taken. */
const RETRY_AFTER = '30';

const DEFAULT_IDLE = 30 * 60_000;
const DEFAULT_MAX = 10_000;

/** Sessions of this instance, bounded in number and closed when idle or at shutdown. */
@Injectable()
export class McpSessionStore implements OnModuleDestroy {
  private readonly sessions = new Map<string, McpSession>();
  private readonly idle: number;
  private readonly max: number;
  private sweeper?: NodeJS.Timeout;

  constructor(@Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions) {
    this.idle = options.sessionIdleTimeout ?? DEFAULT_IDLE;
    this.max = options.maxSessions ?? DEFAULT_MAX;
  }

  /**
   * The one admission check of both transports, before a session (stateful Streamable HTTP or legacy SSE stream) is
   * opened for `auth`: its owner, or `undefined` after answering the refusal on `res` — 403 for a caller with no
   * identity, 503 with `Retry-After` when `maxSessions` are open.
   */
  admit(auth: McpAuthInfo | undefined, res: ServerResponse): string | undefined {
    const owner = sessionOwner(auth);
    if (owner === undefined) {
      const why =
        'a session needs a caller identity, and the token has neither a subject (sub) nor a client id';
      writeJsonRpcError(res, 403, -32000, `Forbidden: ${why}`);
      return undefined;
    }
    if (this.sessions.size >= this.max) {
      writeJsonRpcError(res, 503, -32000, 'Too many sessions', { 'Retry-After': RETRY_AFTER });
      return undefined;
    }
    return owner;
  }

  add(id: string, session: McpSession): void {
    this.sessions.set(id, session);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(this.idle, 60_000)).unref();
  }

  /** The session `id` if `auth` is its owner (else `undefined`, as for an unknown id). */
  get<T>(id: string | undefined, auth: McpAuthInfo | undefined): McpSession<T> | undefined {
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
    await Promise.allSettled(open.map((s) => s.close()));
  }

  private sweep(): void {
    const limit = Date.now() - this.idle;
    for (const [id, session] of this.sessions) {
      if (session.lastSeen < limit) {
        this.sessions.delete(id);
        void session.close();
      }
    }
  }
}
