import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  McpAuthModule,
  McpServerModule,
  type AuthorizationServerInput,
  type McpServerModuleOptions,
} from '../lib/index.js'; // in your app: from 'nest-mcp-auth'
import { archiveDownstream, archiveResource, type ArchiveConfig } from './archive/archive.config.js';
import { ArchiveModule } from './archive/archive.module.js';
import { ArchiveTools } from './archive/archive.tools.js';
import { HealthController } from './health/health.controller.js';
import { TodoService } from './todo/todo.service.js';
import { TodoTools } from './todo/todo.tools.js';

export const TODO_SCOPES = ['read:todos', 'create:todos', 'delete:todos'];
/** Browser origins the sample accepts by default: the MCP Inspector's web UI. */
export const SAMPLE_BROWSER_ORIGINS = ['http://localhost:6274'];

export interface SampleConfig {
  /** This MCP server's resource identifier: its public URL, e.g. https://todo.example.com/mcp. */
  resource: string;
  /** The provider that issues the access tokens. */
  authorizationServer: AuthorizationServerInput;
  /** Browser origins allowed to call /mcp besides the resource's own (and loopback ones on a loopback listener). */
  allowedOrigins?: string[];
  /** The archive API and the `export-todos` tool that calls it as the caller (sample/archive). Default: off. */
  archive?: ArchiveConfig;
  /** The MCP SDK server line (`MCP_SDK=v1|v2` for `npm run sample`). Default: auto (2.x when installed). */
  sdk?: McpServerModuleOptions['sdk'];
}

/**
 * The todo manager: McpAuthModule protects it, McpServerModule serves its tools, resource and prompt at /mcp;
 * /health/ready is its readiness endpoint (@nestjs/terminus with McpAuthHealthIndicator).
 */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        McpAuthModule.forRoot({
          resource: config.archive ? [config.resource, archiveResource(config.archive)] : config.resource,
          downstream: config.archive && archiveDownstream(config.archive),
          authorizationServers: [config.authorizationServer],
          scopesSupported: TODO_SCOPES,
          defaultScopes: ['read:todos'],
          resourceName: 'Todo manager (nest-mcp-auth sample)',
          context: true, // TodoService reads the caller through McpAuthContext
        }),
        McpServerModule.forRoot({
          name: 'todo-manager',
          version: '1.0.0',
          path: new URL(config.resource).pathname,
          allowedOrigins: config.allowedOrigins,
          sdk: config.sdk,
          instructions:
            'A todo list per user. Tools: whoami, get-todos, create-todo, delete-todo; resource todo://{id}; ' +
            'prompt summarize-todos.',
        }),
        ...(config.archive ? [ArchiveModule] : []),
        TerminusModule.forRoot(),
      ],
      controllers: [HealthController],
      providers: [TodoService, TodoTools, ...(config.archive ? [ArchiveTools] : [])],
    };
  }
}
