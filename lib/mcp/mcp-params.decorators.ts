import {
  assignMetadata,
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import type { ExternalContextCreator } from '@nestjs/core';
import { mcpInvocationOf, type McpInvocation } from '../core/mcp-invocation.js';

/**
 * The metadata key Nest's parameter decorators record under (`ROUTE_ARGS_METADATA`). Nest exports it only from an
 * internal entry point; `@nestjs/graphql` defines its own constant with the same value, and so do we.
 */
export const MCP_ROUTE_ARGS_METADATA = '__routeArguments__';

/**
 * The parameter type of `@McpArgs()`: Nest's `RouteParamtypes.BODY`, so that pipes see `metadata.type === 'body'`
 * and an app-wide `ValidationPipe` validates the arguments as it validates `@Body()` (as `@nestjs/graphql`'s
 * `@Args()` does).
 */
const ARGS_PARAM_TYPE = 3;

/** `ExternalContextCreator`'s params factory type (not exported by name from `@nestjs/core`'s public entry). */
type ParamsFactory = NonNullable<Parameters<ExternalContextCreator['create']>[4]>;

/**
 * The values of `@McpArgs()` parameters, for `ExternalContextCreator`: the handler is called with
 * `(args, extra, invocation)`.
 */
export const mcpParamsFactory: ParamsFactory = {
  exchangeKeyForValue(type: number, data: unknown, args: unknown[]) {
    if (type !== ARGS_PARAM_TYPE) return undefined;
    const value = args[0] as Record<string, unknown> | undefined;
    return typeof data === 'string' ? value?.[data] : value;
  },
};

/**
 * Injects an MCP handler's validated arguments, whole (`@McpArgs() dto: CreateTodoDto`) or one field
 * (`@McpArgs('id') id: string`): a tool's or a prompt's arguments (the DTO instance or zod's output), a resource
 * template's URI variables. Pipes see it as `'body'` — an app-wide `ValidationPipe` applies, as to `@Body()` — and
 * extra pipes may follow the field: `@McpArgs('count', ParseIntPipe)`.
 */
export function McpArgs(
  field?: string,
  ...pipes: Array<Type<PipeTransform> | PipeTransform>
): ParameterDecorator {
  return (target, key, index) => {
    if (key === undefined) throw new TypeError('@McpArgs() decorates a method parameter');
    const owner = target.constructor;
    const args = Reflect.getMetadata(MCP_ROUTE_ARGS_METADATA, owner, key) as object | undefined;
    Reflect.defineMetadata(
      MCP_ROUTE_ARGS_METADATA,
      assignMetadata(args ?? {}, ARGS_PARAM_TYPE, index, field, ...pipes),
      owner,
      key,
    );
  };
}

const invocation = (context: ExecutionContext) => mcpInvocationOf(context);

/**
 * Injects the MCP SDK's request `extra` of the call: the abort `signal`, `sessionId`, `requestId`,
 * `_meta?.progressToken`, `sendNotification` (progress, logging) and `sendRequest`.
 */
export const McpExtra: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => invocation(context)?.extra,
);

/** Injects the URI a `@McpResource` handler is reading, as a `URL`. */
export const McpUri: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => invocation(context)?.uri,
);

/** Injects the whole invocation: kind, name, URI, arguments, extra, caller and HTTP request. */
export const McpCall: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): McpInvocation | undefined => invocation(context),
);
