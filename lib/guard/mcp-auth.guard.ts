import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { ProtectedResource } from '../decorators/protected-resource.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { RequireScopes } from '../decorators/require-scopes.decorator.js';
import type { ResolvedResource } from '../options/resolve-options.js';
import { McpAuthenticator } from './mcp-authenticator.js';

/**
 * Protects routes with bearer tokens from the configured authorization servers. Use it per controller or route
 * (`@UseGuards(McpAuthGuard)`) or app-wide (`{ provide: APP_GUARD, useClass: McpAuthGuard }`), with `@Public()`
 * to opt out and `@RequireScopes()` to demand scopes. On failure it answers with the RFC 6750 challenge itself.
 *
 * Extend it and override the protected hooks to change how a route's scopes or resource are found.
 */
@Injectable()
export class McpAuthGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly authenticator: McpAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true;
    if (context.getType() !== 'http') return false;
    const http = context.switchToHttp();
    const req = http.getRequest();
    const resource = this.getResource(context, req);
    const required = this.getRequiredScopes(context);
    try {
      await this.authenticator.authenticate(req, resource, required);
      return true;
    } catch (error) {
      const answer = this.authenticator.reject(error, resource, required);
      const res = http.getResponse<ServerResponse>();
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      throw new HttpException(answer.body, answer.status);
    }
  }

  /** True when the handler or its class is marked `@Public()`. */
  protected isPublic(context: ExecutionContext): boolean {
    return !!this.reflector.getAllAndOverride(Public.KEY, [context.getHandler(), context.getClass()]);
  }

  /** The scopes the route needs: `@RequireScopes` of the class and of the method, merged. */
  protected getRequiredScopes(context: ExecutionContext): string[] {
    const scopes = this.reflector.getAllAndMerge(RequireScopes.KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    return [...new Set(scopes ?? [])];
  }

  /** The resource the route belongs to (`@ProtectedResource`, else by request path). */
  protected getResource(context: ExecutionContext, req: unknown): ResolvedResource {
    const named = this.reflector.getAllAndOverride(ProtectedResource.KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    return this.authenticator.resourceFor(req as never, named);
  }
}
