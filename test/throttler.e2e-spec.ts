/**
 * Per-caller rate limits on REST routes with `@nestjs/throttler` 6 and `mcpAuthTracker` (issue 17): the limit is
 * per verified caller (issuer + subject), not per address — two callers behind one address are isolated — and the
 * caller over the limit gets 429 with `Retry-After`. `McpAuthGuard` runs first (registered first as `APP_GUARD`),
 * so the tracker sees `req.auth`. On Express and on Fastify.
 */
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ThrottlerGuard, ThrottlerModule } from './support/nestjs-throttler.js';
import request from 'supertest';
import { McpAuthGuard, McpAuthModule, Public, RequireScopes, mcpAuthTracker } from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { ADAPTERS, createApp } from './support/adapters.js';

const RESOURCE = 'http://127.0.0.1/api';

@Controller('api')
class ReportsController {
  @Get('reports')
  @RequireScopes('read:reports')
  list() {
    return [];
  }

  @Get('status')
  @Public()
  status() {
    return { ok: true };
  }
}

describe.each(ADAPTERS)(
  '@nestjs/throttler with mcpAuthTracker on %s: per-caller limits on REST routes (issue 17)',
  (adapter) => {
    let issuer: LocalIssuer;
    let app: INestApplication;
    beforeAll(async () => {
      issuer = await startLocalIssuer({ audience: RESOURCE });
      @Module({
        imports: [
          McpAuthModule.forRoot({ resource: RESOURCE, authorizationServers: [issuer.authorizationServer] }),
          ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 2 }], getTracker: mcpAuthTracker }),
        ],
        controllers: [ReportsController],
        providers: [
          { provide: APP_GUARD, useClass: McpAuthGuard },
          { provide: APP_GUARD, useClass: ThrottlerGuard },
        ],
      })
      class AppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      app = await createApp(adapter, moduleRef);
    });
    afterAll(async () => {
      await app?.close();
      await issuer?.close();
    });

    it('a caller over its limit gets 429 + Retry-After; another caller from the same address is not limited', async () => {
      const alice = await issuer.mint({ subject: 'alice', scopes: ['read:reports'] });
      const bob = await issuer.mint({ subject: 'bob', scopes: ['read:reports'] });
      const get = (token: string) =>
        request(app.getHttpServer()).get('/api/reports').set('Authorization', `Bearer ${token}`);

      await get(alice).expect(200);
      await get(alice).expect(200);
      const limited = await get(alice);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

      // Same address, another caller: its own budget.
      await get(bob).expect(200);
      await get(bob).expect(200);
      expect((await get(bob)).status).toBe(429);

      // A new token of the same caller does not reset the budget (the key is the caller, never the token).
      const aliceAgain = await issuer.mint({ subject: 'alice', scopes: ['read:reports'] });
      expect((await get(aliceAgain)).status).toBe(429);
    });

    it('requests without a caller (public routes) are tracked by the client address', async () => {
      const status = () => request(app.getHttpServer()).get('/api/status');
      await status().expect(200);
      await status().expect(200);
      const limited = await status();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(mcpAuthTracker({ ip: '203.0.113.7' })).toBe('ip 203.0.113.7');
      expect(
        mcpAuthTracker({ auth: { issuer: 'https://idp', subject: undefined, clientId: 'svc' } as never }),
      ).toBe('client https://idp svc');
    });
  },
);
