import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { McpEndpointGuard } from './mcp-endpoint.guard.js';
import { McpServerConfigurableModule } from './mcp-server.module-definition.js';
import { McpServerFactory } from './mcp-server-factory.js';
import { McpSessionStore } from './mcp-session-store.js';
import { McpToolRegistry } from './mcp-tool-registry.js';
import { SseEndpoint } from './sse-endpoint.js';
import { StreamableHttpEndpoint } from './streamable-http-endpoint.js';

/**
 * Serves MCP over the SDK's Streamable HTTP transport (and optionally the older HTTP+SSE one) with the app's
 * `@McpTool` methods as tools: `McpServerModule.forRoot({ name, version, path: '/mcp' })` or `forRootAsync`.
 * Protected by `McpAuthModule` when it is present. This file only wires.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    McpToolRegistry,
    McpServerFactory,
    McpSessionStore,
    StreamableHttpEndpoint,
    SseEndpoint,
    McpEndpointGuard,
  ],
  exports: [McpToolRegistry, McpServerFactory],
})
export class McpServerModule extends McpServerConfigurableModule {}
