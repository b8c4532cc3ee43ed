import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { ProtectedResource } from '../decorators/protected-resource.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { RequireScopes } from '../decorators/require-scopes.decorator.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import { isPending } from '../verification/token-verifier.js';
import { McpAuthenticator } from '../authentication/mcp-authenticator.js';

/** What a route's metadata says, read once per route (the Reflector is not consulted per request). */
interface RouteMetadata {
  readonly isPublic: boolean;
  readonly scopes: readonly string[];
  readonly resource?: string;
}

/**
 * Protects routes with bearer tokens from the configured authorization servers. Use it per controller or route
 * (`@UseGuards(McpAuthGuard)`) or app-wide (`{ provide: APP_GUARD, useClass: McpAuthGuard }`), with `@Public()`
 * to opt out and `@RequireScopes()` to demand scopes. On failure it answers with the RFC 6750 challenge itself.
 *
 * Extend it and override the protected hooks to change how a route's scopes or resource are found.
 */
@Injectable()
export class McpAuthGuard implements CanActivate {
  private readonly routes = new WeakMap<object, WeakMap<object, RouteMetadata>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly authenticator: McpAuthenticator,
  ) {}

  /** Synchronous when the token was already verified (the usual case: MCP clients resend one token). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic(context)) return true;
    if (context.getType() !== 'http') return false;
    const req = context.switchToHttp().getRequest();
    const resource = this.getResource(context, req);
    const required = this.getRequiredScopes(context);
    let authenticated: McpAuthInfo | Promise<McpAuthInfo>;
    try {
      authenticated = this.authenticator.authenticate(req, resource, required);
    } catch (error) {
      return this.refuse(error, context, resource, required);
    }
    if (!isPending(authenticated)) return true;
    return authenticated.then(
      () => true,
      (error: unknown) => this.refuse(error, context, resource, required),
    );
  }

  /** Answers a refused request: the challenge headers on the response, the status and body as an HttpException. */
  private refuse(
    error: unknown,
    context: ExecutionContext,
    resource: ResolvedResource,
    required: readonly string[],
  ): never {
    const answer = this.authenticator.reject(error, resource, required);
    const res = context.switchToHttp().getResponse<ServerResponse>();
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    throw new HttpException(answer.body, answer.status);
  }

  /** True when the handler or its class is marked `@Public()`. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.routeMetadata(context).isPublic;
  }

  /** The scopes the route needs: `@RequireScopes` of the class and of the method, merged. */
  protected getRequiredScopes(context: ExecutionContext): readonly string[] {
    return this.routeMetadata(context).scopes;
  }

  /** The resource the route belongs to (`@ProtectedResource`, else by request path). */
  protected getResource(context: ExecutionContext, req: unknown): ResolvedResource {
    return this.authenticator.resourceFor(req as never, this.routeMetadata(context).resource);
  }

  private routeMetadata(context: ExecutionContext): RouteMetadata {
    const type = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.routes.get(type);
    if (!byHandler) this.routes.set(type, (byHandler = new WeakMap()));
    let route = byHandler.get(handler);
    if (!route) {
      const targets = [handler, type];
      route = {
        isPublic: !!this.reflector.getAllAndOverride(Public.KEY, targets),
        scopes: [...new Set(this.reflector.getAllAndMerge(RequireScopes.KEY, targets) ?? [])],
        resource: this.reflector.getAllAndOverride(ProtectedResource.KEY, targets),
      };
      byHandler.set(handler, route);
    }
    return route;
  }
}
