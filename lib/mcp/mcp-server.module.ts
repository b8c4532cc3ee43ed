import { Inject, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HttpExchange } from '../core/http-exchange.js';
import { endpointAuthenticatorProvider } from './mcp-endpoint-auth.js';
import { McpCorsMiddleware } from './mcp-cors.middleware.js';
import { McpEndpointGuard } from './mcp-endpoint.guard.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import type { resolveRoutes } from './mcp.controller.js';
import { McpServerConfigurableModule } from './mcp-server.module-definition.js';
import { McpDispatcher } from './mcp-dispatcher.js';
import { McpHandlerDiscovery } from './mcp-handler-discovery.js';
import { McpHandlerPipeline } from './mcp-handler-pipeline.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import { protocolLineProvider } from './mcp-protocol-line.loader.js';
import { McpProtocolServerFactory } from './mcp-protocol-server.js';
import { MCP_SERVER_ROUTES } from './mcp-server.tokens.js';
import { McpSessionStore } from './mcp-session-store.js';
import { McpThrottling } from './mcp-throttling.js';
import { OriginPolicy } from './origin-policy.js';
import { SseEndpoint } from './sse-endpoint.js';
import { StreamableHttpEndpoint } from './streamable-http-endpoint.js';

/**
 * Serves MCP over the Streamable HTTP transport of the MCP SDK line the app installed (`sdk`: 2.x — MCP 2026-07-28
 * beside the older revisions — or 1.x, which also has the older HTTP+SSE transport) with the app's
 * `@McpTool`, `@McpResource` and `@McpPrompt` methods as Nest handlers: `McpServerModule.forRoot({ name, version, path: '/mcp' })` or `forRootAsync`.
 * Protected by the `McpAuthModule` it sees — the boot fails when it sees none, unless `auth: false` makes the
 * endpoints public. This file only wires.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    // Its own, for endpoints served without McpAuthModule (`auth: false`); decided from the same HttpAdapterHost.
    HttpExchange,
    endpointAuthenticatorProvider,
    protocolLineProvider,
    McpRequestBodyReader,
    McpHandlerDiscovery,
    McpHandlerRegistry,
    McpHandlerPipeline,
    McpDispatcher,
    McpProtocolServerFactory,
    McpSessionStore,
    StreamableHttpEndpoint,
    SseEndpoint,
    McpEndpointGuard,
    McpThrottling,
    OriginPolicy,
  ],
  exports: [McpHandlerRegistry, McpProtocolServerFactory],
})
export class McpServerModule extends McpServerConfigurableModule implements NestModule {
  constructor(@Inject(MCP_SERVER_ROUTES) private readonly routes: ReturnType<typeof resolveRoutes>) {
    super();
  }

  /** The Origin check and CORS run before anything else on the MCP routes, preflights included. */
  configure(consumer: MiddlewareConsumer): void {
    const { path, sse } = this.routes;
    const paths = sse ? [path, sse.ssePath, sse.messagesPath] : [path];
    consumer
      .apply(McpCorsMiddleware)
      .forRoutes(...paths.map((p) => ({ path: p, method: RequestMethod.ALL })));
  }
}
