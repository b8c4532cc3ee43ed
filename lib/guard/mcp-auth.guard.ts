import {
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProtectedResource } from '../decorators/protected-resource.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { RequireScopes } from '../decorators/require-scopes.decorator.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import { MCP_CONTEXT_TYPE, mcpInvocationOf } from '../core/mcp-invocation.js';
import { isPending } from '../verification/token-verifier.js';
import { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { missingScopes } from '../authentication/scope-policy.js';

/** What a route's metadata says, read once per route (the Reflector is not consulted per request). */
interface RouteMetadata {
  readonly isPublic: boolean;
  readonly scopes: readonly string[];
  /** `@ProtectedResource` of the method or class. */
  readonly named?: string;
  /** The route's resource (or why it has none), by route pattern: one entry unless the handler has several paths. */
  readonly resources: Map<string | undefined, ResolvedResource | McpAuthConfigError>;
}

/**
 * Protects routes with bearer tokens from the configured authorization servers. Use it per controller or route
 * (`@UseGuards(McpAuthGuard)`) or app-wide (`{ provide: APP_GUARD, useClass: McpAuthGuard }`), with `@Public()`
 * to opt out and `@RequireScopes()` to demand scopes. On failure it answers with the RFC 6750 challenge itself.
 *
 * As a global guard it also runs for MCP tools, resources and prompts (`getType() === 'mcp'`): there the HTTP request
 * was already authenticated by the MCP endpoint (and answered 403 step-up for missing scopes before dispatch), so it
 * checks the handler's `@RequireScopes` against the caller once more (defence in depth) and otherwise lets the
 * call through to the app's own guards, which then know the caller.
 *
 * Extend it and override the protected hooks to change how a route's scopes or resource are found.
 */
@Injectable()
export class McpAuthGuard implements CanActivate {
  private static readonly logger = new Logger('McpAuthModule');
  private readonly routes = new WeakMap<object, WeakMap<object, RouteMetadata>>();
  private lastType?: object;
  private lastHandler?: object;
  private lastRoute?: RouteMetadata;

  constructor(
    protected readonly reflector: Reflector,
    protected readonly authenticator: McpAuthenticator,
  ) {}

  /** Synchronous when the token was already verified (the usual case: MCP clients resend one token). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic(context)) return true;
    if (context.getType<string>() === MCP_CONTEXT_TYPE) return this.mayInvoke(context);
    if (context.getType() !== 'http') return false;
    // The request is the first argument of an HTTP context (`switchToHttp()` would build three closures per call).
    const req = context.getArgByIndex<object>(0);
    let resource: ResolvedResource;
    try {
      resource = this.getResource(context, req);
    } catch (error) {
      // A route that belongs to no resource is served under none (never a guessed one); logged when decided.
      if (error instanceof McpAuthConfigError) return false;
      throw error;
    }
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

  /** An MCP handler: the caller (authenticated by the endpoint) must hold the handler's scopes. */
  private mayInvoke(context: ExecutionContext): true {
    const required = this.getRequiredScopes(context);
    if (required.length === 0) return true;
    const auth = mcpInvocationOf(context)?.auth;
    const missing = auth ? missingScopes(auth.scopes, required, this.authenticator.options) : required;
    if (missing.length === 0) return true;
    throw new ForbiddenException(
      `insufficient_scope: the token lacks the scope(s) ${missing.join(' ')}`,
      'insufficient_scope',
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
    this.authenticator.setHeaders(context.switchToHttp().getResponse<object>(), answer.headers);
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

  /**
   * The resource the route belongs to: `@ProtectedResource`, else the one its declared path (the pattern the
   * router matched, never the request URL) is under. Decided at the route's first request, then cached. Throws
   * `McpAuthConfigError` when the route belongs to no resource: the guard then refuses every request to it.
   */
  protected getResource(context: ExecutionContext, req: unknown): ResolvedResource {
    const route = this.routeMetadata(context);
    const pattern =
      route.named === undefined && this.authenticator.resourceDependsOnRoute
        ? this.authenticator.routePattern(req as object)
        : undefined;
    let decided = route.resources.get(pattern);
    if (decided === undefined) {
      decided = this.decideResource(context, route.named, pattern);
      route.resources.set(pattern, decided);
    }
    if (decided instanceof McpAuthConfigError) throw decided;
    return decided;
  }

  /** The first decision of a route's resource; a route with none is reported once, here. */
  private decideResource(
    context: ExecutionContext,
    named: string | undefined,
    pattern: string | undefined,
  ): ResolvedResource | McpAuthConfigError {
    try {
      return named === undefined
        ? this.authenticator.resourceForRoute(pattern)
        : this.authenticator.resourceNamed(named);
    } catch (error) {
      if (!(error instanceof McpAuthConfigError)) throw error;
      const handler = `${context.getClass().name}.${context.getHandler().name}`;
      McpAuthGuard.logger.error(`${handler}: ${error.message} Every request to it is refused (403).`);
      return error;
    }
  }

  /**
   * The route's metadata, read once per route. The last route's is kept at hand: the hooks above ask for it up to
   * three times per request, and a server mostly answers one route after another (two WeakMap lookups each
   * otherwise).
   */
  private routeMetadata(context: ExecutionContext): RouteMetadata {
    const type = context.getClass();
    const handler = context.getHandler();
    if (handler === this.lastHandler && type === this.lastType) return this.lastRoute!;
    let byHandler = this.routes.get(type);
    if (!byHandler) this.routes.set(type, (byHandler = new WeakMap()));
    let route = byHandler.get(handler);
    if (!route) {
      const targets = [handler, type];
      route = {
        isPublic: !!this.reflector.getAllAndOverride(Public.KEY, targets),
        scopes: [...new Set(this.reflector.getAllAndMerge(RequireScopes.KEY, targets) ?? [])],
        named: this.reflector.getAllAndOverride(ProtectedResource.KEY, targets),
        resources: new Map(),
      };
      byHandler.set(handler, route);
    }
    this.lastType = type;
    this.lastHandler = handler;
    this.lastRoute = route;
    return route;
  }
}
