import {
  Inject,
  Logger,
  Module,
  RequestMethod,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { DiscoveryModule, ModulesContainer } from '@nestjs/core';
import { contextMode } from './context/context-consumers.js';
import { McpAuthContext, type McpAuthContextMode } from './context/mcp-auth-context.js';
import { McpAuthContextMiddleware } from './context/mcp-auth-context.middleware.js';
import { AuthorizationServerRegistry } from './discovery/authorization-server-registry.js';
import { McpAuthenticator } from './guard/mcp-authenticator.js';
import { McpAuthGuard } from './guard/mcp-auth.guard.js';
import { ProtectedResourceCheck } from './guard/protected-resource-check.js';
import { WellKnownRoutes } from './metadata/well-known-routes.js';
import { McpAuthConfigurableModule } from './mcp-auth.module-definition.js';
import type { McpAuthModuleOptions } from './options/mcp-auth-options.interface.js';
import { resolveOptions, type ResolvedMcpAuthOptions } from './options/resolve-options.js';
import {
  MCP_AUTH_CONTEXT,
  MCP_AUTH_CONTEXT_MODE,
  MCP_AUTH_MODULE_OPTIONS,
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
} from './options/tokens.js';
import { ClaimMapper } from './verification/claim-mapper.js';
import { FunctionTokenVerifier } from './verification/function-token-verifier.js';
import { IntrospectionTokenVerifier } from './verification/introspection-token-verifier.js';
import { JwtTokenVerifier } from './verification/jwt-token-verifier.js';

/**
 * Makes the app an OAuth 2.1 resource server for MCP: `McpAuthModule.forRoot(options)` or
 * `McpAuthModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`. Global by default
 * (`isGlobal: false` to scope it). This file only wires; see the folders for the logic.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: MCP_AUTH_RESOLVED_OPTIONS,
      inject: [MCP_AUTH_MODULE_OPTIONS],
      useFactory: (options: McpAuthModuleOptions) => resolveOptions(options),
    },
    {
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
    },
    {
      provide: MCP_AUTH_TOKEN_VERIFIER,
      inject: [MCP_AUTH_RESOLVED_OPTIONS, AuthorizationServerRegistry],
      useFactory: (options: ResolvedMcpAuthOptions, registry: AuthorizationServerRegistry) => {
        const mapper = new ClaimMapper(options.claims);
        if (options.verify === 'jwt') return new JwtTokenVerifier(options, registry, mapper);
        if (typeof options.verify === 'function') return new FunctionTokenVerifier(options.verify, options);
        return new IntrospectionTokenVerifier(options.verify.introspection, options, registry, mapper);
      },
    },
    {
      provide: MCP_AUTH_CONTEXT_MODE,
      inject: [MCP_AUTH_RESOLVED_OPTIONS, ModulesContainer],
      useFactory: (options: ResolvedMcpAuthOptions, modules: ModulesContainer) =>
        contextMode(options.context, modules, new Logger('McpAuthModule')),
    },
    McpAuthContext,
    { provide: MCP_AUTH_CONTEXT, useExisting: McpAuthContext },
    McpAuthenticator,
    McpAuthGuard,
    WellKnownRoutes,
    ProtectedResourceCheck,
  ],
  exports: [
    MCP_AUTH_RESOLVED_OPTIONS,
    MCP_AUTH_TOKEN_VERIFIER,
    AuthorizationServerRegistry,
    McpAuthContext,
    MCP_AUTH_CONTEXT,
    McpAuthenticator,
    McpAuthGuard,
  ],
})
export class McpAuthModule extends McpAuthConfigurableModule implements NestModule {
  constructor(@Inject(MCP_AUTH_CONTEXT_MODE) private readonly contextMode: McpAuthContextMode) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    if (this.contextMode === 'on') {
      consumer.apply(McpAuthContextMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
    }
  }
}
