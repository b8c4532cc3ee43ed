import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { McpDispatcher } from './mcp-dispatcher.js';
import type { McpProtocolServerFactory } from './mcp-protocol-server.js';
import type { McpSchemaSupport } from './mcp-schema.js';
import type { McpSdkLine, McpServerModuleOptions } from './mcp-server-options.interface.js';

export type { McpSdkChoice, McpSdkLine } from './mcp-server-options.interface.js';
import type { McpSessionStore } from './mcp-session-store.js';

/** An HTTP request on an MCP endpoint, after `McpEndpointGuard`: `auth` is the verified caller. */
export type McpHttpRequest = IncomingMessage & { auth?: McpAuthInfo; originalUrl?: string };

/** What an SDK line's endpoint needs from the module (SDK-free parts, built by Nest). */
export interface McpLineContext {
  readonly options: McpServerModuleOptions;
  readonly dispatcher: McpDispatcher;
  readonly servers: McpProtocolServerFactory;
  readonly sessions: McpSessionStore;
  readonly moduleRef: ModuleRef;
  readonly logger: Logger;
}

/**
 * The transports of one SDK line behind the module's endpoints. The body of a POST was read once (the one the guard
 * judged) and is handed over; every answer (success, JSON-RPC error, SSE stream) is written on `res`.
 */
export interface McpLineEndpoint {
  /** Streamable HTTP: POST (with its parsed body), GET and DELETE, stateless or stateful. */
  handle(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void>;
  /** The older HTTP+SSE transport (MCP 2024-11-05), only on lines that still ship it. */
  readonly sse?: {
    /** Opens the event stream; its `endpoint` event names `messagesUrl`. */
    open(req: McpHttpRequest, res: ServerResponse, messagesUrl: string): Promise<void>;
    /** A message POSTed to the session named by `?sessionId=`. */
    message(req: McpHttpRequest, res: ServerResponse, body: unknown): Promise<void>;
  };
  /** At shutdown: ends what the endpoint holds between requests. */
  close?(): Promise<void>;
}

/**
 * One MCP SDK server line — `@modelcontextprotocol/sdk` 1.x or `@modelcontextprotocol/server` 2.x — loaded at boot
 * by `loadProtocolLine` (a dynamic import: no SDK is imported by the module graph of the package's entry point).
 * Everything SDK-specific lives behind it; the dispatcher, the handlers, the guard and the options do not know
 * which line serves.
 */
export interface McpProtocolLine extends McpSchemaSupport {
  readonly line: McpSdkLine;
  /** The npm packages serving, for messages. */
  readonly packages: string;
  /** The MCP revisions served on the endpoint, newest first. */
  readonly protocolVersions: readonly string[];
  createEndpoint(context: McpLineContext): McpLineEndpoint;
}
