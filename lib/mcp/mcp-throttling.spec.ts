import type { ExecutionContext } from '@nestjs/common';
import { McpThrottleContext } from './mcp-throttle-context.js';
import { mcpThrottlerSkip } from './mcp-throttling.js';

class TodoTools {
  list() {
    return [];
  }
}

const contextOf = (type: string, cls: object = TodoTools) =>
  ({ getType: () => type, getClass: () => cls }) as unknown as ExecutionContext;

describe('mcpThrottlerSkip', () => {
  it("skips an MCP handler's 'mcp' context: its limit was decided on the HTTP request", () => {
    expect(mcpThrottlerSkip(contextOf('mcp'))).toBe(true);
  });

  it('does not skip other routes, nor the contexts the MCP endpoint judges its handlers with', () => {
    expect(mcpThrottlerSkip(contextOf('http'))).toBe(false);
    const http = { getArgs: () => [{ method: 'POST' }, {}, undefined] } as unknown as ExecutionContext;
    const judged = McpThrottleContext.of(http, TodoTools, TodoTools.prototype.list);
    expect(mcpThrottlerSkip(judged)).toBe(false);
    expect(judged.getClass()).toBe(TodoTools);
    expect(judged.getHandler()).toBe(TodoTools.prototype.list);
    expect(judged.getType()).toBe('http');
    expect(judged.switchToHttp().getRequest()).toEqual({ method: 'POST' });
  });
});
