import { Injectable, UseGuards, UseInterceptors } from '@nestjs/common';
import { z } from 'zod';
import {
  AuthInfo,
  McpArgs,
  McpPrompt,
  McpResource,
  McpTool,
  RequireScopes,
  type McpAuthInfo,
} from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'
import { CreateTodoDto } from './create-todo.dto.js';
import { TimingInterceptor } from './timing.interceptor.js';
import { TodoOwnerGuard } from './todo-owner.guard.js';
import { TodoService } from './todo.service.js';

/**
 * The todo manager's MCP tools, resource and prompt: methods of an ordinary provider, each a Nest handler — the
 * class interceptor times every call, a guard protects `delete-todo`, and each declares the scope it needs.
 */
@Injectable()
@UseInterceptors(TimingInterceptor)
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

  @McpTool({ name: 'create-todo', description: 'Create a todo', input: CreateTodoDto })
  @RequireScopes('create:todos')
  create(@McpArgs() todo: CreateTodoDto) {
    return this.todos.create(todo.content, todo.priority);
  }

  @McpTool({
    name: 'delete-todo',
    description: 'Delete one of your todos',
    input: { id: z.string().describe('The todo id') },
    annotations: { destructiveHint: true },
  })
  @RequireScopes('delete:todos')
  @UseGuards(TodoOwnerGuard)
  delete(@McpArgs('id') id: string) {
    return this.todos.delete(id);
  }

  @McpResource({
    uriTemplate: 'todo://{id}',
    name: 'todo',
    description: 'One of your todos, as JSON',
    mimeType: 'application/json',
  })
  @RequireScopes('read:todos')
  read(@McpArgs('id') id: string) {
    return this.todos.get(id);
  }

  @McpPrompt({
    name: 'summarize-todos',
    description: 'Ask the model to summarize your todos',
    arguments: { style: z.enum(['short', 'detailed']).optional().describe('short (default) or detailed') },
  })
  @RequireScopes('read:todos')
  summarize(@McpArgs('style') style: 'short' | 'detailed' = 'short') {
    const lines = this.todos.list().map((t) => `- [${t.priority}] ${t.content}`);
    return `Summarize my todos (${style}):\n${lines.join('\n') || '(none)'}`;
  }
}
