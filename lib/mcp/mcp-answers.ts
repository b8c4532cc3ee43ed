import { HttpException, HttpStatus } from '@nestjs/common';
import type { McpHandlerKind } from '../core/mcp-invocation.js';
import type {
  McpCallToolResult as CallToolResult,
  McpGetPromptResult as GetPromptResult,
  McpReadResourceResult as ReadResourceResult,
} from './mcp-results.js';

/** JSON-RPC error codes the MCP handlers answer with (JSON-RPC 2.0 §5.1; MCP server/resources "Error Handling"). */
export const McpErrorCode = {
  /** Unknown tool or prompt, invalid prompt arguments, a 400/422 `HttpException`. */
  InvalidParams: -32602,
  /** Another 4xx `HttpException`. */
  InvalidRequest: -32600,
  /** A non-`HttpException` error, a 5xx. */
  InternalError: -32603,
  /** MCP: the resource does not exist (or a 404 `HttpException` from a resource handler). */
  ResourceNotFound: -32002,
  /** A guard denied the call, or a 401/403 `HttpException` (this library's code; MCP defines none). */
  Forbidden: -32003,
} as const;

/**
 * A JSON-RPC error answer. The MCP SDK's protocol layer sends an error's numeric `code` and `message` as the
 * JSON-RPC error, so this needs no SDK class.
 */
export class McpRpcError extends Error {
  override readonly name = 'McpRpcError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The message an error may show a client: an `HttpException`'s message(s); anything else says no more. */
export function publicMessage(error: unknown): string {
  if (!(error instanceof HttpException)) return 'Internal error';
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('\n');
  return typeof message === 'string' ? message : error.message;
}

/** The JSON-RPC error of a failed resource read or prompt get (the exception map: docs/mcp-handlers.md). */
export function rpcErrorOf(error: unknown, kind: McpHandlerKind): McpRpcError {
  if (error instanceof McpRpcError) return error;
  const message = publicMessage(error);
  if (!(error instanceof HttpException)) return new McpRpcError(McpErrorCode.InternalError, message);
  const status = error.getStatus();
  if (status === HttpStatus.UNAUTHORIZED || status === HttpStatus.FORBIDDEN) {
    return new McpRpcError(McpErrorCode.Forbidden, message);
  }
  if (status === HttpStatus.NOT_FOUND) {
    const code = kind === 'resource' ? McpErrorCode.ResourceNotFound : McpErrorCode.InvalidParams;
    return new McpRpcError(code, message);
  }
  if (status === HttpStatus.BAD_REQUEST || status === HttpStatus.UNPROCESSABLE_ENTITY) {
    return new McpRpcError(McpErrorCode.InvalidParams, message);
  }
  if (status >= 400 && status < 500) return new McpRpcError(McpErrorCode.InvalidRequest, message);
  return new McpRpcError(McpErrorCode.InternalError, message);
}

/** A tool-execution error (MCP server/tools "Error Handling"): `isError: true` with the message as text. */
export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function isCallToolResult(value: unknown): value is CallToolResult {
  return !!value && typeof value === 'object' && Array.isArray((value as { content?: unknown }).content);
}

/**
 * What a tool method returned, as a `CallToolResult`: a result object passes through; a string becomes one text
 * item; `undefined` no content; anything else its JSON text — and, for tools with an output schema,
 * `structuredContent`.
 */
export function toolResult(value: unknown, structured: boolean): CallToolResult {
  if (isCallToolResult(value)) return value;
  if (value === undefined) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  const result: CallToolResult = { content: [{ type: 'text', text: JSON.stringify(value) }] };
  if (structured && value !== null && typeof value === 'object') {
    result.structuredContent = value as Record<string, unknown>;
  }
  return result;
}

/**
 * What a resource method returned, as a `ReadResourceResult` for `uri`: `{ contents: […] }` passes through; a
 * string is text; a `Buffer`/`Uint8Array` a base64 blob; anything else its JSON text (`application/json`).
 */
export function resourceResult(value: unknown, uri: string, mimeType?: string): ReadResourceResult {
  if (value && typeof value === 'object' && Array.isArray((value as { contents?: unknown }).contents)) {
    return value as ReadResourceResult;
  }
  if (typeof value === 'string') return { contents: [{ uri, mimeType, text: value }] };
  if (value instanceof Uint8Array) {
    return { contents: [{ uri, mimeType, blob: Buffer.from(value).toString('base64') }] };
  }
  const text = JSON.stringify(value ?? null);
  return { contents: [{ uri, mimeType: mimeType ?? 'application/json', text }] };
}

/**
 * What a prompt method returned, as a `GetPromptResult`: `{ messages: […] }` passes through; an array is the
 * messages; a string one user text message; anything else one user message with its JSON text.
 */
export function promptResult(value: unknown, description?: string): GetPromptResult {
  if (value && typeof value === 'object' && Array.isArray((value as { messages?: unknown }).messages)) {
    return value as GetPromptResult;
  }
  if (Array.isArray(value)) return { description, messages: value as GetPromptResult['messages'] };
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return { description, messages: [{ role: 'user', content: { type: 'text', text } }] };
}
