import type { ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { writeJsonRpcError } from './json-rpc-error.js';
import { McpDispatcher } from './mcp-dispatcher.js';
import type { McpHttpRequest, McpLineEndpoint, McpProtocolLine } from './mcp-protocol-line.js';
import { McpProtocolServerFactory } from './mcp-protocol-server.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { MCP_PROTOCOL_LINE, MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { McpSessionStore } from './mcp-session-store.js';

/**
 * The MCP endpoints over the transports of the SDK line in use (`McpProtocolLine`): the Streamable HTTP endpoint
 * (`handle`) and, on lines that have it, the older HTTP+SSE one (`sse`). A POST's transport gets the very body
 * `McpEndpointGuard` judged (`McpRequestBodyReader`: one parse). A failure nothing answered is a JSON-RPC 500 —
 * logged, never a stack trace.
 */
@Injectable()
export class StreamableHttpEndpoint implements OnModuleDestroy {
  private readonly logger = new Logger('McpServerModule');
  readonly endpoint: McpLineEndpoint;

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions,
    @Inject(MCP_PROTOCOL_LINE) line: McpProtocolLine,
    servers: McpProtocolServerFactory,
    dispatcher: McpDispatcher,
    sessions: McpSessionStore,
    moduleRef: ModuleRef,
    private readonly bodies: McpRequestBodyReader,
  ) {
    const logger = this.logger;
    this.endpoint = line.createEndpoint({
      options,
      dispatcher,
      servers,
      sessions,
      moduleRef,
      logger,
    });
  }

  /** Streamable HTTP: POST, GET and DELETE on the endpoint's path. */
  handle(req: McpHttpRequest, res: ServerResponse): Promise<void> {
    return this.guarded(res, async () => {
      const body = req.method === 'POST' ? await this.bodies.readOrAnswer(req, res) : { body: undefined };
      if (body) await this.endpoint.handle(req, res, body.body);
    });
  }

  /** Runs `serve`; what it failed to answer becomes a JSON-RPC 500 (logged, never a stack trace). */
  async guarded(res: ServerResponse, serve: () => Promise<void>): Promise<void> {
    try {
      await serve();
    } catch (error) {
      this.logger.error(`MCP request failed: ${(error as Error).message}`);
      writeJsonRpcError(res, 500, -32603, 'Internal error');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.endpoint.close?.();
  }
}
