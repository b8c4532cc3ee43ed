import { Module, type DynamicModule } from '@nestjs/common';
import { McpAuthModule, McpServerModule, type AuthorizationServerInput } from '../lib/index.js'; // in your app: from 'nest-mcp-auth'
import { archiveDownstream, archiveResource, type ArchiveConfig } from './archive/archive.config.js';
import { ArchiveModule } from './archive/archive.module.js';
import { ArchiveTools } from './archive/archive.tools.js';
import { TodoService } from './todo/todo.service.js';
import { TodoTools } from './todo/todo.tools.js';

export const TODO_SCOPES = ['read:todos', 'create:todos', 'delete:todos'];

export interface SampleConfig {
  /** This MCP server's resource identifier: its public URL, e.g. https://todo.example.com/mcp. */
  resource: string;
  /** The provider that issues the access tokens. */
  authorizationServer: AuthorizationServerInput;
  /** The archive API and the `export-todos` tool that calls it as the caller (sample/archive). Default: off. */
  archive?: ArchiveConfig;
}

/** The todo manager: McpAuthModule protects it, McpServerModule serves the tools at /mcp. */
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
        }),
        McpServerModule.forRoot({
          name: 'todo-manager',
          version: '1.0.0',
          path: new URL(config.resource).pathname,
          instructions: 'A todo list per user. Tools: whoami, get-todos, create-todo, delete-todo.',
        }),
        ...(config.archive ? [ArchiveModule] : []),
      ],
      providers: [TodoService, TodoTools, ...(config.archive ? [ArchiveTools] : [])],
    };
  }
}
