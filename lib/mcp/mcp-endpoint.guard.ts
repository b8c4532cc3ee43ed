import { Inject, Injectable, Logger, Optional, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { McpAuthGuard } from '../guard/mcp-auth.guard.js';
import { toolsCalled } from './json-rpc-tool-calls.js';
import { McpToolRegistry } from './mcp-tool-registry.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { OriginPolicy } from './origin-policy.js';

/**
 * `McpAuthGuard` for the MCP endpoints: the scopes a request needs are those of the tools its JSON-RPC body calls,
 * so a `tools/call` the token may not make is answered with HTTP 403 `insufficient_scope` before it reaches the
 * tool — the form the SDK client's step-up acts on (R13, R14). Every request is authenticated, with or without
 * `Mcp-Session-Id` (R17). Checks `Origin` first, with `OriginPolicy` (R32). Without `McpAuthModule` the
 * endpoints are open (a warning is logged at boot).
 */
@Injectable()
export class McpEndpointGuard extends McpAuthGuard {
  constructor(
    reflector: Reflector,
    @Optional() @Inject(McpAuthenticator) authenticator: McpAuthenticator | undefined,
    private readonly tools: McpToolRegistry,
    @Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions,
    private readonly origins: OriginPolicy,
  ) {
    super(reflector, authenticator as McpAuthenticator);
    if (!authenticator) {
      new Logger('McpServerModule').warn(
        'McpAuthModule is not imported: the MCP endpoints are NOT protected',
      );
    }
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    this.origins.assertAllowed(context.switchToHttp().getRequest<IncomingMessage>());
    if (!this.authenticator) return true;
    return super.canActivate(context);
  }

  protected override getRequiredScopes(context: ExecutionContext): readonly string[] {
    const route = super.getRequiredScopes(context);
    const called = toolsCalled(context.switchToHttp().getRequest<{ body?: unknown }>().body);
    if (called.length === 0) return route;
    const scopes = new Set(route);
    for (const name of called) for (const s of this.tools.get(name)?.scopes ?? []) scopes.add(s);
    return [...scopes];
  }
}
