import { Reflector } from '@nestjs/core';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { ZodRawShape, ZodTypeAny } from 'zod';

/** Describes an MCP tool implemented by a provider method. */
export interface McpToolOptions {
  /** Unique tool name (`[a-zA-Z0-9_-]`, 1–128 characters, as MCP recommends). */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /** Display title. */
  title?: string;
  /** Input arguments as a zod shape (`{ content: z.string() }`) or zod object; validated by the SDK. */
  input?: ZodRawShape | ZodTypeAny;
  /** Structured output schema; the method's return value then becomes `structuredContent`. */
  output?: ZodRawShape | ZodTypeAny;
  /** MCP tool annotations (`readOnlyHint`, `destructiveHint`, …). */
  annotations?: ToolAnnotations;
}

const McpToolMetadata = Reflector.createDecorator<McpToolOptions>();

/**
 * Makes a provider method an MCP tool. The method receives the validated arguments (its first parameter not
 * decorated with `@AuthInfo()`), then the SDK's request `extra`; `@AuthInfo()` parameters receive the caller.
 * Protect it with `@RequireScopes()` on the method or its class: a call without them is answered with HTTP 403
 * `insufficient_scope` before the tool runs (R13, R14).
 *
 * ```ts
 * @McpTool({ name: 'create-todo', description: 'Create a todo', input: { content: z.string() } })
 * @RequireScopes('create:todos')
 * create({ content }: { content: string }, @AuthInfo() auth: McpAuthInfo) { … }
 * ```
 */
export function McpTool(options: McpToolOptions): MethodDecorator {
  if (!options || typeof options.name !== 'string' || !/^[A-Za-z0-9_\-.]{1,128}$/.test(options.name)) {
    throw new TypeError(
      `@McpTool(): invalid tool name ${JSON.stringify(options?.name)} (use [A-Za-z0-9_-.], 1-128 characters)`,
    );
  }
  return McpToolMetadata(options);
}
McpTool.KEY = McpToolMetadata;
