import type { IncomingMessage } from 'node:http';
import { HttpException } from '@nestjs/common';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { OriginPolicy } from './origin-policy.js';

const server = (extra: Partial<McpServerModuleOptions> = {}): McpServerModuleOptions => ({
  name: 't',
  version: '1',
  ...extra,
});
const auth = (...ids: string[]) =>
  ({ resources: ids.map((id) => ({ id, url: new URL(id) })) }) as unknown as ResolvedMcpAuthOptions;

/** A request as the policy sees it: its `Origin` header and the local address of its socket. */
const req = (origin: string | undefined, localAddress?: string) =>
  ({
    headers: origin === undefined ? {} : { origin },
    socket: localAddress === undefined ? undefined : { localAddress },
  }) as unknown as IncomingMessage;

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(server(), auth('https://mcp.example.test/mcp'));

  it('R38: no Origin → absent (allowed): server-side clients send none', () => {
    expect(policy.decide(req(undefined, '192.0.2.2'))).toBe('absent');
  });

  it("R38: the resource's own origin, in any spelling of it", () => {
    for (const origin of [
      'https://mcp.example.test',
      'HTTPS://MCP.EXAMPLE.TEST',
      'https://mcp.example.test:443',
    ]) {
      expect(policy.decide(req(origin, '192.0.2.2'))).toBe('allowed');
    }
  });

  it('R38: loopback origins only when the socket arrived on a loopback address (IPv4, IPv6, IPv4-mapped)', () => {
    for (const local of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      for (const origin of ['http://localhost:6274', 'http://127.0.0.1:5173', 'http://[::1]']) {
        expect([local, origin, policy.decide(req(origin, local))]).toEqual([local, origin, 'allowed']);
      }
    }
    for (const local of ['192.0.2.2', 'fd00::2', '::ffff:192.0.2.2', '0.0.0.0', '::', undefined]) {
      expect([local, policy.decide(req('http://localhost:6274', local))]).toEqual([local, 'refused']);
    }
  });

  it('R32: the Host header plays no part (a DNS-rebinding attacker controls it)', () => {
    const rebinding = { headers: { origin: 'http://localhost:6274', host: 'localhost:3001' }, socket: {} };
    expect(policy.decide(rebinding as unknown as IncomingMessage)).toBe('refused');
  });

  it('R32: foreign, null and malformed origins are refused', () => {
    for (const origin of [
      'https://evil.example',
      'null',
      '',
      'https://mcp.example.test/',
      'https://a, https://b',
    ]) {
      expect(policy.decide(req(origin, '127.0.0.1'))).toBe('refused');
    }
  });

  it('R32: assertAllowed throws a 403 with a JSON-RPC body for a refused origin only', () => {
    expect(() => policy.assertAllowed(req('https://mcp.example.test'))).not.toThrow();
    try {
      policy.assertAllowed(req('https://evil.example'));
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(HttpException);
      expect((error as HttpException).getStatus()).toBe(403);
      expect((error as HttpException).getResponse()).toEqual({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Forbidden: Origin not allowed' },
        id: null,
      });
    }
  });

  it('R38: without McpAuthModule (no resource) only the configured origins and the loopback rule apply', () => {
    const bare = new OriginPolicy(server({ allowedOrigins: ['https://app.example.com'] }));
    expect(bare.decide(req('https://app.example.com', '192.0.2.2'))).toBe('allowed');
    expect(bare.decide(req('https://mcp.example.test', '192.0.2.2'))).toBe('refused');
    expect(bare.decide(req('http://localhost:6274', '127.0.0.1'))).toBe('allowed');
  });
});
