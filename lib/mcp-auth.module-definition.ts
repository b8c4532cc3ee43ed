import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { McpAuthModuleOptions } from './options/mcp-auth-options.interface.js';
import { MCP_AUTH_MODULE_OPTIONS } from './core/tokens.js';

export const {
  ConfigurableModuleClass: McpAuthConfigurableModule,
  OPTIONS_TYPE: MCP_AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MCP_AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<McpAuthModuleOptions>({
  moduleName: 'McpAuth',
  optionsInjectionToken: MCP_AUTH_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createMcpAuthOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** For `forRootAsync({ useClass })`: a provider class that builds the options. */
export interface McpAuthOptionsFactory {
  createMcpAuthOptions(): McpAuthModuleOptions | Promise<McpAuthModuleOptions>;
}
