import type { IncomingMessage } from 'node:http';
import type { ArgumentsHost, ExecutionContext } from '@nestjs/common';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import {
  MCP_CONTEXT_TYPE,
  mcpInvocationOf,
  type McpHandlerKind,
  type McpInvocation,
  type McpRequestExtra,
} from '../core/mcp-invocation.js';

/**
 * The `'mcp'` execution context of a tool, resource or prompt handler, for guards, interceptors and exception
 * filters — in the spirit of `GqlExecutionContext`:
 *
 * ```ts
 * canActivate(context: ExecutionContext) {
 *   if (context.getType<string>() !== 'mcp') return true;
 *   const mcp = McpExecutionContext.create(context);
 *   return mcp.getArgs<{ id: string }>().id.startsWith(mcp.getAuthInfo()?.subject ?? '');
 * }
 * ```
 */
export class McpExecutionContext {
  private constructor(private readonly invocation: McpInvocation) {}

  /** The MCP view of `context`; throws when `context` is not an MCP handler's (`getType() !== 'mcp'`). */
  static create(context: ExecutionContext | ArgumentsHost): McpExecutionContext {
    const invocation = mcpInvocationOf(context);
    if (!invocation) {
      throw new TypeError(
        `McpExecutionContext.create(): the context is "${context.getType()}", not "${MCP_CONTEXT_TYPE}"`,
      );
    }
    return new McpExecutionContext(invocation);
  }

  /** `'tool'`, `'resource'` or `'prompt'`. */
  getKind(): McpHandlerKind {
    return this.invocation.kind;
  }

  /** The tool, prompt or resource name. */
  getName(): string {
    return this.invocation.name;
  }

  /** `resources/read`: the URI read. */
  getUri(): URL | undefined {
    return this.invocation.uri;
  }

  /** The validated arguments (a resource template's URI variables). */
  getArgs<T = Record<string, unknown>>(): T {
    return this.invocation.args as T;
  }

  /** The verified caller (`undefined` only on an endpoint with `auth: false`). */
  getAuthInfo(): McpAuthInfo | undefined {
    return this.invocation.auth;
  }

  /**
   * The MCP SDK's per-request object: `RequestHandlerExtra` on the SDK 1.x line (`signal`, `sessionId`,
   * `requestId`, `_meta`, `sendNotification`, …), `ServerContext` on the 2.x line (`mcpReq`, `http`).
   */
  getExtra(): McpRequestExtra {
    return this.invocation.extra;
  }

  /** Aborted when the client cancels the request or goes away. */
  getSignal(): AbortSignal {
    return this.invocation.signal;
  }

  /** The HTTP request that carried the JSON-RPC message. */
  getRequest<T = IncomingMessage>(): T | undefined {
    return this.invocation.request as T | undefined;
  }
}
