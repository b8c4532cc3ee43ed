import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { McpHttpRequest, McpProtocolLine } from './mcp-protocol-line.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { MCP_PROTOCOL_LINE, MCP_SERVER_ROUTES } from './mcp-server.tokens.js';
import { StreamableHttpEndpoint } from './streamable-http-endpoint.js';

/**
 * The older HTTP+SSE transport (`GET /sse` + `POST /messages?sessionId=…`), for clients that still speak it — on
 * the SDK 1.x line only (the 2.x line has no such transport: `sse` with it fails the boot). Guarded by the same
 * `McpEndpointGuard` as the Streamable HTTP endpoint; a session belongs to its opener; streams count against
 * `maxSessions` like Streamable HTTP sessions; a message's transport gets the body the guard judged.
 */
@Injectable()
export class SseEndpoint {
  constructor(
    private readonly streamable: StreamableHttpEndpoint,
    private readonly bodies: McpRequestBodyReader,
    @Inject(MCP_SERVER_ROUTES) routes: { readonly sse?: object },
    @Inject(MCP_PROTOCOL_LINE) line: McpProtocolLine,
  ) {
    if (routes.sse && !streamable.endpoint.sse) {
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        `McpServerModule sse: the HTTP+SSE transport (MCP 2024-11-05) is served by the MCP SDK 1.x line only, and ` +
          `${line.packages} (SDK 2.x) serves this app. Choose sdk: 'v1' (@modelcontextprotocol/sdk) to keep ` +
          'it, or drop sse: Streamable HTTP serves every MCP revision since 2025-03-26.',
        { option: 'sse' },
      );
    }
  }

  /** Opens the event stream; its `endpoint` event names the messages URL under the same prefix as the stream. */
  open(req: McpHttpRequest, res: ServerResponse, ssePath: string, messagesPath: string): Promise<void> {
    const path = (req.originalUrl ?? req.url ?? '').split('?', 1)[0];
    const prefix = path.endsWith(ssePath) ? path.slice(0, path.length - ssePath.length) : '';
    return this.streamable.guarded(res, () => this.sse.open(req, res, `${prefix}${messagesPath}`));
  }

  message(req: McpHttpRequest, res: ServerResponse): Promise<void> {
    return this.streamable.guarded(res, async () => {
      const read = await this.bodies.readOrAnswer(req, res);
      if (read) await this.sse.message(req, res, read.body);
    });
  }

  private get sse() {
    return this.streamable.endpoint.sse!;
  }
}
