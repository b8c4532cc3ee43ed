import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { McpExecutionContext } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'
import { TodoService } from './todo.service.js';

/** Only the owner of a todo may act on it: a Nest guard reading the tool's arguments and the caller. */
@Injectable()
export class TodoOwnerGuard implements CanActivate {
  constructor(private readonly todos: TodoService) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<string>() !== 'mcp') return true;
    const mcp = McpExecutionContext.create(context);
    const todo = this.todos.find(mcp.getArgs<{ id: string }>().id);
    if (!todo) return true; // the tool answers that there is no such todo
    const caller = mcp.getAuthInfo();
    if (todo.owner !== (caller?.subject ?? caller?.clientId)) {
      throw new ForbiddenException(`Only the owner of todo ${todo.id} may delete it`);
    }
    return true;
  }
}
