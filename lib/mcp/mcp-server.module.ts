import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { endpointAuthenticatorProvider } from './mcp-endpoint-auth.js';
import { McpEndpointGuard } from './mcp-endpoint.guard.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { McpServerConfigurableModule } from './mcp-server.module-definition.js';
import { McpDispatcher } from './mcp-dispatcher.js';
import { McpHandlerDiscovery } from './mcp-handler-discovery.js';
import { McpHandlerPipeline } from './mcp-handler-pipeline.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import { McpHttpRequests } from './mcp-http-requests.js';
import { McpProtocolServerFactory } from './mcp-protocol-server.js';
import { McpSessionStore } from './mcp-session-store.js';
import { SseEndpoint } from './sse-endpoint.js';
import { StreamableHttpEndpoint } from './streamable-http-endpoint.js';

/**
 * Serves MCP over the SDK's Streamable HTTP transport (and optionally the older HTTP+SSE one) with the app's
 * `@McpTool`, `@McpResource` and `@McpPrompt` methods as Nest handlers: `McpServerModule.forRoot({ name, version, path: '/mcp' })` or `forRootAsync`.
 * Protected by the `McpAuthModule` it sees — the boot fails when it sees none, unless `auth: false` makes the
 * endpoints public. This file only wires.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    endpointAuthenticatorProvider,
    McpRequestBodyReader,
    McpHandlerDiscovery,
    McpHandlerRegistry,
    McpHandlerPipeline,
    McpHttpRequests,
    McpDispatcher,
    McpProtocolServerFactory,
    McpSessionStore,
    StreamableHttpEndpoint,
    SseEndpoint,
    McpEndpointGuard,
  ],
  exports: [McpHandlerRegistry, McpProtocolServerFactory],
})
export class McpServerModule extends McpServerConfigurableModule {}
