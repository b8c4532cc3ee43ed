import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { endpointAuthenticatorProvider } from './mcp-endpoint-auth.js';
import { McpEndpointGuard } from './mcp-endpoint.guard.js';
import { McpRequestBodyReader } from './mcp-request-body-reader.js';
import { McpServerConfigurableModule } from './mcp-server.module-definition.js';
import { McpServerFactory } from './mcp-server-factory.js';
import { McpSessionStore } from './mcp-session-store.js';
import { McpToolRegistry } from './mcp-tool-registry.js';
import { SseEndpoint } from './sse-endpoint.js';
import { StreamableHttpEndpoint } from './streamable-http-endpoint.js';

/**
 * Serves MCP over the SDK's Streamable HTTP transport (and optionally the older HTTP+SSE one) with the app's
 * `@McpTool` methods as tools: `McpServerModule.forRoot({ name, version, path: '/mcp' })` or `forRootAsync`.
 * Protected by the `McpAuthModule` it sees — the boot fails when it sees none, unless `auth: false` makes the
 * endpoints public. This file only wires.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    endpointAuthenticatorProvider,
    McpRequestBodyReader,
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
