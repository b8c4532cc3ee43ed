import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { McpAuthContext } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'

export interface Todo {
  id: string;
  content: string;
  priority: 'low' | 'normal' | 'high';
  owner: string;
  createdAt: string;
}

/**
 * An in-memory todo store. Every todo belongs to the caller who created it; the caller is read through
 * McpAuthContext, so this singleton needs no request scope and no auth parameter.
 */
@Injectable()
export class TodoService {
  private readonly todos: Todo[] = [];

  constructor(private readonly auth: McpAuthContext) {}

  private get owner(): string {
    return this.auth.require().subject ?? this.auth.require().clientId;
  }

  list(): Todo[] {
    const owner = this.owner;
    return this.todos.filter((t) => t.owner === owner);
  }

  /** The todo `id`, whoever owns it (for the owner guard). */
  find(id: string): Todo | undefined {
    return this.todos.find((t) => t.id === id);
  }

  /** One of the caller's todos. */
  get(id: string): Todo {
    const todo = this.todos.find((t) => t.id === id && t.owner === this.owner);
    if (!todo) throw new NotFoundException(`No todo ${id} of yours`);
    return todo;
  }

  create(content: string, priority: Todo['priority'] = 'normal'): Todo {
    const todo = {
      id: randomUUID(),
      content,
      priority,
      owner: this.owner,
      createdAt: new Date().toISOString(),
    };
    this.todos.push(todo);
    return todo;
  }

  delete(id: string): Todo {
    const index = this.todos.findIndex((t) => t.id === id && t.owner === this.owner);
    if (index < 0) throw new NotFoundException(`No todo ${id} of yours`);
    return this.todos.splice(index, 1)[0];
  }
}
