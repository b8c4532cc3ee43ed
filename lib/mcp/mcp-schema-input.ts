import type { Type } from '@nestjs/common';
import type { ZodRawShape, ZodTypeAny } from 'zod';

/**
 * The arguments (or structured output) of an MCP handler: a zod shape (`{ content: z.string() }`), a zod object,
 * or a class-validator DTO class (`CreateTodoDto`). Its JSON Schema is what the lists show; arguments are
 * validated against it before the handler's pipeline runs, whether or not the app has a `ValidationPipe`.
 */
export type McpSchemaInput = ZodRawShape | ZodTypeAny | Type<object>;

/** The outcome of validating arguments: the value the handler receives, or one line per field and constraint. */
export type McpValidation = { readonly value: unknown } | { readonly issues: readonly string[] };

/** A handler's arguments (or output) schema, whatever it was declared with. */
export interface McpSchema {
  /** The JSON Schema the lists show (an object schema, self-contained). */
  readonly jsonSchema: Record<string, unknown>;
  /** Validates (and, for DTOs and zod, transforms) a value. Never throws for invalid input. */
  validate(value: unknown): Promise<McpValidation>;
}

/** The object schema of a handler that declared no arguments. */
export const EMPTY_OBJECT_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze({
  type: 'object',
  properties: {},
});

/** Whether a validation failed. */
export function isInvalid(result: McpValidation): result is { readonly issues: readonly string[] } {
  return 'issues' in result;
}
