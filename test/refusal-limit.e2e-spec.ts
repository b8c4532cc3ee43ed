/**
 * Refused-token floods limited per client address (`refusalLimit`, issue 17): past `max` refused tokens in a
 * window, an address gets 429 with `Retry-After` before any verification, until the window ends; another address is
 * not affected. Requests come from two real source addresses (127.0.0.1 and 127.0.0.2). On Express and on Fastify.
 */
import type { INestApplication } from '@nestjs/common';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { McpAuthEvents, type McpAuthEvent, type McpAuthModuleOptions } from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { ADAPTERS } from './support/adapters.js';
import { createLoggedProtectedApp, type CapturingLogger } from './support/capturing-logger.js';

const RESOURCE = 'http://127.0.0.1/api';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GET `path` from the source address `from`, with `token` as bearer (if any). */
function get(port: number, from: string, token?: string, path = '/api/todos'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const req = httpRequest({ host: '127.0.0.1', port, path, localAddress: from, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(ADAPTERS)(
  'refusalLimit on %s: refused-token floods limited per client address (issue 17)',
  (adapter) => {
    let issuer: LocalIssuer;
    const started: INestApplication[] = [];
    beforeAll(async () => {
      issuer = await startLocalIssuer({ audience: RESOURCE });
    });
    afterAll(async () => {
      await Promise.all(started.map((app) => app.close()));
      await issuer?.close();
    });

    async function boot(options: Partial<McpAuthModuleOptions>) {
      const { app, logger } = await createLoggedProtectedApp(
        {
          resource: RESOURCE,
          authorizationServers: [issuer.authorizationServer],
          ...options,
        },
        adapter,
      );
      started.push(app);
      const events: McpAuthEvent[] = [];
      app.get(McpAuthEvents).subscribe((e) => events.push(e));
      await app.listen(0, '127.0.0.1');
      const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
      return { port, events, logger };
    }

    const auditLines = (logger: CapturingLogger) => logger.lines.filter((l) => l.includes('McpAuthAudit'));

    it('429 + Retry-After past max refused tokens, before verification; two addresses isolated', async () => {
      const { port, events, logger } = await boot({ refusalLimit: { max: 3, window: 60 } });
      const valid = await issuer.mint({ scopes: ['read:todos'] });
      const expired = await issuer.mint({ scopes: ['read:todos'], expiresIn: -60 });

      for (let i = 0; i < 3; i++) expect((await get(port, '127.0.0.1', expired)).status).toBe(401);
      const limited = await get(port, '127.0.0.1', expired);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers['www-authenticate']).toBeUndefined();
      expect(JSON.parse(limited.body)).toEqual({
        error: 'too_many_requests',
        error_description: expect.any(String),
      });
      // Every request of the address is refused while limited, a valid token's too (it is not verified).
      expect((await get(port, '127.0.0.1', valid)).status).toBe(429);

      // Another address is not affected.
      expect((await get(port, '127.0.0.2', valid)).status).toBe(200);
      expect((await get(port, '127.0.0.2', expired)).status).toBe(401);

      // A missing token is not a refused token: it never counts.
      for (let i = 0; i < 5; i++) expect((await get(port, '127.0.0.2')).status).toBe(401);
      expect((await get(port, '127.0.0.2', valid)).status).toBe(200);

      const rateLimited = events.filter((e) => e.type === 'mcp-auth.rate-limited');
      expect(rateLimited).toEqual([
        expect.objectContaining({
          address: '127.0.0.1',
          resource: RESOURCE,
          refusals: 3,
          retryAfter: expect.any(Number),
        }),
      ]);
      // One warn line for the address, not one per limited request; the refusals before it are audited one by one.
      const lines = auditLines(logger);
      expect(lines.filter((l) => l.includes('"event":"rate-limited"'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('ERR_RATE_LIMITED'))).toHaveLength(0);
      expect(lines.filter((l) => l.includes('"reason":"ERR_TOKEN_EXPIRED"'))).toHaveLength(4);
    });

    it('the limit ends with its window', async () => {
      const { port } = await boot({ refusalLimit: { max: 2, window: 1 } });
      const bad = 'not-a-jwt';
      expect((await get(port, '127.0.0.1', bad)).status).toBe(401);
      expect((await get(port, '127.0.0.1', bad)).status).toBe(401);
      const limited = await get(port, '127.0.0.1', bad);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await get(port, '127.0.0.1', bad)).status).toBe(401);
    });

    it('off by default: refused tokens are never limited', async () => {
      const { port } = await boot({});
      for (let i = 0; i < 30; i++) expect((await get(port, '127.0.0.1', 'not-a-jwt')).status).toBe(401);
    });
  },
);
