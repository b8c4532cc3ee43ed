import { HttpException, Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import type { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { McpAuthGuard } from '../guard/mcp-auth.guard.js';
import { jsonRpcError } from './json-rpc-error.js';
import { handlersInvoked, HEADER_MISMATCH, headerMismatch } from './json-rpc-invocations.js';
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
 * authenticator only when the app chose `auth: false` (see `endpointAuthenticator`). Before authentication, the
 * `Mcp-Method` / `Mcp-Name` headers must agree with that same body (MCP 2026-07-28): else HTTP 400, JSON-RPC
 * `-32020` `HeaderMismatch` — so the headers a proxy routes or rate-limits on, the scope decision and the dispatch
 * name the same call.
 */
@Injectable()
export class McpEndpointGuard extends McpAuthGuard {
  constructor(
    reflector: Reflector,
    @Inject(MCP_ENDPOINT_AUTHENTICATOR) authenticator: McpEndpointAuthenticator,
    private readonly handlers: McpHandlerRegistry,
    private readonly bodies: McpRequestBodyReader,
    private readonly origins: OriginPolicy,
  ) {
    super(reflector, authenticator as McpAuthenticator);
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    this.origins.assertAllowed(req);
    if (req.method !== 'POST') return this.authenticate(context);
    let body: unknown;
    try {
      body = this.bodies.read(req);
    } catch (error) {
      return refuseBody(error);
    }
    if (!(body instanceof Promise)) return this.judge(context, req, body);
    return body.then((parsed) => this.judge(context, req, parsed), refuseBody);
  }

  private judge(context: ExecutionContext, req: IncomingMessage, body: unknown): boolean | Promise<boolean> {
    const mismatch = headerMismatch(body, req.headers);
    if (mismatch) {
      const message = `Bad Request: the request headers and body disagree: ${mismatch}`;
      throw new HttpException(jsonRpcError(HEADER_MISMATCH, message), 400);
    }
    return this.authenticate(context);
  }

  private authenticate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.authenticator ? super.canActivate(context) : true;
  }

  protected override getRequiredScopes(context: ExecutionContext): readonly string[] {
    const route = super.getRequiredScopes(context);
    const invoked = handlersInvoked(this.bodies.parsed(context.switchToHttp().getRequest<IncomingMessage>()));
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
