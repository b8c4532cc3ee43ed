import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { McpAuthContext } from '../context/mcp-auth-context.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { McpAuthError } from '../core/mcp-auth.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_TOKEN_VERIFIER } from '../core/tokens.js';
import { isPending, type TokenVerifier } from '../verification/token-verifier.js';
import { extractBearerToken } from './bearer-token.js';
import { asMcpAuthError, errorResponse, type AuthErrorResponse } from './error-response.js';
import { missingScopes, stepUpScopes } from './scope-policy.js';

type Request = IncomingMessage & { auth?: McpAuthInfo; path?: string; query?: unknown; body?: unknown };

/**
 * The request pipeline shared by `McpAuthGuard` and the MCP endpoint: bearer extraction → verification →
 * scope policy → publication of the auth info (`req.auth`, `McpAuthContext`); failures → status + challenge.
 */
@Injectable()
export class McpAuthenticator {
  private readonly logger = new Logger('McpAuthModule');
  private readonly byPathLength: readonly ResolvedResource[];
  private readonly byId: ReadonlyMap<string, ResolvedResource>;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) readonly options: ResolvedMcpAuthOptions,
    @Inject(MCP_AUTH_TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly context: McpAuthContext,
  ) {
    this.byPathLength = [...options.resources].sort((a, b) => b.path.length - a.path.length);
    this.byId = new Map(options.resources.map((r) => [r.id, r]));
  }

  /**
   * The resource a request belongs to: the one named (by `@ProtectedResource`), else the one whose path is the
   * longest prefix of the request path, else the first configured.
   */
  resourceFor(req: Request, named?: string): ResolvedResource {
    if (named !== undefined) {
      const resource = this.byId.get(named);
      if (!resource) {
        throw new McpAuthConfigError(
          'ERR_UNKNOWN_RESOURCE',
          `@ProtectedResource(${JSON.stringify(named)}): not a configured resource (configured: ${[...this.byId.keys()].join(', ')})`,
          { option: 'resource' },
        );
      }
      return resource;
    }
    if (this.byPathLength.length === 1) return this.byPathLength[0];
    const path = req.path ?? (req.url ?? '/').split('?', 1)[0];
    for (const r of this.byPathLength) {
      if (path === r.path || path.startsWith(`${r.path}/`) || r.path === '') return r;
    }
    return this.options.resources[0];
  }

  /**
   * Authenticates a request for `resource` and checks `requiredScopes`; on success publishes the auth info.
   * Throws (or rejects with) `McpAuthError`. Synchronous when the verifier is (a token already verified): await it.
   */
  authenticate(
    req: Request,
    resource: ResolvedResource,
    requiredScopes: readonly string[] = [],
  ): McpAuthInfo | Promise<McpAuthInfo> {
    const token = extractBearerToken(req);
    let verified: McpAuthInfo | PromiseLike<McpAuthInfo>;
    try {
      verified = this.verifier.verify(token, resource);
    } catch (error) {
      throw asMcpAuthError(error);
    }
    if (isPending(verified)) {
      return Promise.resolve(verified).then(
        (auth) => this.accept(req, auth, resource, requiredScopes),
        (error: unknown) => {
          throw asMcpAuthError(error);
        },
      );
    }
    return this.accept(req, verified, resource, requiredScopes);
  }

  private accept(
    req: Request,
    auth: McpAuthInfo,
    resource: ResolvedResource,
    requiredScopes: readonly string[],
  ): McpAuthInfo {
    this.authorize(auth, resource, requiredScopes);
    this.publish(req, auth);
    return auth;
  }

  /** Throws 403 `insufficient_scope` when `auth` lacks one of `requiredScopes` (R13). */
  authorize(auth: McpAuthInfo, resource: ResolvedResource, requiredScopes: readonly string[]): void {
    const missing = missingScopes(auth.scopes, requiredScopes, this.options);
    if (missing.length > 0) {
      throw new McpAuthError('ERR_INSUFFICIENT_SCOPE', `The token lacks the scope(s): ${missing.join(' ')}`, {
        requiredScopes: stepUpScopes(auth.scopes, requiredScopes, resource, this.options),
      });
    }
  }

  /** Makes `auth` the caller of this request: `req.auth` (the SDK's transports read it) and `McpAuthContext`. */
  publish(req: Request, auth: McpAuthInfo): void {
    req.auth = auth;
    if (this.context.enabled) this.context.publish(req, auth);
  }

  /**
   * The answer to a refused request. The resource's `defaultScopes` and `requiredScopes` (the operation's) go
   * into 401 challenges (R9); a 403 names the scopes chosen by the step-up strategy (R13).
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
