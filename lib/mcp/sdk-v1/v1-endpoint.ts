import type { ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { writeJsonRpcError } from '../json-rpc-error.js';
import type { McpHttpRequest, McpLineContext, McpLineEndpoint } from '../mcp-protocol-line.js';
import { sendListChanges } from '../list-changes.js';
import {
  continueStatefulSession,
  openStatefulSession,
  type StatefulSession,
  type StatefulSessionLine,
} from '../stateful-session.js';
import { bindOrRefuse, McpRequestBinding } from '../mcp-request-binding.js';
import { createV1Server } from './v1-server.js';

type Session<T> = StatefulSession<Server, T>;

/**
 * The SDK 1.x transports: Streamable HTTP — stateless by default (a fresh server and transport per request),
 * stateful on demand (sessions in `McpSessionStore`, each bound to its owner) — and the older HTTP+SSE transport.
 * Each transport gets the very body `McpEndpointGuard` judged, never `undefined` (the SDK would read the stream).
 */
export class V1Endpoint implements McpLineEndpoint {
  /** A stateful Streamable HTTP session's server and transport. */
  private readonly sessionLine: StatefulSessionLine<Server, StreamableHTTPServerTransport> = {
    createServer: (requests) => createV1Server(this.context.servers, requests),
    createTransport: (options) => new StreamableHTTPServerTransport(options),
  };

  constructor(private readonly context: McpLineContext) {}

  readonly sse = {
    open: (req: McpHttpRequest, res: ServerResponse, messagesUrl: string) =>
      this.openSse(req, res, messagesUrl),
    message: (req: McpHttpRequest, res: ServerResponse, body: unknown) => this.sseMessage(req, res, body),
  };

  handle(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    return this.context.options.stateful
      ? this.handleStateful(req, res, body)
      : this.handleStateless(req, res, body);
  }

  private async handleStateless(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    if (req.method !== 'POST') {
      // No session, hence no standalone SSE stream and nothing to delete.
      return writeJsonRpcError(res, 405, -32000, 'Method not allowed (stateless server)', { Allow: 'POST' });
    }
    const server = createV1Server(this.context.servers, McpRequestBinding.of(req));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: this.context.options.enableJsonResponse,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  private async handleStateful(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    const { sessions } = this.context;
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = sessions.get<Session<StreamableHTTPServerTransport>>(id, req.auth);
      if (!session) return writeJsonRpcError(res, 404, -32001, 'Session not found');
      return continueStatefulSession(this.context, session.state, req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return writeJsonRpcError(res, 400, -32000, 'Bad Request: no valid session ID provided');
    }
    return openStatefulSession(this.context, this.sessionLine, req, res, body);
  }

  /** Opens the event stream; a session belongs to its opener and counts against `maxSessions`. */
  private async openSse(req: McpHttpRequest, res: ServerResponse, messagesUrl: string): Promise<void> {
    const { sessions, servers, logger } = this.context;
    const owner = sessions.admit(req.auth, res);
    if (owner === undefined) return;
    const transport = new SSEServerTransport(messagesUrl, res);
    const requests = McpRequestBinding.forSession();
    const server = createV1Server(servers, requests);
    servers.listChanges(server, req.auth);
    sessions.add(transport.sessionId, {
      state: { transport, server, requests },
      owner,
      lastSeen: Date.now(),
      close: () => server.close(),
    });
    res.on('close', () => {
      sessions.delete(transport.sessionId);
      void server.close();
    });
    try {
      await server.connect(transport);
    } catch (error) {
      logger.error(`SSE stream failed: ${(error as Error).message}`);
      sessions.delete(transport.sessionId);
    }
  }

  private async sseMessage(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    const { sessions, servers } = this.context;
    const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId') ?? undefined;
    const session = sessions.get<Session<SSEServerTransport>>(id, req.auth);
    if (!session) return writeJsonRpcError(res, 404, -32001, 'Session not found');
    const { server, transport, requests } = session.state;
    // The SDK dispatches the message before it answers 202 (the answer goes on the event stream): the binding is read
    // before this response closes.
    if (!bindOrRefuse(requests, req, res, body)) return;
    sendListChanges(server, servers.listChanges(server, req.auth));
    await transport.handlePostMessage(req, res, body);
  }
}
