import { Reflector } from '@nestjs/core';
import type { McpToolAnnotations } from './mcp-results.js';
import type { McpSchemaInput } from './mcp-schema-input.js';

/** Describes an MCP tool implemented by a provider or controller method. */
export interface McpToolOptions {
  /** Unique tool name (`[a-zA-Z0-9_-.]`, 1–128 characters, as MCP recommends). */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /** Display title. */
  title?: string;
  /**
   * The arguments: a class-validator DTO class, a zod shape (`{ content: z.string() }`) or a zod object. Listed as
   * the tool's `inputSchema`; a call whose arguments do not match answers a tool error naming each field and
   * constraint, and the handler does not run. Without it the tool takes no arguments (it receives `{}`).
   */
  input?: McpSchemaInput;
  /**
   * Structured output (a DTO class or zod): listed as `outputSchema`; the method's return value is checked against
   * it and sent as `structuredContent` (MCP 2025-06-18).
   */
  output?: McpSchemaInput;
  /** MCP tool annotations (`readOnlyHint`, `destructiveHint`, …). */
  annotations?: McpToolAnnotations;
}

const McpToolMetadata = Reflector.createDecorator<McpToolOptions>();

/**
 * Makes a provider or controller method an MCP tool — a Nest handler: guards, interceptors, pipes and exception
 * filters (method, class and global) apply, with `ExecutionContext.getType() === 'mcp'`. Parameters are injected
 * by decorators — `@McpArgs()` (the validated arguments, or `@McpArgs('field')`), `@AuthInfo()`, `@McpExtra()` —
 * or positionally: `(args, extra, invocation)` (undecorated parameters beside decorated ones take these in order). Protect it with `@RequireScopes()` on
 * the method or its class: a call without them is answered with HTTP 403 `insufficient_scope` before the tool
 * runs (RFC 6750 §3.1; MCP authorization, scope challenge handling).
 *
 * ```ts
 * @McpTool({ name: 'create-todo', description: 'Create a todo', input: CreateTodoDto })
 * @RequireScopes('create:todos')
 * create(@McpArgs() dto: CreateTodoDto, @AuthInfo() auth: McpAuthInfo) { … }
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
