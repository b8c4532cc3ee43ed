import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { MCP_CONTEXT_TYPE, mcpInvocationOf } from '../core/mcp-invocation.js';

/** Reads the verified caller from a request (`req.auth`, where the guard put it). */
export function authInfoFromRequest(request: unknown): McpAuthInfo | undefined {
  return (request as { auth?: McpAuthInfo } | undefined)?.auth;
}

/** The caller of any execution context: an MCP handler's invocation, else the HTTP request's `auth`. */
export function authInfoOf(context: ExecutionContext): McpAuthInfo | undefined {
  if (context.getType<string>() === MCP_CONTEXT_TYPE) return mcpInvocationOf(context)?.auth;
  if (context.getType() !== 'http') return undefined;
  return authInfoFromRequest(context.getArgByIndex(0)); // the HTTP request, without switchToHttp()'s closures
}

/**
 * Injects the caller's `McpAuthInfo` into a handler parameter — `@AuthInfo() auth` — or one of its fields —
 * `@AuthInfo('subject') sub`. Works on controller routes and on `@McpTool`, `@McpResource` and `@McpPrompt`
 * methods (`ExecutionContext.getType()` `'http'` or `'mcp'`). `undefined` where no token was verified (a
 * `@Public()` route, an MCP endpoint with `auth: false`).
 */
export const AuthInfo: (field?: keyof McpAuthInfo) => ParameterDecorator = createParamDecorator(
  (field: keyof McpAuthInfo | undefined, context: ExecutionContext) => {
    const auth = authInfoOf(context);
    return field ? auth?.[field] : auth;
  },
);
