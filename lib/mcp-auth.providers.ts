import { Logger, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER, ModuleRef } from '@nestjs/core';
import { McpAuthenticator } from './authentication/mcp-authenticator.js';
import { HttpExchange } from './core/http-exchange.js';
import { MCP_AUTH_CONTEXT_ENABLED, MCP_AUTH_TELEMETRY } from './core/internal-tokens.js';
import type { ResolvedResource } from './core/resolved-resource.js';
import type { TokenVerifier } from './core/token-verifier.js';
import {
  MCP_AUTH_MODULE_OPTIONS,
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
} from './core/tokens.js';
import { McpAuthContext } from './context/mcp-auth-context.js';
import { AuthorizationServerRegistry } from './discovery/authorization-server-registry.js';
import { DownstreamTokenErrorFilter } from './downstream/downstream-token-error.filter.js';
import { DownstreamTokens } from './downstream/downstream-tokens.js';
import { resolveDownstreamOptions } from './downstream/resolve-downstream-options.js';
import { McpAuthGuard } from './guard/mcp-auth.guard.js';
import { ProtectedResourceCheck } from './guard/protected-resource-check.js';
import type { McpAuthModuleOptions } from './options/mcp-auth-options.interface.js';
import { resolveOptions, type ResolvedMcpAuthOptions } from './options/resolve-options.js';
import { WellKnownRoutes } from './protected-resource/well-known-routes.js';
import { EventEmitterBridge } from './telemetry/event-emitter-bridge.js';
import { McpAuthEvents } from './telemetry/mcp-auth-events.js';
import { McpAuthHealthIndicator } from './telemetry/mcp-auth-health.indicator.js';
import { McpAuthTelemetry } from './telemetry/mcp-auth-telemetry.js';
import { ProviderHealth } from './telemetry/provider-health.js';
import { ClaimMapper } from './verification/claim-mapper.js';
import { FunctionTokenVerifier } from './verification/function-token-verifier.js';
import { IntrospectionTokenVerifier } from './verification/introspection-token-verifier.js';
import { JwtTokenVerifier } from './verification/jwt-token-verifier.js';

/** The validated options, every default applied. */
export const resolvedOptionsProvider: Provider = {
  provide: MCP_AUTH_RESOLVED_OPTIONS,
  inject: [MCP_AUTH_MODULE_OPTIONS],
  useFactory: (options: McpAuthModuleOptions) => resolveOptions(options),
};

/** The last outcome of every fetch from each authorization server (for `McpAuthHealthIndicator`). */
export const providerHealthProvider: Provider = {
  provide: ProviderHealth,
  inject: [MCP_AUTH_RESOLVED_OPTIONS],
  useFactory: (options: ResolvedMcpAuthOptions) =>
    new ProviderHealth(
      options.servers.map((s) => s.issuer),
      options.jwks.cacheMaxAge,
    ),
};

/** Where every layer reports: events, OpenTelemetry (when installed), the audit trail, the refusal limit. */
export const telemetryProvider: Provider = {
  provide: MCP_AUTH_TELEMETRY,
  inject: [MCP_AUTH_RESOLVED_OPTIONS, McpAuthEvents, ProviderHealth, HttpExchange],
  useFactory: (
    options: ResolvedMcpAuthOptions,
    events: McpAuthEvents,
    health: ProviderHealth,
    http: HttpExchange,
  ) =>
    McpAuthTelemetry.create(
      {
        openTelemetry: options.openTelemetry,
        audit: options.audit,
        refusalLimit: options.refusalLimit,
        routeOf: (req) => http.routePattern(req),
      },
      events,
      health,
    ),
};

/** Every configured authorization server's metadata (discovered eagerly or lazily). */
export const registryProvider: Provider = {
  provide: AuthorizationServerRegistry,
  inject: [MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_TELEMETRY],
  useFactory: (options: ResolvedMcpAuthOptions, telemetry: McpAuthTelemetry) =>
    new AuthorizationServerRegistry([...options.servers], {
      discovery: options.discovery,
      timeout: options.discoveryTimeout,
      requireJwksUri: options.verify === 'jwt',
      requireIntrospection:
        typeof options.verify === 'object' &&
        options.verify.introspection !== undefined &&
        options.verify.introspection.endpoint === undefined,
      logger: new Logger('McpAuthModule'),
      telemetry,
    }),
};

/** The `TokenVerifier` the `verify` option asks for: JWT (jose), introspection (RFC 7662), or the user's own. */
export const tokenVerifierProvider: Provider = {
  provide: MCP_AUTH_TOKEN_VERIFIER,
  inject: [MCP_AUTH_RESOLVED_OPTIONS, AuthorizationServerRegistry, ModuleRef, MCP_AUTH_TELEMETRY],
  useFactory: async (
    options: ResolvedMcpAuthOptions,
    registry: AuthorizationServerRegistry,
    moduleRef: ModuleRef,
    telemetry: McpAuthTelemetry,
  ): Promise<TokenVerifier> => {
    const { verify } = options;
    if (verify === 'jwt') {
      return new JwtTokenVerifier(options, registry, new ClaimMapper(options.claims), telemetry);
    }
    if (typeof verify === 'function') {
      const context = (r: ResolvedResource) => ({ resource: r.id, issuers: r.issuers });
      return new FunctionTokenVerifier((token, resource) => verify(token, context(resource)), options);
    }
    if (verify.introspection) {
      const mapper = new ClaimMapper(options.claims);
      return new IntrospectionTokenVerifier(verify.introspection, options, registry, mapper, telemetry);
    }
    // Validated: without `introspection`, `verify` is `{ verifier }` (an instance, or a class to instantiate).
    const custom = verify.verifier as TokenVerifier | Type<TokenVerifier>;
    const verifier = typeof custom === 'function' ? await moduleRef.create(custom) : custom;
    return new FunctionTokenVerifier((token, resource) => verifier.verify(token, resource), options);
  },
};

/** Whether `McpAuthContext` stores each request's caller (the `context` option). */
export const contextEnabledProvider: Provider = {
  provide: MCP_AUTH_CONTEXT_ENABLED,
  inject: [MCP_AUTH_RESOLVED_OPTIONS],
  useFactory: (options: ResolvedMcpAuthOptions) => options.context,
};

/**
 * `DownstreamTokens`, configured by the `downstream` option (a client issuer that is not configured fails the boot),
 * reporting its exchanges to the module's telemetry.
 */
export const downstreamTokensProvider: Provider = {
  provide: DownstreamTokens,
  inject: [MCP_AUTH_RESOLVED_OPTIONS, AuthorizationServerRegistry, McpAuthContext, MCP_AUTH_TELEMETRY],
  useFactory: (
    options: ResolvedMcpAuthOptions,
    registry: AuthorizationServerRegistry,
    context: McpAuthContext,
    telemetry: McpAuthTelemetry,
  ) =>
    new DownstreamTokens(resolveDownstreamOptions(options, registry.issuers), registry, context, telemetry),
};

/** `Retry-After` on a REST route's `DownstreamTokenError` `provider_unavailable` (Nest's default answer otherwise). */
export const downstreamTokenErrorFilterProvider: Provider = {
  provide: APP_FILTER,
  useClass: DownstreamTokenErrorFilter,
};

/** Every provider of `McpAuthModule`. */
export const mcpAuthProviders: Provider[] = [
  resolvedOptionsProvider,
  McpAuthEvents,
  EventEmitterBridge,
  providerHealthProvider,
  telemetryProvider,
  McpAuthHealthIndicator,
  registryProvider,
  tokenVerifierProvider,
  contextEnabledProvider,
  HttpExchange,
  McpAuthContext,
  McpAuthenticator,
  McpAuthGuard,
  WellKnownRoutes,
  ProtectedResourceCheck,
  downstreamTokensProvider,
  downstreamTokenErrorFilterProvider,
];

/** What `McpAuthModule` exports (to guards instantiated in importing modules, and to `McpServerModule`). */
export const mcpAuthExports = [
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
  AuthorizationServerRegistry,
  McpAuthContext,
  McpAuthenticator,
  McpAuthGuard,
  DownstreamTokens,
  McpAuthEvents,
  McpAuthHealthIndicator,
  MCP_AUTH_TELEMETRY,
];
