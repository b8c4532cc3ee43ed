import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { McpAuthContext } from '../context/mcp-auth-context.js';
import { HttpExchange } from '../core/http-exchange.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { McpAuthError } from '../core/mcp-auth.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_TOKEN_VERIFIER } from '../core/tokens.js';
import { MCP_AUTH_TELEMETRY } from '../core/internal-tokens.js';
import { McpAuthTelemetry, type DecisionRequest } from '../telemetry/mcp-auth-telemetry.js';
import { isPending, type TokenVerifier } from '../verification/token-verifier.js';
import { extractBearerToken } from './bearer-token.js';
import { asMcpAuthError, errorResponse, type AuthErrorResponse } from './error-response.js';
import { matchRouteResource, resourceSegments } from './route-resource.js';
import { missingScopes, stepUpScopes } from './scope-policy.js';

/** A request as the HTTP adapter hands it to guards (Express: the Node request; Fastify: its own request). */
/** A request as the HTTP adapter hands it to guards (Express's, or Fastify's). */
type Request = DecisionRequest & { auth?: McpAuthInfo; body?: unknown };

/**
 * The request pipeline shared by `McpAuthGuard` and the MCP endpoint: bearer extraction → verification →
 * scope policy → publication of the auth info (`req.auth`, `McpAuthContext`); failures → status + challenge.
 */
@Injectable()
export class McpAuthenticator {
  private readonly logger = new Logger('McpAuthModule');
  private readonly routeResources: ReadonlyArray<{ resource: ResolvedResource; segments: string[] }>;
  private readonly byId: ReadonlyMap<string, ResolvedResource>;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) readonly options: ResolvedMcpAuthOptions,
    @Inject(MCP_AUTH_TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly context: McpAuthContext,
    private readonly http: HttpExchange,
    @Optional() @Inject(MCP_AUTH_TELEMETRY) private readonly telemetry = McpAuthTelemetry.disabled(),
  ) {
    this.routeResources = options.resources.map((resource) => ({
      resource,
      segments: resourceSegments(resource),
    }));
    this.byId = new Map(options.resources.map((r) => [r.id, r]));
  }

  /**
   * The resource a request's route belongs to: the one named (by `@ProtectedResource`), else the one the route
   * pattern the router matched belongs to ({@link resourceForRoute}) — never the request URL, whose letter case,
   * encoding and slashes the router forgives. `McpAuthGuard` decides once per route and caches; this method does
   * not cache. Throws `McpAuthConfigError` when the route belongs to no resource.
   */
  resourceFor(req: Request, named?: string): ResolvedResource {
    return named === undefined ? this.resourceForRoute(this.routePattern(req)) : this.resourceNamed(named);
  }

  /**
   * Whether a route's pattern can change which resource it belongs to: only with several resources (with one, every
   * route belongs to it), so the guard reads the pattern — on Fastify a getter that builds an object — only then.
   */
  get resourceDependsOnRoute(): boolean {
    return this.routeResources.length > 1;
  }

  /**
   * The route pattern the router matched for a request, as the app declared it (global prefix, `RouterModule` and
   * URI-version prefixes included, in its original letter case): Express's `req.route.path`, Fastify's
   * `request.routeOptions.url`; `undefined` when the adapter does not say. Never the request URL.
   */
  routePattern(req: Request | undefined): string | undefined {
    return this.http.routePattern(req);
  }

  /**
   * The configured resource with this identifier. Throws `McpAuthConfigError` (`ERR_UNKNOWN_RESOURCE`) when there
   * is none — which boot already refuses for every `@ProtectedResource` on a controller.
   */
  resourceNamed(id: string): ResolvedResource {
    const resource = this.byId.get(id);
    if (resource) return resource;
    throw new McpAuthConfigError(
      'ERR_UNKNOWN_RESOURCE',
      `@ProtectedResource(${JSON.stringify(id)}) names no configured resource (configured: ${[...this.byId.keys()].join(', ')})`,
      { option: 'resource' },
    );
  }

  /**
   * The resource a route belongs to, from its pattern as the app declared it (global prefix and `RouterModule`
   * path included): with one resource, that one; with several, the one whose path is the longest segment-prefix
   * of the pattern, compared without regard to letter case as Express routes. Throws `McpAuthConfigError`
   * (`ERR_ROUTE_RESOURCE`) when none is (or two are) — the route is then served under no resource at all.
   */
  resourceForRoute(pattern: string | undefined): ResolvedResource {
    if (this.routeResources.length === 1) return this.routeResources[0].resource;
    const match = pattern === undefined ? undefined : matchRouteResource(this.routeResources, pattern);
    if (match?.resource) return match.resource;
    const configured = this.options.resources.map((r) => r.id).join(', ');
    const reason =
      match === undefined
        ? 'the HTTP adapter does not tell which route a request matched, so its path cannot decide'
        : match.problem === 'ambiguous'
          ? `its path is under two configured resources at the same depth (configured: ${configured})`
          : `its path is under none of the configured resources (${configured})`;
    throw new McpAuthConfigError(
      'ERR_ROUTE_RESOURCE',
      `Route ${pattern ?? '(pattern unknown)'} belongs to no protected resource: ${reason}. Name its resource with ` +
        `@ProtectedResource('<resource>') on its controller or method, or serve it under a resource's path.`,
      { option: 'resource', route: pattern },
    );
  }

  /**
   * Authenticates a request — as the HTTP adapter hands it to guards: Express's request, or Fastify's (whose Node
   * request, `request.raw`, is where the headers are counted) — for `resource` and checks `requiredScopes`; on
   * success publishes the auth info.
   * Throws (or rejects with) `McpAuthError`. Synchronous when the verifier is (a token already verified): await it.
   * Every decision is reported to the telemetry (events, metrics, audit); an address over `refusalLimit` is
   * refused (429) before its token is looked at.
   */
  authenticate(
    req: Request,
    resource: ResolvedResource,
    requiredScopes: readonly string[] = [],
  ): McpAuthInfo | Promise<McpAuthInfo> {
    const started = performance.now();
    let verified: McpAuthInfo | PromiseLike<McpAuthInfo>;
    try {
      this.telemetry.admit(req, started);
      verified = this.verifier.verify(extractBearerToken(this.http.nodeRequest(req), req.body), resource);
    } catch (error) {
      throw this.refused(req, error, resource, started);
    }
    if (isPending(verified)) {
      return Promise.resolve(verified).then(
        (auth) => this.accept(req, auth, resource, requiredScopes, started),
        (error: unknown) => {
          throw this.refused(req, error, resource, started);
        },
      );
    }
    return this.accept(req, verified, resource, requiredScopes, started);
  }

  private accept(
    req: Request,
    auth: McpAuthInfo,
    resource: ResolvedResource,
    requiredScopes: readonly string[],
    started: number,
  ): McpAuthInfo {
    try {
      this.authorize(auth, resource, requiredScopes);
    } catch (error) {
      throw this.refused(req, error, resource, started, auth);
    }
    this.publish(req, auth);
    this.telemetry.accepted(req, auth, resource, started);
    return auth;
  }

  /** `error` as an `McpAuthError`, reported to the telemetry (`auth`: the token was verified). */
  private refused(
    req: Request,
    error: unknown,
    resource: ResolvedResource,
    started: number,
    auth?: McpAuthInfo,
  ): McpAuthError {
    const failure = asMcpAuthError(error);
    this.telemetry.refused(req, failure, resource, started, auth);
    return failure;
  }

  /** Throws 403 `insufficient_scope` when `auth` lacks one of `requiredScopes` (RFC 6750 §3.1). */
  authorize(auth: McpAuthInfo, resource: ResolvedResource, requiredScopes: readonly string[]): void {
    const missing = missingScopes(auth.scopes, requiredScopes, this.options);
    if (missing.length > 0) {
      throw new McpAuthError('ERR_INSUFFICIENT_SCOPE', `The token lacks the scope(s): ${missing.join(' ')}`, {
        requiredScopes: stepUpScopes(auth.scopes, requiredScopes, resource, this.options),
      });
    }
  }

  /**
   * Makes `auth` the caller of this request: `req.auth` (`@AuthInfo()` reads it; on Fastify the Node request's
   * `auth` too, which the SDK's transports read) and `McpAuthContext` (whose slot is on the Node request).
   */
  publish(req: Request, auth: McpAuthInfo): void {
    req.auth = auth;
    const node = this.http.nodeRequest(req) as Request;
    if (node !== req) node.auth = auth;
    if (this.context.enabled) this.context.publish(node, auth);
  }

  /** Sets the headers of a refusal (`reject()`) on the response object the adapter hands to guards. */
  setHeaders(res: object, headers: Readonly<Record<string, string>>): void {
    for (const name in headers) this.http.setHeader(res, name, headers[name]);
  }

  /**
   * The answer to a refused request. The resource's `defaultScopes` and `requiredScopes` (the operation's) go
   * into 401 challenges; a 403 names the scopes chosen by the step-up strategy (MCP 2025-11-25 "Scope Challenge
   * Handling").
   */
  reject(
    error: unknown,
    resource: ResolvedResource,
    requiredScopes: readonly string[] = [],
  ): AuthErrorResponse {
    const failure = asMcpAuthError(error);
    if (failure.code === 'ERR_PROVIDER_UNAVAILABLE') {
      this.logger.warn(`${failure.message}: ${describeCause(failure.cause)}`);
    } else {
      this.logger.debug(`${failure.status} ${failure.code}: ${failure.message}`);
    }
    const scope = failure.requiredScopes ?? [...new Set([...resource.defaultScopes, ...requiredScopes])];
    return errorResponse(failure, resource, scope, this.options.retryAfter);
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return 'unknown cause';
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  return `${cause.message}${inner}`;
}
