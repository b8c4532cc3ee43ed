import { Injectable } from '@nestjs/common';
import { AuthInfo, DownstreamTokens, McpTool, RequireScopes, type McpAuthInfo } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'
import { TodoService } from '../todo/todo.service.js';
import type { ArchiveExport } from './archive.service.js';

/** A tool that calls the archive API as the caller: the caller's token is exchanged, never forwarded. */
@Injectable()
export class ArchiveTools {
  constructor(
    private readonly todos: TodoService,
    private readonly downstream: DownstreamTokens,
  ) {}

  @McpTool({
    name: 'export-todos',
    description: 'Export your todos to the archive API (called as you, with a token for the archive)',
  })
  @RequireScopes('read:todos')
  async export(@AuthInfo() auth: McpAuthInfo): Promise<{ exported: number; archive: ArchiveExport }> {
    const items = this.todos.list();
    const response = await this.downstream.fetch(
      'archive',
      'exports',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) },
      auth,
    );
    if (!response.ok) throw new Error(`The archive API answered HTTP ${response.status}`);
    return { exported: items.length, archive: (await response.json()) as ArchiveExport };
  }
}
