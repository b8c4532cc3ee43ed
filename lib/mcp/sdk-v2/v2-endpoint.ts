import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  NodeStreamableHTTPServerTransport,
  toNodeHandler,
  toWebRequest,
  type ToNodeHandlerOptions,
} from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpHttpHandler,
  type Server,
} from '@modelcontextprotocol/server';
import { writeJsonRpcError } from '../json-rpc-error.js';
import { McpRequestBinding } from '../mcp-request-binding.js';
import type { McpHttpRequest, McpLineContext, McpLineEndpoint } from '../mcp-protocol-line.js';
import {
  continueStatefulSession,
  openStatefulSession,
  type StatefulSession,
  type StatefulSessionLine,
} from '../stateful-session.js';
import { createV2Server } from './v2-server.js';

type Session = StatefulSession<Server, NodeStreamableHTTPServerTransport>;

/**
 * The SDK 2.x serving entry (`createMcpHandler`) behind the Streamable HTTP endpoint: MCP 2026-07-28 (stateless by
 * design: no `initialize`, no session, `server/discover`, the per-request `_meta` envelope) and the 2025 revisions
 * on the same endpoint. Stateless mode: the SDK's own stateless fallback serves 2025 traffic. Stateful mode: 2025
 * clients get sessions (`McpSessionStore`, each bound to its owner) while 2026-07-28 requests stay stateless — the
 * routing is the SDK's own `isLegacyRequest`. Every exchange gets the body `McpEndpointGuard` judged and the
 * verified caller (`req.auth`, handed on as `ctx.http.authInfo`).
 */
export class V2Endpoint implements McpLineEndpoint {
  private readonly handler: McpHttpHandler;
  private readonly nodeOptions: ToNodeHandlerOptions;
  /**
   * The HTTP request behind each web `Request` handed to `createMcpHandler`, whose server factory receives the
   * latter (`requestInfo`, the very object: the entry reads no body, it gets the parsed one).
   */
  private readonly carriers = new WeakMap<Request, IncomingMessage>();
  /** A stateful (2025 revisions) session's server and transport. */
  private readonly sessionLine: StatefulSessionLine<Server, NodeStreamableHTTPServerTransport> = {
    createServer: (requests) => createV2Server(this.context.servers, requests),
    createTransport: (options) => new NodeStreamableHTTPServerTransport(options),
  };

  constructor(private readonly context: McpLineContext) {
    const onerror = (error: Error) => context.logger.debug?.(`MCP request refused: ${error.message}`);
    this.handler = createMcpHandler(
      ({ requestInfo }) =>
        createV2Server(context.servers, McpRequestBinding.of(requestInfo && this.carriers.get(requestInfo))),
      {
        legacy: context.options.stateful ? 'reject' : 'stateless',
        responseMode: context.options.enableJsonResponse ? 'json' : 'auto',
        onerror,
      },
    );
    this.nodeOptions = { onerror };
  }

  /** One request through `createMcpHandler` (one server per request): its web `Request` remembers `req`. */
  private serve(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    const { handler, carriers } = this;
    const fetch = (request: Request, options?: Parameters<McpHttpHandler['fetch']>[1]) => {
      carriers.set(request, req);
      return handler.fetch(request, options);
    };
    return toNodeHandler({ fetch }, this.nodeOptions)(req, res, body);
  }

  async handle(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    if (!this.context.options.stateful) {
      if (req.method !== 'POST') {
        // No session, hence no standalone SSE stream and nothing to delete.
        return writeJsonRpcError(res, 405, -32000, 'Method not allowed (stateless server)', {
          Allow: 'POST',
        });
      }
      return this.serve(req, res, body);
    }
    return this.handleStateful(req, res, body);
  }

  async close(): Promise<void> {
    await this.handler.close();
  }

  private async handleStateful(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void> {
    const { sessions } = this.context;
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string' || req.method !== 'POST') {
      const session = sessions.get<Session>(typeof id === 'string' ? id : undefined, req.auth);
      if (!session) {
        if (typeof id === 'string') return writeJsonRpcError(res, 404, -32001, 'Session not found');
        return writeJsonRpcError(res, 400, -32000, 'Bad Request: no valid session ID provided');
      }
      return continueStatefulSession(this.context, session.state, req, res, body);
    }
    if (!(await isLegacyRequest(await toWebRequest(req, body), body))) {
      return this.serve(req, res, body); // 2026-07-28: no session
    }
    if (!isInitializeRequest(body)) {
      return writeJsonRpcError(res, 400, -32000, 'Bad Request: no valid session ID provided');
    }
    await openStatefulSession(this.context, this.sessionLine, req, res, body);
  }
}
