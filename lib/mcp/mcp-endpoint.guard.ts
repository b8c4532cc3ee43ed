import { HttpException, Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { HttpExchange } from '../core/http-exchange.js';
import { McpAuthGuard } from '../guard/mcp-auth.guard.js';
import { jsonRpcError } from './json-rpc-error.js';
import { handlersInvoked } from './json-rpc-invocations.js';
import type { McpEndpointAuthenticator } from './mcp-endpoint-auth.js';
import { McpRequestBodyError } from './mcp-request-body.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import { MCP_ENDPOINT_AUTHENTICATOR } from './mcp-server.tokens.js';
import { OriginPolicy } from './origin-policy.js';

/**
 * `McpAuthGuard` for the MCP endpoints: the scopes a request needs are those of the handlers its JSON-RPC body
 * invokes (`tools/call`, `resources/read`, `prompts/get`), so a call the token may not make is answered with HTTP
 * 403 `insufficient_scope` before it reaches the handler — the form the SDK client's step-up acts on (R13, R14,
 * R41). The body judged is the one the SDK transport then
 * dispatches (`McpRequestBodyReader`: one parse, whether or not Nest parsed it). Every request is authenticated,
 * with or without `Mcp-Session-Id` (R17). Checks `Origin` first, with `OriginPolicy` (R32, R38). It has no
 * authenticator only when the app chose `auth: false` (see `endpointAuthenticator`).
 */
@Injectable()
export class McpEndpointGuard extends McpAuthGuard {
  constructor(
    reflector: Reflector,
    @Inject(MCP_ENDPOINT_AUTHENTICATOR) authenticator: McpEndpointAuthenticator,
    private readonly handlers: McpHandlerRegistry,
    private readonly bodies: McpRequestBodyReader,
    private readonly origins: OriginPolicy,
    private readonly http: HttpExchange,
  ) {
    super(reflector, authenticator as McpAuthenticator);
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // As the adapter hands it: Express's request, or Fastify's (its Node request is `request.raw`).
    const req = context.switchToHttp().getRequest<object>();
    this.origins.assertAllowed(this.http.nodeRequest(req));
    const method = this.http.nodeRequest(req).method;
    if (!this.authenticator && method !== 'POST') return true;
    let body: unknown;
    try {
      // Read even when the endpoint is public: the transport then gets this very outcome.
      body = method === 'POST' ? this.bodies.read(req) : undefined;
    } catch (error) {
      return refuseBody(error);
    }
    if (!(body instanceof Promise)) return this.authenticate(context);
    return body.then(() => this.authenticate(context), refuseBody);
  }

  /** McpAuthGuard's decision, or `true` on an endpoint the app made public (`auth: false`). */
  private authenticate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.authenticator ? super.canActivate(context) : true;
  }

  protected override getRequiredScopes(context: ExecutionContext): readonly string[] {
    const route = super.getRequiredScopes(context);
    const invoked = handlersInvoked(this.bodies.parsed(context.switchToHttp().getRequest<object>()));
    if (invoked.length === 0) return route;
    const scopes = new Set(route);
    for (const target of invoked) for (const s of this.handlers.target(target)?.scopes ?? []) scopes.add(s);
    return [...scopes];
  }
}

/** A body that is not a JSON-RPC payload: 415, 413 or 400 with a JSON-RPC error, before authentication. */
function refuseBody(error: unknown): never {
  if (!(error instanceof McpRequestBodyError)) throw error;
  throw new HttpException(jsonRpcError(error.rpcCode, error.message), error.status);
}
