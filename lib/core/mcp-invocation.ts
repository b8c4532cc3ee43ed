import type { IncomingMessage } from 'node:http';
import type { ExecutionContext } from '@nestjs/common';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpAuthInfo } from './mcp-auth-info.js';

/** `ExecutionContext.getType()` of a tool, resource or prompt handler run through Nest's pipeline. */
export const MCP_CONTEXT_TYPE = 'mcp';

/** The three MCP server primitives a Nest method can implement. */
export type McpHandlerKind = 'tool' | 'resource' | 'prompt';

/**
 * The MCP SDK's per-request `extra` as handlers receive it: the abort `signal`, `sessionId`, `requestId`,
 * `_meta.progressToken`, `sendNotification` / `sendRequest` (progress, logging, sampling), `authInfo`.
 */
export type McpRequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What is being invoked, by whom, over which HTTP request: the third argument every MCP handler is called with. */
export interface McpInvocation {
  readonly kind: McpHandlerKind;
  /** The tool, prompt or resource name (for a resource: the name it was declared with). */
  readonly name: string;
  /** `resources/read`: the URI read. */
  readonly uri?: URL;
  /**
   * The validated arguments (tools, prompts: the DTO instance or the zod output; resources: the URI template's
   * variables, `{}` for a fixed URI).
   */
  readonly args: unknown;
  readonly extra: McpRequestExtra;
  /** The verified caller; `undefined` only on a public endpoint (`auth: false`). */
  readonly auth?: McpAuthInfo;
  /** The HTTP request that carried the JSON-RPC message (`undefined` outside an HTTP transport). */
  readonly request?: IncomingMessage;
}

/** The invocation of an `'mcp'` execution context (its third argument); `undefined` for any other context. */
export function mcpInvocationOf(context: Pick<ExecutionContext, 'getType' | 'getArgByIndex'>) {
  if (context.getType<string>() !== MCP_CONTEXT_TYPE) return undefined;
  return context.getArgByIndex<McpInvocation | undefined>(2);
}
