import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { McpAuthConfigError, type McpAuthModuleOptions } from '../lib/index.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { createProtectedApp } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';
const OTHER = 'http://127.0.0.1/other';
const CLIENT = { clientId: 'app', clientSecret: 'app-secret-0123456789abcdef' };
const RS = { clientId: 'rs', clientSecret: 'rs-secret-0123456789abcdef' };
const RS_POST = { clientId: 'rs-post', clientSecret: 'rs-post-secret-0123456789ab' };

describe('opaque tokens by RFC 7662 introspection, against oidc-provider', () => {
  let provider: TestProvider;
  const apps: INestApplication[] = [];
  const boot = async (
    extra: Partial<McpAuthModuleOptions> = {},
    introspection: Record<string, unknown> = {},
  ) => {
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
      verify: { introspection: { ...RS, ...introspection } },
      context: true,
      ...extra,
    } as McpAuthModuleOptions);
    apps.push(app);
    return app;
  };
  const opaque = (scope = 'read:todos', resource = RESOURCE) =>
    provider.clientCredentialsToken({ ...CLIENT, scope, resource });
  const introspections = () => provider.requestCount('/token/introspection');

  beforeAll(async () => {
    provider = await startTestProvider({
      resources: {
        [RESOURCE]: { scopes: ['read:todos', 'create:todos'], accessTokenFormat: 'opaque' },
        [OTHER]: { scopes: ['read:todos'], accessTokenFormat: 'opaque' },
      },
      clients: [CLIENT, RS, { ...RS_POST, tokenEndpointAuthMethod: 'client_secret_post' }],
    });
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await provider?.close();
  });

  it('an active opaque token → 200 with the caller from the introspection response', async () => {
    const app = await boot();
    const token = await opaque();
    expect(token.split('.')).toHaveLength(1); // opaque, not a JWT
    const res = await request(app.getHttpServer())
      .get('/api/todos')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.body.scopes).toEqual(['read:todos']);
    const me = await request(app.getHttpServer())
      .get('/api/me')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(me.body).toMatchObject({
      clientId: 'app',
      issuer: provider.issuer,
      fromService: { clientId: 'app' },
    });
  });

  it('R13: scopes from introspection are enforced (403 insufficient_scope)', async () => {
    const app = await boot();
    const res = await request(app.getHttpServer())
      .post('/api/todos')
      .set('Authorization', `Bearer ${await opaque('read:todos')}`)
      .expect(403);
    expect(parseBearerChallenge(res.headers['www-authenticate'])).toMatchObject({
      error: 'insufficient_scope',
    });
  });

  it('R8: an unknown token (active: false) → 401 invalid_token', async () => {
    const app = await boot();
    const res = await request(app.getHttpServer())
      .get('/api/me')
      .set('Authorization', 'Bearer not-a-real-token')
      .expect(401);
    expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_token');
  });

  it('R18: the audience rule applies to the introspection response (a token for another resource → 401)', async () => {
    const app = await boot();
    const res = await request(app.getHttpServer())
      .get('/api/me')
      .set('Authorization', `Bearer ${await opaque('read:todos', OTHER)}`)
      .expect(401);
    expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_token');
  });

  it('results are cached by token hash: repeated requests introspect once', async () => {
    const app = await boot();
    const token = await opaque();
    const before = introspections();
    for (let i = 0; i < 5; i++) {
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    }
    expect(introspections() - before).toBe(1);
  });

  it('cacheTtl: 0 introspects every time, so a revoked token is refused at once', async () => {
    const app = await boot({}, { cacheTtl: 0 });
    const token = await opaque();
    await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    const revoked = await fetch(`${provider.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    expect(revoked.status).toBe(200);
    await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
  });

  it('client_secret_post authentication at the introspection endpoint', async () => {
    const app = await boot({}, { ...RS_POST, authMethod: 'client_secret_post' });
    await request(app.getHttpServer())
      .get('/api/me')
      .set('Authorization', `Bearer ${await opaque()}`)
      .expect(200);
  });

  it('provider outage or rejected resource-server credentials → 503 with Retry-After, never 401 or 500', async () => {
    const app = await boot({ retryAfter: 3 }, { cacheTtl: 0 });
    const token = await opaque();
    provider.setDown(true);
    try {
      const down = await request(app.getHttpServer())
        .get('/api/me')
        .set('Authorization', `Bearer ${token}`)
        .expect(503);
      expect(down.headers['retry-after']).toBe('3');
    } finally {
      provider.setDown(false);
    }
    const wrong = await boot({}, { clientSecret: 'wrong-secret-0123456789abcdef' });
    await request(wrong.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${token}`).expect(503);
  });

  it('a provider without introspection_endpoint and no endpoint option fails boot', async () => {
    const error = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [
        { metadata: { issuer: 'http://127.0.0.1:9/x', jwks_uri: 'http://127.0.0.1:9/x/jwks' } },
      ],
      verify: { introspection: RS },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect((error as McpAuthConfigError).message).toMatch(/introspection_endpoint/);
  });

  it('invalid introspection options fail boot naming the option', async () => {
    const error = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [provider.issuer],
      verify: { introspection: { clientId: '', clientSecret: 'x', authMethod: 'private_key_jwt' } },
    } as never).catch((e: unknown) => e);
    expect((error as McpAuthConfigError).code).toBe('ERR_INVALID_OPTIONS');
    expect((error as McpAuthConfigError).message).toContain('verify.introspection.clientId');
    expect((error as McpAuthConfigError).message).toContain('verify.introspection.authMethod');
  });
});
