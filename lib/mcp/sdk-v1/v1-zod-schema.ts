import { McpAuthConfigError } from '../../core/mcp-auth-config.error.js';
import {
  normalizeObjectSchema,
  safeParseAsync,
  type AnySchema,
  type ZodRawShapeCompat,
} from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import type { McpSchema, McpValidation } from '../mcp-schema-input.js';
import { describeZodIssues } from '../zod-issues.js';

/**
 * A zod shape or zod object (zod 3.25+ or 4), through the MCP SDK's exported zod helpers: the JSON Schema its
 * `McpServer` would list, and zod's parse (its output is what the handler receives).
 */
export function v1ZodSchema(input: unknown, direction: 'input' | 'output', where: string): McpSchema {
  const schema = normalizeObjectSchema(input as AnySchema | ZodRawShapeCompat);
  if (!schema) {
    throw new McpAuthConfigError(
      'ERR_INVALID_HANDLER',
      `${where}: ${direction} must be a class-validator DTO class, a zod shape or a zod object`,
      { option: direction },
    );
  }
  const jsonSchema = toJsonSchemaCompat(schema, { strictUnions: true, pipeStrategy: direction });
  return {
    jsonSchema,
    async validate(value: unknown): Promise<McpValidation> {
      const result = await safeParseAsync(schema, value ?? {});
      return result.success ? { value: result.data } : { issues: describeZodIssues(result.error) };
    },
  };
}
