import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
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

/** `mcpRequestBody` with the module's `maxBodySize` (checked at boot): what the guard and the transports call. */
@Injectable()
export class McpRequestBodyReader {
  readonly limit: number;

  constructor(@Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions) {
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

  /** The request's JSON-RPC payload (see `mcpRequestBody`); throws or rejects with `McpRequestBodyError`. */
  read(req: IncomingMessage): unknown {
    return mcpRequestBody(req, this.limit);
  }

  /** The payload already read for `req` (synchronous; `undefined` before `read` or after a refusal). */
  parsed(req: IncomingMessage): unknown {
    return parsedMcpRequestBody(req);
  }

  /**
   * For the transports: the payload, or `undefined` after answering the refusal on `res` (the guard normally
   * answered it before; this covers an endpoint whose guard did not read the body, `auth: false`).
   */
  async readOrAnswer(req: IncomingMessage, res: ServerResponse): Promise<{ body: unknown } | undefined> {
    try {
      return { body: await this.read(req) };
    } catch (error) {
      if (!(error instanceof McpRequestBodyError)) throw error;
      writeJsonRpcError(res, error.status, error.rpcCode, error.message);
      return undefined;
    }
  }
}
