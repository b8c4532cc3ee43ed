import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { validate, type ValidationError } from 'class-validator';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { McpSchema, McpValidation } from './mcp-schema-input.js';

const DEFS = '#/$defs/';
const OPTIONS = { refPointerPrefix: DEFS, classTransformerMetadataStorage: defaultMetadataStorage };

/** `class-validator-jsonschema`'s schema of `type`, with the classes it references (nested DTOs) under `$defs`. */
function jsonSchemaOf(type: Type<object>): Record<string, unknown> {
  const root = targetConstructorToSchema(type, OPTIONS) as Record<string, unknown>;
  const all = validationMetadatasToSchemas(OPTIONS) as Record<string, Record<string, unknown>>;
  const defs: Record<string, unknown> = {};
  const pending = [root];
  while (pending.length > 0) {
    const text = JSON.stringify(pending.pop());
    for (const [, name] of text.matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)) {
      if (defs[name] || !all[name]) continue;
      defs[name] = all[name];
      pending.push(all[name]);
    }
  }
  const schema = { type: 'object', properties: {}, ...root };
  return Object.keys(defs).length > 0 ? { ...schema, $defs: defs } : schema;
}

/** One line per failed constraint, nested properties by their path: `tags.0.name (isLength): …`. */
function describeErrors(errors: readonly ValidationError[], parent = ''): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      lines.push(`${path} (${constraint}): ${message}`);
    }
    if (error.children?.length) lines.push(...describeErrors(error.children, path));
  }
  return lines;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A class-validator DTO: JSON Schema by `class-validator-jsonschema`, validation by class-transformer's
 * `plainToInstance` and class-validator's `validate` (unknown properties stripped: `whitelist`). The handler
 * receives the DTO instance.
 */
export function dtoSchema(type: Type<object>): McpSchema {
  return {
    jsonSchema: jsonSchemaOf(type),
    async validate(value: unknown): Promise<McpValidation> {
      const plain = value ?? {};
      if (!isPlainObject(plain))
        return { issues: ['(arguments) (isObject): the arguments must be an object'] };
      const instance = plainToInstance(type, plain);
      const errors = await validate(instance, {
        whitelist: true,
        forbidUnknownValues: true,
        validationError: { target: false, value: false },
      });
      return errors.length > 0 ? { issues: describeErrors(errors) } : { value: instance };
    },
  };
}
