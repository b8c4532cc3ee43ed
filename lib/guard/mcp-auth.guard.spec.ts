import { ForbiddenException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { McpInvocation } from '../core/mcp-invocation.js';
import { RequireScopes } from '../decorators/require-scopes.decorator.js';
import { McpAuthGuard } from './mcp-auth.guard.js';

class Tools {
  @RequireScopes('write')
  write() {}
  open() {}
}

const authenticator = { options: { scopeHierarchy: new Map() } } as unknown as McpAuthenticator;
const guard = new McpAuthGuard(new Reflector(), authenticator);

/** The 'mcp' execution context of `Tools[method]` called by a caller holding `scopes`. */
function mcpContext(method: 'write' | 'open', scopes?: string[]): ExecutionContext {
  const auth = scopes && ({ scopes } as McpAuthInfo);
  const invocation = { kind: 'tool', name: method, args: {}, auth } as unknown as McpInvocation;
  return {
    getType: () => 'mcp',
    getArgByIndex: (i: number) => [{}, {}, invocation][i],
    getClass: () => Tools,
    getHandler: () => Tools.prototype[method],
  } as unknown as ExecutionContext;
}

describe("McpAuthGuard in the 'mcp' context (as APP_GUARD)", () => {
  it('R40: lets a handler run for a caller holding its scopes, and one without scopes for anyone', () => {
    expect(guard.canActivate(mcpContext('write', ['read', 'write']))).toBe(true);
    expect(guard.canActivate(mcpContext('open', []))).toBe(true);
    expect(guard.canActivate(mcpContext('open'))).toBe(true);
  });

  it('R34, R40: refuses a caller without the handler’s scopes (defence in depth), naming them', () => {
    expect(() => guard.canActivate(mcpContext('write', ['read']))).toThrow(ForbiddenException);
    expect(() => guard.canActivate(mcpContext('write'))).toThrow(
      /insufficient_scope: the token lacks the scope\(s\) write/,
    );
  });
});
