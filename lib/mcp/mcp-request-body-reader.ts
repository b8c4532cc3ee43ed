import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { HttpExchange } from '../core/http-exchange.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { writeJsonRpcError } from './json-rpc-error.js';
import {
  DEFAULT_MAX_BODY_SIZE,
  McpRequestBodyError,
  mcpRequestBody,
  parsedMcpRequestBody,
} from './mcp-request-body.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/**
 * `mcpRequestBody` with the module's `maxBodySize` (checked at boot): what the guard and the transports call. The
 * guard hands the request as the adapter hands it (Express's, or Fastify's whose parse is `request.body`); the
 * transports hand its Node request, under which the outcome is kept.
 */
@Injectable()
export class McpRequestBodyReader {
  readonly limit: number;

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions,
    private readonly http: HttpExchange,
  ) {
    const limit = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
    if (!Number.isSafeInteger(limit) || limit <= 0) {
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        `McpServerModule maxBodySize must be a positive integer (bytes), got ${String(limit)}`,
        { option: 'maxBodySize' },
      );
    }
    this.limit = limit;
  }

  /**
   * The JSON-RPC payload of a request as the adapter hands it to guards (see `mcpRequestBody`): the framework's
   * parse is its `body`. Throws or rejects with `McpRequestBodyError`.
   */
  read(req: object): unknown {
    return mcpRequestBody(this.http.nodeRequest(req), this.limit, (req as { body?: unknown }).body);
  }

  /** The payload already read for a request as the adapter hands it (synchronous; `undefined` before `read`). */
  parsed(req: object): unknown {
    return parsedMcpRequestBody(this.http.nodeRequest(req));
  }

  /**
   * For the transports, with the Node request and response: the payload the guard read, or `undefined` after
   * answering the refusal on `res` (the guard answered it before, unless it did not run).
   */
  async readOrAnswer(req: IncomingMessage, res: ServerResponse): Promise<{ body: unknown } | undefined> {
    try {
      return { body: await mcpRequestBody(req, this.limit) };
    } catch (error) {
      if (!(error instanceof McpRequestBodyError)) throw error;
      writeJsonRpcError(res, error.status, error.rpcCode, error.message);
      return undefined;
    }
  }
}
