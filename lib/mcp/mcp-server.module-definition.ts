import { ConfigurableModuleBuilder, RequestMethod } from '@nestjs/common';
import { routeResourceCheck, type KnownRoute } from '../guard/route-resource-check.js';
import { createMcpController, resolveRoutes } from './mcp.controller.js';
import { MCP_SERVER_CONTROLLER, MCP_SERVER_MODULE_OPTIONS, MCP_SERVER_ROUTES } from './mcp-server.tokens.js';
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
  .setExtras<McpServerRoutes>({ path: '/mcp', sse: false }, (definition, routes) => {
    const controller = createMcpController(routes);
    return {
      ...definition,
      controllers: [...(definition.controllers ?? []), controller],
      providers: [
        ...(definition.providers ?? []),
        routeResourceCheck('McpServerModule', endpoints(routes)),
        { provide: MCP_SERVER_ROUTES, useValue: resolveRoutes(routes) },
        { provide: MCP_SERVER_CONTROLLER, useValue: controller },
      ],
    };
  })
  .build();

/** The MCP endpoints' routes, for the boot check that each belongs to a protected resource (by path). */
function endpoints(routes: McpServerRoutes): KnownRoute[] {
  const { path, sse } = resolveRoutes(routes);
  const all: KnownRoute[] = [RequestMethod.POST, RequestMethod.GET, RequestMethod.DELETE].map((method) => ({
    method,
    path,
  }));
  if (sse)
    all.push(
      { method: RequestMethod.GET, path: sse.ssePath },
      { method: RequestMethod.POST, path: sse.messagesPath },
    );
  return all;
}

/** For `forRootAsync({ useClass })`: a provider class that builds the options. */
export interface McpServerOptionsFactory {
  createMcpServerOptions(): McpServerModuleOptions | Promise<McpServerModuleOptions>;
}
