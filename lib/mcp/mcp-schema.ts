import type { Type } from '@nestjs/common';
import { dtoSchema } from './dto-schema.js';
import type { McpSchema, McpSchemaInput } from './mcp-schema-input.js';
import { zodSchema } from './zod-schema.js';

/** Whether `input` is a class (a DTO) rather than a zod shape or schema. */
function isClass(input: McpSchemaInput): input is Type<object> {
  return typeof input === 'function';
}

/** The schema of a handler's `input`/`output`/`arguments` option: DTO class or zod; `where` names it in errors. */
export function mcpSchema(input: McpSchemaInput, direction: 'input' | 'output', where: string): McpSchema {
  return isClass(input) ? dtoSchema(input) : zodSchema(input, direction, where);
}
