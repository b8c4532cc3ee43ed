import { Reflector } from '@nestjs/core';
import type { McpSchemaInput } from './mcp-schema-input.js';

/** Describes an MCP prompt implemented by a method. */
export interface McpPromptOptions {
  /** Unique prompt name. */
  name: string;
  /** Display title. */
  title?: string;
  /** What the prompt is for. */
  description?: string;
  /**
   * Its arguments (MCP prompt arguments are strings): a class-validator DTO class, a zod shape or a zod object.
   * `prompts/list` names each with its description and whether it is required; `prompts/get` with arguments that
   * do not match answers JSON-RPC `-32602` naming each field, and the handler does not run.
   */
  arguments?: McpSchemaInput;
}

const McpPromptMetadata = Reflector.createDecorator<McpPromptOptions>();

/**
 * Makes a provider or controller method an MCP prompt (`prompts/get`) — a Nest handler like `@McpTool`, scoped
 * with `@RequireScopes` (a get beyond the token answers HTTP 403 `insufficient_scope` before it runs). It returns
 * the messages: a string (one user message), or a `GetPromptResult` (`{ messages: […] }`) as is.
 *
 * ```ts
 * @McpPrompt({ name: 'summarize-todos', arguments: { style: z.enum(['short', 'long']).optional() } })
 * @RequireScopes('read:todos')
 * summarize(@McpArgs('style') style?: string) { return `Summarize my todos (${style ?? 'short'})`; }
 * ```
 */
export function McpPrompt(options: McpPromptOptions): MethodDecorator {
  if (!options || typeof options.name !== 'string' || options.name.length === 0) {
    throw new TypeError(`@McpPrompt(): a name is required, got ${JSON.stringify(options?.name)}`);
  }
  return McpPromptMetadata(options);
}
McpPrompt.KEY = McpPromptMetadata;
