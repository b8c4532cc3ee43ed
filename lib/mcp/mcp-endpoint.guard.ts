import type { IncomingMessage } from 'node:http';
import { HttpException, Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { HttpExchange } from '../core/http-exchange.js';
import { RequestSlot } from '../core/request-slot.js';
import { McpAuthGuard } from '../guard/mcp-auth.guard.js';
import { reportInvocation } from '../telemetry/mcp-invocation-site.js';
import { jsonRpcError } from './json-rpc-error.js';
import { handlersInvoked, HEADER_MISMATCH, headerMismatch } from './json-rpc-invocations.js';
import type { McpHandler } from './mcp-handler.js';
import type { McpEndpointAuthenticator } from './mcp-endpoint-auth.js';
import { McpRequestBodyError } from './mcp-request-body.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import { MCP_ENDPOINT_AUTHENTICATOR } from './mcp-server.tokens.js';
import { McpThrottling } from './mcp-throttling.js';
import { OriginPolicy } from './origin-policy.js';

/**
 * `McpAuthGuard` for the MCP endpoints: the scopes a request needs are those of the handlers its JSON-RPC body
 * invokes (`tools/call`, `resources/read`, `prompts/get`), so a call the token may not make is answered with HTTP
 * 403 `insufficient_scope` before it reaches the handler — the form the SDK client's step-up acts on (RFC 6750 §3.1;
 * MCP authorization, "Scope Challenge Handling"). The body judged is the one the SDK transport then
 * dispatches (`McpRequestBodyReader`: one parse, whether or not Nest parsed it). Every request is authenticated,
 * with or without `Mcp-Session-Id` (a session id is never a credential: MCP security best practices, "Session
 * Hijacking"). Checks `Origin` first, with `OriginPolicy` (MCP transports, Streamable HTTP "Security Warning":
 * DNS rebinding). It has no authenticator only when the app chose `auth: false` (see `endpointAuthenticator`).
 * Before authentication, the `Mcp-Method` / `Mcp-Name` headers must agree with that same body (MCP 2026-07-28):
 * else HTTP 400, JSON-RPC `-32020` `HeaderMismatch` — so the headers a proxy routes or rate-limits on, the scope
 * decision and the dispatch name the same call.
 */
@Injectable()
export class McpEndpointGuard extends McpAuthGuard {
  private readonly invocations = new RequestSlot<readonly McpHandler[]>('handlers');

  constructor(
    reflector: Reflector,
    @Inject(MCP_ENDPOINT_AUTHENTICATOR) authenticator: McpEndpointAuthenticator,
    private readonly handlers: McpHandlerRegistry,
    private readonly bodies: McpRequestBodyReader,
    private readonly origins: OriginPolicy,
    private readonly throttling: McpThrottling,
    private readonly http: HttpExchange,
  ) {
    super(reflector, authenticator as McpAuthenticator);
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // As the adapter hands it (Express's request, or Fastify's, whose Node request is `request.raw`), read as the
    // context's first argument: `switchToHttp()` would build three closures per call.
    const req = context.getArgByIndex<object>(0);
    const node = this.http.nodeRequest(req);
    this.origins.assertAllowed(node);
    if (node.method !== 'POST') return this.decide(context);
    let body: unknown;
    try {
      // Read even when the endpoint is public: the transport then gets this very outcome (one parse).
      body = this.bodies.read(req);
    } catch (error) {
      return refuseBody(error);
    }
    if (!(body instanceof Promise)) return this.judge(context, node, body);
    return body.then((parsed) => this.judge(context, node, parsed), refuseBody);
  }

  /** `Mcp-Method` / `Mcp-Name` against the parsed body (400 `-32020` on a mismatch), then `decide`. */
  private judge(context: ExecutionContext, req: IncomingMessage, body: unknown): boolean | Promise<boolean> {
    const mismatch = headerMismatch(body, req.headers);
    if (mismatch) {
      const message = `Bad Request: the request headers and body disagree: ${mismatch}`;
      throw new HttpException(jsonRpcError(HEADER_MISMATCH, message), 400);
    }
    return this.decide(context);
  }

  /** Authentication and scopes (`McpAuthGuard`), then the rate limits of the invoked handlers (`throttler`). */
  private decide(context: ExecutionContext): boolean | Promise<boolean> {
    const authenticated = this.authenticator ? super.canActivate(context) : true;
    if (!this.throttling.enabled) return authenticated;
    const throttle = (ok: boolean) => ok && this.throttling.check(context, this.invoked(context));
    return authenticated instanceof Promise ? authenticated.then(throttle) : throttle(authenticated);
  }

  protected override getRequiredScopes(context: ExecutionContext): readonly string[] {
    const route = super.getRequiredScopes(context);
    const invoked = this.invoked(context);
    if (invoked.length === 0) return route;
    if (invoked.length === 1 && route.length === 0) return invoked[0].scopes; // the usual call: nothing to merge
    const scopes = new Set(route);
    for (const handler of invoked) for (const s of handler.scopes) scopes.add(s);
    return [...scopes];
  }

  /**
   * The handlers the request's JSON-RPC body invokes (names no handler serves are left to the dispatch), read
   * once per request; also named to the telemetry, so the decision reported says which.
   */
  private invoked(context: ExecutionContext): readonly McpHandler[] {
    const req = context.getArgByIndex<object>(0);
    let handlers = this.invocations.get(req);
    if (handlers === undefined) {
      const found = new Set<McpHandler>();
      for (const target of handlersInvoked(this.bodies.parsed(req))) {
        const handler = this.handlers.target(target);
        if (handler !== undefined) found.add(handler);
      }
      handlers = [...found];
      this.invocations.set(req, handlers);
      reportInvocation(req, describeInvocation(handlers));
    }
    return handlers;
  }
}

/** The JSON-RPC method of each kind of handler. */
const CALL_METHOD = { tool: 'tools/call', resource: 'resources/read', prompt: 'prompts/get' } as const;

/** Each handler's description, built at its first call (not on every request). */
const descriptions = new WeakMap<McpHandler, string>();

/** `tools/call delete-todo`: a handler by its registered name (never a URI read). */
function describeHandler(handler: McpHandler): string {
  let description = descriptions.get(handler);
  if (description === undefined) {
    description = `${CALL_METHOD[handler.kind]} ${handler.name}`;
    descriptions.set(handler, description);
  }
  return description;
}

/** `tools/call delete-todo, prompts/get summarize`: the handlers a request invokes. */
function describeInvocation(handlers: readonly McpHandler[]): string | undefined {
  if (handlers.length === 0) return undefined;
  return handlers.length === 1 ? describeHandler(handlers[0]) : handlers.map(describeHandler).join(', ');
}

/** A body that is not a JSON-RPC payload: 415, 413 or 400 with a JSON-RPC error, before authentication. */
function refuseBody(error: unknown): never {
  if (!(error instanceof McpRequestBodyError)) throw error;
  throw new HttpException(jsonRpcError(error.rpcCode, error.message), error.status);
}
