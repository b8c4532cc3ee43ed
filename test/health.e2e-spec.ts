/**
 * `McpAuthHealthIndicator` with `@nestjs/terminus` 12 (issue 17): a readiness endpoint is healthy while the provider
 * is, unhealthy (503) once a fetch from it fails, and healthy again when a later fetch succeeds.
 */
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { McpAuthHealthIndicator, McpAuthModule, Public } from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { ProtectedFeatureModule } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mcpAuth: McpAuthHealthIndicator,
  ) {}

  @Get('ready')
  @Public()
  @HealthCheck()
  ready() {
    return this.health.check([() => this.mcpAuth.isHealthy('mcp-auth')]);
  }
}

describe('McpAuthHealthIndicator with @nestjs/terminus (issue 17)', () => {
  let issuer: LocalIssuer;
  let app: INestApplication;
  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: RESOURCE });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [issuer.authorizationServer],
          jwks: { cooldown: 0 },
          audit: false,
        }),
        ProtectedFeatureModule,
      ],
      controllers: [HealthController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  const ready = () => request(app.getHttpServer()).get('/health/ready');
  const todos = (token: string) =>
    request(app.getHttpServer()).get('/api/todos').set('Authorization', `Bearer ${token}`);

  it('healthy → provider down → unhealthy (503) → recovered → healthy', async () => {
    await todos(await issuer.mint({ scopes: ['read:todos'] })).expect(200);
    const healthy = await ready();
    expect(healthy.status).toBe(200);
    expect(healthy.body.status).toBe('ok');
    expect(healthy.body.info['mcp-auth'].issuers[issuer.issuer]).toMatchObject({
      status: 'up',
      metadata: true,
      keysFresh: true,
      discovery: { outcome: 'ok' },
      jwks: { outcome: 'ok' },
    });

    // A new key while the provider is down: the key set fetch fails.
    const kid = await issuer.addKey();
    const token = await issuer.mint({ scopes: ['read:todos'], header: { kid } });
    issuer.setDown(true);
    await todos(token).expect(503);
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.error['mcp-auth']).toMatchObject({
      status: 'down',
      issuers: {
        [issuer.issuer]: { status: 'down', jwks: { outcome: 'failed', reason: expect.any(String) } },
      },
    });

    issuer.setDown(false);
    await todos(token).expect(200);
    const recovered = await ready();
    expect(recovered.status).toBe(200);
    expect(recovered.body.info['mcp-auth'].issuers[issuer.issuer].jwks.outcome).toBe('ok');
  });
});
