import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import {
  normalizeObjectSchema,
  safeParseAsync,
  type AnySchema,
  type ZodRawShapeCompat,
} from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import type { McpSchema, McpValidation } from './mcp-schema-input.js';

interface ZodIssueLike {
  path?: ReadonlyArray<PropertyKey>;
  code?: string;
  message?: string;
}

/** One line per zod issue: `path (code): message`. */
function describeIssues(error: unknown): string[] {
  const issues = (error as { issues?: ZodIssueLike[] } | undefined)?.issues ?? [];
  if (issues.length === 0) return ['(arguments): invalid'];
  return issues.map((issue) => {
    const path = (issue.path ?? []).map(String).join('.') || '(arguments)';
    return `${path} (${issue.code ?? 'invalid'}): ${issue.message ?? 'invalid'}`;
  });
}

/**
 * A zod shape or zod object (zod 3.25+ or 4), through the MCP SDK's exported zod helpers: the JSON Schema its
 * `McpServer` would list, and zod's parse (its output is what the handler receives).
 */
export function zodSchema(input: unknown, direction: 'input' | 'output', where: string): McpSchema {
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
      return result.success ? { value: result.data } : { issues: describeIssues(result.error) };
    },
  };
}
