import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { writeJsonRpcError } from './json-rpc-error.js';
import { McpServerFactory } from './mcp-server-factory.js';
import { McpSessionStore, sessionOwner } from './mcp-session-store.js';

type Request = IncomingMessage & { auth?: McpAuthInfo; body?: unknown; originalUrl?: string };

/**
 * The older HTTP+SSE transport (`GET /sse` + `POST /messages?sessionId=…`), for clients that still speak it.
 * Guarded by the same `McpEndpointGuard` as the Streamable HTTP endpoint; a session belongs to its opener.
 */
@Injectable()
export class SseEndpoint {
  private readonly logger = new Logger('McpServerModule');

  constructor(
    private readonly servers: McpServerFactory,
    private readonly sessions: McpSessionStore,
  ) {}

  /** Opens the event stream; its `endpoint` event names the messages URL under the same prefix as the stream. */
  async open(req: Request, res: ServerResponse, ssePath: string, messagesPath: string): Promise<void> {
    const path = (req.originalUrl ?? req.url ?? '').split('?', 1)[0];
    const prefix = path.endsWith(ssePath) ? path.slice(0, path.length - ssePath.length) : '';
    const transport = new SSEServerTransport(`${prefix}${messagesPath}`, res);
    const server = this.servers.create();
    this.sessions.add(transport.sessionId, {
      transport,
      server,
      owner: sessionOwner(req.auth),
      lastSeen: Date.now(),
    });
    res.on('close', () => {
      this.sessions.delete(transport.sessionId);
      void server.close();
    });
    try {
      await server.connect(transport);
    } catch (error) {
      this.logger.error(`SSE stream failed: ${(error as Error).message}`);
      this.sessions.delete(transport.sessionId);
    }
  }

  async message(req: Request, res: ServerResponse): Promise<void> {
    const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId') ?? undefined;
    const session = this.sessions.get<SSEServerTransport>(id, req.auth);
    if (!session) return writeJsonRpcError(res, 404, -32001, 'Session not found');
    await session.transport.handlePostMessage(req, res, req.body);
  }
}
