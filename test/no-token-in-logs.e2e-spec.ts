import { Test } from '@nestjs/testing';
import request from 'supertest';
import { McpAuthModule } from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { ProtectedFeatureModule } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';

describe('tokens never reach a log or an error body', () => {
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: RESOURCE });
  });
  afterAll(() => issuer.close());

  it('R24, R25: valid, invalid, expired, wrong-audience and outage requests: no token in any log line or body', async () => {
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [issuer.authorizationServer],
          tokenCache: false,
          jwks: { cooldown: 0, cacheMaxAge: 1 },
        }),
        ProtectedFeatureModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger });
    app.useLogger(logger);
    await app.init();
    try {
      const server = app.getHttpServer();
      const tokens = [
        await issuer.mint({ scopes: ['read:todos'] }),
        await issuer.mint({ scopes: ['read:todos'], expiresIn: -60 }),
        await issuer.mint({ scopes: ['read:todos'], audience: 'https://elsewhere.example' }),
        await issuer.mint({ scopes: [] }),
        `${(await issuer.mint()).slice(0, -6)}AAAAAA`,
      ];
      const bodies: string[] = [];
      for (const token of tokens) {
        bodies.push((await request(server).get('/api/todos').set('Authorization', `Bearer ${token}`)).text);
      }
      issuer.setDown(true);
      await new Promise((r) => setTimeout(r, 20));
      const outage = await request(server)
        .get('/api/todos')
        .set('Authorization', `Bearer ${await issuer.mint({ header: { kid: 'new-key' } })}`);
      expect(outage.status).toBe(503);
      bodies.push(outage.text);
      issuer.setDown(false);

      // It did log: the rejections (debug) and the outage (warn).
      expect(logger.lines.some((l) => l.includes('ERR_TOKEN_EXPIRED'))).toBe(true);
      expect(logger.lines.some((l) => /unavailable/i.test(l))).toBe(true);
      const everything = [...logger.lines, ...bodies].join('\n');
      for (const token of tokens) {
        for (const segment of token.split('.')) expect(everything).not.toContain(segment);
      }
    } finally {
      await app.close();
    }
  });
});
