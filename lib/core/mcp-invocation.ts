import type { IncomingMessage } from 'node:http';
import type { ExecutionContext } from '@nestjs/common';
import type { McpAuthInfo } from './mcp-auth-info.js';

/** `ExecutionContext.getType()` of a tool, resource or prompt handler run through Nest's pipeline. */
export const MCP_CONTEXT_TYPE = 'mcp';

/** The three MCP server primitives a Nest method can implement. */
export type McpHandlerKind = 'tool' | 'resource' | 'prompt';

/** A JSON-RPC notification or request a handler sends back to the client (progress, logging, …). */
export interface McpOutgoingMessage {
  method: string;
  params?: Record<string, unknown>;
}

/**
 * SDK 1.x (`@modelcontextprotocol/sdk`): the `RequestHandlerExtra` its low-level `Server` passes a request handler —
 * the abort `signal`, `sessionId`, `requestId`, `_meta.progressToken`, `sendNotification` / `sendRequest`,
 * `authInfo`. Declared here (not imported) so that the library's types compile whichever SDK line is installed.
 */
export interface McpRequestExtraV1 {
  readonly signal: AbortSignal;
  readonly authInfo?: McpAuthInfo;
  readonly sessionId?: string;
  readonly requestId: string | number;
  readonly _meta?: { readonly progressToken?: string | number; readonly [key: string]: unknown };
  sendNotification(notification: McpOutgoingMessage): Promise<void>;
  sendRequest(request: McpOutgoingMessage, resultSchema: unknown, options?: unknown): Promise<unknown>;
}

/**
 * SDK 2.x (`@modelcontextprotocol/server`): the `ServerContext` its low-level `Server` passes a request handler —
 * `mcpReq` (`id`, `method`, `_meta`, the 2026-07-28 `envelope`, `signal`, `notify`, `send`) and `http.authInfo`.
 */
export interface McpRequestContextV2 {
  readonly sessionId?: string;
  readonly mcpReq: {
    readonly id: string | number;
    readonly method: string;
    readonly _meta?: { readonly progressToken?: string | number; readonly [key: string]: unknown };
    /** The per-request `_meta` envelope (MCP 2026-07-28): protocol version, client info and capabilities. */
    readonly envelope?: { readonly [key: string]: unknown };
    readonly signal: AbortSignal;
    notify(notification: McpOutgoingMessage): Promise<void>;
    send(request: McpOutgoingMessage, ...rest: unknown[]): Promise<unknown>;
  };
  readonly http?: { readonly authInfo?: McpAuthInfo; readonly req?: Request };
}

/**
 * The MCP SDK's per-request object as handlers receive it (`@McpExtra()`, the second positional argument): the
 * `RequestHandlerExtra` on the SDK 1.x line, the `ServerContext` on the 2.x line. Tell them apart with
 * `'mcpReq' in extra`; the caller and the abort signal are on `McpInvocation` for either line.
 */
export type McpRequestExtra = McpRequestExtraV1 | McpRequestContextV2;

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
  /** Aborted when the client cancels the request or goes away (either SDK line). */
  readonly signal: AbortSignal;
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
