import { Inject, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MCP_AUTH_CONTEXT_ENABLED } from './core/internal-tokens.js';
import { McpAuthContextMiddleware } from './context/mcp-auth-context.middleware.js';
import { McpAuthConfigurableModule } from './mcp-auth.module-definition.js';
import { mcpAuthExports, mcpAuthProviders } from './mcp-auth.providers.js';

/**
 * Makes the app an OAuth 2.1 resource server for MCP: `McpAuthModule.forRoot(options)` or
 * `McpAuthModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`. Global by default
 * (`isGlobal: false` to scope it). This file only wires; the providers are in `mcp-auth.providers.ts`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: mcpAuthProviders,
  exports: mcpAuthExports,
})
export class McpAuthModule extends McpAuthConfigurableModule implements NestModule {
  constructor(@Inject(MCP_AUTH_CONTEXT_ENABLED) private readonly context: boolean) {
    super();
  }

  /** With the `context` option on, every request runs in its own `McpAuthContext` slot. */
  configure(consumer: MiddlewareConsumer): void {
    if (this.context) {
      consumer.apply(McpAuthContextMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
    }
  }
}
