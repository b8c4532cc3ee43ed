import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { writeJsonRpcError } from './json-rpc-error.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { McpHttpRequests } from './mcp-http-requests.js';
import { McpProtocolServerFactory } from './mcp-protocol-server.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { McpSessionStore } from './mcp-session-store.js';

type Request = IncomingMessage & { auth?: McpAuthInfo };

/**
 * The Streamable HTTP endpoint over the SDK's transport. Stateless by default: a fresh server and transport per
 * request. Stateful on demand: sessions kept in `McpSessionStore`, each bound to its owner. A POST's transport gets
 * the very body `McpEndpointGuard` judged (`McpRequestBodyReader`), never `undefined` (the SDK would read the
 * stream itself).
 */
@Injectable()
export class StreamableHttpEndpoint {
  private readonly logger = new Logger('McpServerModule');

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) private readonly options: McpServerModuleOptions,
    private readonly servers: McpProtocolServerFactory,
    private readonly requests: McpHttpRequests,
    private readonly sessions: McpSessionStore,
    private readonly bodies: McpRequestBodyReader,
  ) {}

  async handle(req: Request, res: ServerResponse): Promise<void> {
    try {
      let body: unknown;
      if (req.method === 'POST') {
        const read = await this.bodies.readOrAnswer(req, res);
        if (!read) return;
        body = read.body;
      }
      if (this.options.stateful) await this.handleStateful(req, res, body);
      else await this.handleStateless(req, res, body);
    } catch (error) {
      this.logger.error(`MCP request failed: ${(error as Error).message}`);
      writeJsonRpcError(res, 500, -32603, 'Internal error');
    }
  }

  private async handleStateless(req: Request, res: ServerResponse, body: unknown): Promise<void> {
    if (req.method !== 'POST') {
      // No session, hence no standalone SSE stream and nothing to delete.
      return writeJsonRpcError(res, 405, -32000, 'Method not allowed (stateless server)', { Allow: 'POST' });
    }
    const server = this.servers.create();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: this.options.enableJsonResponse,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await this.requests.run(req, () => transport.handleRequest(req, res, body));
  }

  private async handleStateful(req: Request, res: ServerResponse, body: unknown): Promise<void> {
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = this.sessions.get<StreamableHTTPServerTransport>(id, req.auth);
      if (!session) return writeJsonRpcError(res, 404, -32001, 'Session not found');
      this.servers.observeCaller(session.server, req.auth);
      return this.requests.run(req, () => session.transport.handleRequest(req, res, body));
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return writeJsonRpcError(res, 400, -32000, 'Bad Request: no valid session ID provided');
    }
    const owner = this.sessions.admit(req.auth, res);
    if (owner === undefined) return;
    const server = this.servers.create();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: this.options.enableJsonResponse,
      onsessioninitialized: (sessionId) =>
        this.sessions.add(sessionId, { transport, server, owner, lastSeen: Date.now() }),
      onsessionclosed: (sessionId) => this.sessions.delete(sessionId),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    this.servers.observeCaller(server, req.auth);
    await this.requests.run(req, () => transport.handleRequest(req, res, body));
  }
}
