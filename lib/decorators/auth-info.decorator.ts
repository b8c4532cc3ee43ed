import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';

/** Where `@AuthInfo()` parameters are recorded, for handlers Nest does not call itself (MCP tools). */
const AUTH_INFO_PARAMS = Symbol.for('nest-mcp-auth:AUTH_INFO_PARAMS');

/** An `@AuthInfo()` parameter: its position and the field it asks for. */
export interface AuthInfoParam {
  index: number;
  field?: keyof McpAuthInfo;
}

/** Reads the verified caller from a request (`req.auth`, where the guard put it). */
export function authInfoFromRequest(request: unknown): McpAuthInfo | undefined {
  return (request as { auth?: McpAuthInfo } | undefined)?.auth;
}

/** The `@AuthInfo()` parameters of a method. */
export function authInfoParams(prototype: object, method: string | symbol): readonly AuthInfoParam[] {
  return (Reflect.getMetadata(AUTH_INFO_PARAMS, prototype, method) as AuthInfoParam[] | undefined) ?? [];
}

/** The whole auth info, or one of its fields. */
export function pickAuthInfo(auth: McpAuthInfo | undefined, field?: keyof McpAuthInfo): unknown {
  return field ? auth?.[field] : auth;
}

const RouteAuthInfo = createParamDecorator((field: keyof McpAuthInfo | undefined, ctx: ExecutionContext) =>
  pickAuthInfo(authInfoFromRequest(ctx.switchToHttp().getRequest()), field),
);

/**
 * Injects the caller's `McpAuthInfo` into a handler parameter — `@AuthInfo() auth` — or one of its fields —
 * `@AuthInfo('subject') sub`. Works on controller routes and on `@McpTool` methods. `undefined` where no
 * token was verified (a `@Public()` route, an unprotected MCP server).
 */
export function AuthInfo(field?: keyof McpAuthInfo): ParameterDecorator {
  return (target, key, index) => {
    RouteAuthInfo(field)(target, key, index);
    if (key === undefined) return;
    const params = [...authInfoParams(target, key), { index, field }];
    Reflect.defineMetadata(AUTH_INFO_PARAMS, params, target, key);
  };
}
