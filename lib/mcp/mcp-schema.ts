import type { Type } from '@nestjs/common';
import { dtoSchema } from './dto-schema.js';
import type { McpSchema, McpSchemaInput } from './mcp-schema-input.js';
import type { UriTemplateClass } from './resource-uri.js';

/** Reads a zod shape or zod object: the SDK line in use provides it (`McpProtocolLine.zodSchema`). */
export type ZodSchemaReader = (input: unknown, direction: 'input' | 'output', where: string) => McpSchema;

/** What reading handler declarations takes from the SDK line in use (part of `McpProtocolLine`). */
export interface McpSchemaSupport {
  /** The SDK's RFC 6570 `UriTemplate` (resource templates). */
  readonly UriTemplate: UriTemplateClass;
  /** zod shapes and objects, as this line's SDK reads them. */
  readonly zodSchema: ZodSchemaReader;
}

/** Whether `input` is a class (a DTO) rather than a zod shape or schema. */
function isClass(input: McpSchemaInput): input is Type<object> {
  return typeof input === 'function';
}

/** The schema of a handler's `input`/`output`/`arguments` option: DTO class or zod; `where` names it in errors. */
export function mcpSchema(
  input: McpSchemaInput,
  direction: 'input' | 'output',
  where: string,
  zod: ZodSchemaReader,
): McpSchema {
  return isClass(input) ? dtoSchema(input) : zod(input, direction, where);
}
