import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { writeJsonRpcError } from './json-rpc-error.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { McpHttpRequests } from './mcp-http-requests.js';
import { McpProtocolServerFactory } from './mcp-protocol-server.js';
import { McpSessionStore } from './mcp-session-store.js';

type Request = IncomingMessage & { auth?: McpAuthInfo; originalUrl?: string };

/**
 * The older HTTP+SSE transport (`GET /sse` + `POST /messages?sessionId=…`), for clients that still speak it.
 * Guarded by the same `McpEndpointGuard` as the Streamable HTTP endpoint; a session belongs to its opener; streams
 * count against `maxSessions` like Streamable HTTP sessions; a message's transport gets the body the guard judged.
 */
@Injectable()
export class SseEndpoint {
  private readonly logger = new Logger('McpServerModule');

  constructor(
    private readonly servers: McpProtocolServerFactory,
    private readonly requests: McpHttpRequests,
    private readonly sessions: McpSessionStore,
    private readonly bodies: McpRequestBodyReader,
  ) {}

  /** Opens the event stream; its `endpoint` event names the messages URL under the same prefix as the stream. */
  async open(req: Request, res: ServerResponse, ssePath: string, messagesPath: string): Promise<void> {
    const owner = this.sessions.admit(req.auth, res);
    if (owner === undefined) return;
    const path = (req.originalUrl ?? req.url ?? '').split('?', 1)[0];
    const prefix = path.endsWith(ssePath) ? path.slice(0, path.length - ssePath.length) : '';
    const transport = new SSEServerTransport(`${prefix}${messagesPath}`, res);
    const server = this.servers.create();
    this.servers.observeCaller(server, req.auth);
    this.sessions.add(transport.sessionId, {
      transport,
      server,
      owner,
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
    const read = await this.bodies.readOrAnswer(req, res);
    if (!read) return;
    this.servers.observeCaller(session.server, req.auth);
    await this.requests.run(req, () => session.transport.handlePostMessage(req, res, read.body));
  }
}
