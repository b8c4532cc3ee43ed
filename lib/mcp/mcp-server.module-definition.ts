import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createMcpController } from './mcp.controller.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions, McpServerRoutes } from './mcp-server-options.interface.js';

export const {
  ConfigurableModuleClass: McpServerConfigurableModule,
  OPTIONS_TYPE: MCP_SERVER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MCP_SERVER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<McpServerModuleOptions>({
  moduleName: 'McpServer',
  optionsInjectionToken: MCP_SERVER_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createMcpServerOptions')
  .setExtras<McpServerRoutes>({ path: '/mcp', sse: false }, (definition, routes) => ({
    ...definition,
    controllers: [...(definition.controllers ?? []), createMcpController(routes)],
  }))
  .build();

/** For `forRootAsync({ useClass })`: a provider class that builds the options. */
export interface McpServerOptionsFactory {
  createMcpServerOptions(): McpServerModuleOptions | Promise<McpServerModuleOptions>;
}
