import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendListChanges, type ListChangeSender } from './list-changes.js';
import type { McpHttpRequest, McpLineContext } from './mcp-protocol-line.js';
import { bindOrRefuse, McpRequestBinding } from './mcp-request-binding.js';

/** What both SDK lines' Streamable HTTP server transport offers a stateful session. */
export interface SessionTransport {
  readonly sessionId?: string;
  onclose?: () => void;
  handleRequest(req: McpHttpRequest, res: ServerResponse, body?: unknown): Promise<void>;
}

/** What both SDK lines' low-level `Server` offers a stateful session. */
export interface SessionServer<T> extends ListChangeSender {
  connect(transport: T): Promise<void>;
  close(): Promise<void>;
}

/** The options of a stateful transport, in the shape both SDK lines' Streamable HTTP transports take. */
export interface StatefulTransportOptions {
  sessionIdGenerator: () => string;
  enableJsonResponse?: boolean;
  onsessioninitialized: (sessionId: string) => void;
  onsessionclosed: (sessionId: string) => void;
}

/** What a session keeps between requests (the state in `McpSessionStore`). */
export interface StatefulSession<S, T> {
  readonly transport: T;
  readonly server: S;
  /** Which HTTP request carried each of the session's JSON-RPC requests in flight. */
  readonly requests: McpRequestBinding;
}

/** How one SDK line builds a session's server and Streamable HTTP transport. */
export interface StatefulSessionLine<S, T> {
  createServer(requests: McpRequestBinding): S;
  createTransport(options: StatefulTransportOptions): T;
}

/**
 * Opens a Streamable HTTP session for an `initialize` request (MCP 2025-06-18 "Session Management"): admits the
 * caller (`maxSessions`, the caller becomes the owner), stores the session once the transport names it, forgets it
 * when the transport closes or the client deletes it, and answers the request. The SDK line gives its server and
 * transport (`line`); nothing here imports an SDK.
 */
export async function openStatefulSession<S extends SessionServer<T>, T extends SessionTransport>(
  context: McpLineContext,
  line: StatefulSessionLine<S, T>,
  req: McpHttpRequest,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const { sessions, servers } = context;
  const owner = sessions.admit(req.auth, res);
  if (owner === undefined) return;
  const requests = McpRequestBinding.forSession();
  const server = line.createServer(requests);
  const transport: T = line.createTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: context.options.enableJsonResponse,
    onsessioninitialized: (sessionId) =>
      sessions.add(sessionId, {
        state: { transport, server, requests } satisfies StatefulSession<S, T>,
        owner,
        lastSeen: Date.now(),
        close: () => server.close(),
      }),
    onsessionclosed: (sessionId) => sessions.delete(sessionId),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await server.connect(transport);
  servers.listChanges(server, req.auth);
  if (!bindOrRefuse(requests, req, res, body)) return;
  await transport.handleRequest(req, res, body);
}

/**
 * Answers a request on an open Streamable HTTP session (found in `McpSessionStore` for its owner): first tells the
 * client which lists changed for it since its last request, then hands the request to the session's transport.
 */
export function continueStatefulSession<S extends ListChangeSender, T extends SessionTransport>(
  context: McpLineContext,
  session: StatefulSession<S, T>,
  req: McpHttpRequest,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const { server, transport, requests } = session;
  if (!bindOrRefuse(requests, req, res, body)) return Promise.resolve();
  sendListChanges(server, context.servers.listChanges(server, req.auth));
  return transport.handleRequest(req, res, body);
}
