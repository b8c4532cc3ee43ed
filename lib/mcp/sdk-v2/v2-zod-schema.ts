import * as z from 'zod/v4-mini';
import { McpAuthConfigError } from '../../core/mcp-auth-config.error.js';
import type { McpSchema, McpValidation } from '../mcp-schema-input.js';
import { describeZodIssues } from '../zod-issues.js';

type ZodV4 = z.core.$ZodType;

const isZodV4 = (value: unknown): value is ZodV4 =>
  typeof value === 'object' && value !== null && '_zod' in value;

/** A zod 4 object schema from a zod 4 object, or from a shape whose every value is a zod 4 schema. */
function objectSchema(input: unknown): ZodV4 | undefined {
  // zod 4's classes check their traits on `instanceof`: an object of `zod`, `zod/v4` or `zod/mini` alike.
  if (isZodV4(input)) return input instanceof z.core.$ZodObject ? input : undefined;
  if (typeof input !== 'object' || input === null || '_def' in input) return undefined;
  const values = Object.values(input);
  if (values.length === 0 || !values.every(isZodV4)) return undefined;
  return z.object(input as Record<string, ZodV4>);
}

/**
 * A zod shape or zod object as the SDK 2.x line takes them — zod 4 (`zod` 4, or `zod/v4` of zod 3.25): the JSON
 * Schema listed (draft-07, the input or output view, as the 1.x line lists zod 4 schemas) and zod's async parse
 * (its output is what the handler receives). A zod 3 schema fails the boot: only the 1.x line reads those.
 */
export function v2ZodSchema(input: unknown, direction: 'input' | 'output', where: string): McpSchema {
  const schema = objectSchema(input);
  if (!schema) {
    const zod3 = typeof input === 'object' && input !== null && '_def' in input;
    throw new McpAuthConfigError(
      'ERR_INVALID_HANDLER',
      `${where}: ${direction} must be a class-validator DTO class, a zod shape or a zod object` +
        (zod3
          ? " (zod 4 on the MCP SDK 2.x line: import from 'zod' 4 or 'zod/v4'; zod 3 needs sdk: 'v1')"
          : ''),
      { option: direction },
    );
  }
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7', io: direction }) as Record<string, unknown>;
  return {
    jsonSchema,
    async validate(value: unknown): Promise<McpValidation> {
      const result = await z.safeParseAsync(schema, value ?? {});
      return result.success ? { value: result.data } : { issues: describeZodIssues(result.error) };
    },
  };
}
