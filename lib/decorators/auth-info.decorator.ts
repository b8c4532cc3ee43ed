import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { McpAuthInfo } from '../context/mcp-auth-info.js';

/** Reads the verified caller from a request (`req.auth`, where the guard put it). */
export function authInfoFromRequest(request: unknown): McpAuthInfo | undefined {
  return (request as { auth?: McpAuthInfo } | undefined)?.auth;
}

/**
 * Injects the caller's `McpAuthInfo` into a handler parameter — `@AuthInfo() auth` — or one of its fields —
 * `@AuthInfo('subject') sub`. `undefined` on routes the guard does not protect.
 */
export const AuthInfo = createParamDecorator(
  (field: keyof McpAuthInfo | undefined, ctx: ExecutionContext) => {
    const auth = authInfoFromRequest(ctx.switchToHttp().getRequest());
    return field ? auth?.[field] : auth;
  },
);
