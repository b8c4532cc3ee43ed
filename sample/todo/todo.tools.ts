import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuthInfo, McpTool, RequireScopes, type McpAuthInfo } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'
import { TodoService } from './todo.service.js';

/** The todo manager's MCP tools: methods of an ordinary provider, each with the scope it needs. */
@Injectable()
export class TodoTools {
  constructor(private readonly todos: TodoService) {}

  @McpTool({
    name: 'whoami',
    description: 'Who is calling: subject, client, scopes',
    annotations: { readOnlyHint: true },
  })
  whoami(@AuthInfo() auth: McpAuthInfo) {
    return { subject: auth.subject, clientId: auth.clientId, issuer: auth.issuer, scopes: auth.scopes };
  }

  @McpTool({ name: 'get-todos', description: 'List your todos', annotations: { readOnlyHint: true } })
  @RequireScopes('read:todos')
  list() {
    return { todos: this.todos.list() };
  }

  @McpTool({
    name: 'create-todo',
    description: 'Create a todo',
    input: { content: z.string().min(1).max(500).describe('What to do') },
  })
  @RequireScopes('create:todos')
  create({ content }: { content: string }) {
    return this.todos.create(content);
  }

  @McpTool({
    name: 'delete-todo',
    description: 'Delete one of your todos',
    input: { id: z.string().describe('The todo id') },
    annotations: { destructiveHint: true },
  })
  @RequireScopes('delete:todos')
  delete({ id }: { id: string }) {
    return this.todos.delete(id);
  }
}
