import { Logger, type Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { McpAuthenticator } from './authentication/mcp-authenticator.js';
import { MCP_AUTH_CONTEXT, MCP_AUTH_CONTEXT_MODE } from './core/internal-tokens.js';
import {
  MCP_AUTH_MODULE_OPTIONS,
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
} from './core/tokens.js';
import { contextMode } from './context/context-consumers.js';
import { McpAuthContext } from './context/mcp-auth-context.js';
import { AuthorizationServerRegistry } from './discovery/authorization-server-registry.js';
import { DownstreamTokens } from './downstream/downstream-tokens.js';
import { resolveDownstreamOptions } from './downstream/resolve-downstream-options.js';
import { McpAuthGuard } from './guard/mcp-auth.guard.js';
import { ProtectedResourceCheck } from './guard/protected-resource-check.js';
import type { McpAuthModuleOptions } from './options/mcp-auth-options.interface.js';
import { resolveOptions, type ResolvedMcpAuthOptions } from './options/resolve-options.js';
import { WellKnownRoutes } from './protected-resource/well-known-routes.js';
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

/** Every configured authorization server's metadata (discovered eagerly or lazily). */
export const registryProvider: Provider = {
  provide: AuthorizationServerRegistry,
  inject: [MCP_AUTH_RESOLVED_OPTIONS],
  useFactory: (options: ResolvedMcpAuthOptions) =>
    new AuthorizationServerRegistry([...options.servers], {
      discovery: options.discovery,
      timeout: options.discoveryTimeout,
      requireJwksUri: options.verify === 'jwt',
      requireIntrospection:
        typeof options.verify === 'object' && options.verify.introspection.endpoint === undefined,
      logger: new Logger('McpAuthModule'),
    }),
};

/** The `TokenVerifier` the `verify` option asks for: JWT (jose), introspection (RFC 7662) or a function. */
export const tokenVerifierProvider: Provider = {
  provide: MCP_AUTH_TOKEN_VERIFIER,
  inject: [MCP_AUTH_RESOLVED_OPTIONS, AuthorizationServerRegistry],
  useFactory: (options: ResolvedMcpAuthOptions, registry: AuthorizationServerRegistry) => {
    const mapper = new ClaimMapper(options.claims);
    if (options.verify === 'jwt') return new JwtTokenVerifier(options, registry, mapper);
    if (typeof options.verify === 'function') return new FunctionTokenVerifier(options.verify, options);
    return new IntrospectionTokenVerifier(options.verify.introspection, options, registry, mapper);
  },
};

/** Whether `McpAuthContext` stores the caller (the `context` option, decided at boot). */
export const contextModeProvider: Provider = {
  provide: MCP_AUTH_CONTEXT_MODE,
  inject: [MCP_AUTH_RESOLVED_OPTIONS, ModulesContainer],
  useFactory: (options: ResolvedMcpAuthOptions, modules: ModulesContainer) =>
    contextMode(options.context, modules, new Logger('McpAuthModule')),
};

/** `DownstreamTokens`, configured by the `downstream` option (validated here: a bad option fails the boot). */
export const downstreamTokensProvider: Provider = {
  provide: DownstreamTokens,
  inject: [MCP_AUTH_MODULE_OPTIONS, AuthorizationServerRegistry, MCP_AUTH_CONTEXT],
  useFactory: (
    options: McpAuthModuleOptions,
    registry: AuthorizationServerRegistry,
    context: McpAuthContext,
  ) =>
    new DownstreamTokens(resolveDownstreamOptions(options.downstream, registry.issuers), registry, context),
};

/** Every provider of `McpAuthModule`. */
export const mcpAuthProviders: Provider[] = [
  resolvedOptionsProvider,
  registryProvider,
  tokenVerifierProvider,
  contextModeProvider,
  McpAuthContext,
  { provide: MCP_AUTH_CONTEXT, useExisting: McpAuthContext },
  McpAuthenticator,
  McpAuthGuard,
  WellKnownRoutes,
  ProtectedResourceCheck,
  downstreamTokensProvider,
];

/** What `McpAuthModule` exports (to guards instantiated in importing modules, and to `McpServerModule`). */
export const mcpAuthExports = [
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
  AuthorizationServerRegistry,
  McpAuthContext,
  MCP_AUTH_CONTEXT,
  McpAuthenticator,
  McpAuthGuard,
  DownstreamTokens,
];
