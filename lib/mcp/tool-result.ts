import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

function isCallToolResult(value: unknown): value is CallToolResult {
  return !!value && typeof value === 'object' && Array.isArray((value as { content?: unknown }).content);
}

/**
 * What a tool method returned, as an MCP `CallToolResult`: a result object passes through; a string becomes one
 * text item; `undefined` no content; anything else its JSON text — and, for tools with an output schema,
 * `structuredContent`.
 */
export function toCallToolResult(value: unknown, structured: boolean): CallToolResult {
  if (isCallToolResult(value)) return value;
  if (value === undefined) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  const result: CallToolResult = { content: [{ type: 'text', text: JSON.stringify(value) }] };
  if (structured && value !== null && typeof value === 'object') {
    result.structuredContent = value as Record<string, unknown>;
  }
  return result;
}
