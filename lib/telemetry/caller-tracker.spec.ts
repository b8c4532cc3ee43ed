import type { ExecutionContext } from '@nestjs/common';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { mcpAuthTracker } from './caller-tracker.js';

const alice = { issuer: 'https://idp', subject: 'alice', clientId: 'cli' } as McpAuthInfo;

/** An `ExecutionContext` of `type` whose arguments are `args` (what the tracker reads of one). */
const contextOf = (type: string, args: unknown[]) =>
  ({ getType: () => type, getArgByIndex: (i: number) => args[i] }) as unknown as ExecutionContext;

describe('mcpAuthTracker', () => {
  it('keys an HTTP request by its verified caller, else its client, else its address', () => {
    expect(mcpAuthTracker({ auth: alice })).toBe('sub https://idp alice');
    expect(mcpAuthTracker({ auth: { ...alice, subject: undefined } as never })).toBe(
      'client https://idp cli',
    );
    expect(mcpAuthTracker({ ip: '203.0.113.7' }, contextOf('http', []))).toBe('ip 203.0.113.7');
  });

  it("in an MCP handler's 'mcp' context: the invocation's caller, never the arguments the client chose", () => {
    const forged = { auth: { issuer: 'https://idp', subject: 'victim' } as McpAuthInfo };
    const invocation = { auth: alice, request: { ip: '198.51.100.1' } };
    expect(mcpAuthTracker(forged, contextOf('mcp', [forged, {}, invocation]))).toBe('sub https://idp alice');
    const anonymous = { request: { ip: '198.51.100.1' } };
    expect(mcpAuthTracker(forged, contextOf('mcp', [forged, {}, anonymous]))).toBe('ip 198.51.100.1');
    expect(mcpAuthTracker({ ip: '203.0.113.7' }, contextOf('mcp', [{}, {}, undefined]))).toBe('ip unknown');
  });
});
