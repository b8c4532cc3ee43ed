import { Controller, Get, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { McpAuthConfigError, McpAuthGuard, McpAuthModule, ProtectedResource } from '../lib/index.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { ADAPTERS, createApp } from './support/adapters.js';
import { createProtectedApp } from './support/protected-app.js';

const RESOURCE = 'https://todo.example.com/mcp';
const inline = (issuer: string) => ({
  type: 'oidc' as const,
  metadata: { issuer, jwks_uri: `${issuer}/jwks` },
});

describe.each(ADAPTERS)('on %s', (adapter) => {
  const protectedApp: typeof createProtectedApp = (auth, configure) =>
    createProtectedApp(auth, configure, adapter);

  describe('protected resource metadata (RFC 9728)', () => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await protectedApp({
        resource: RESOURCE,
        authorizationServers: [inline('https://idp.example.com'), inline('https://idp2.example.com/tenant')],
        scopesSupported: ['read:todos', 'create:todos', 'offline_access'],
        resourceName: 'Todo manager',
      });
    });
    afterAll(() => app.close());

    it('R1, R2, R3, R5: GET the path-suffixed URL → 200 JSON with the exact resource and every issuer', async () => {
      const res = await request(app.getHttpServer())
        .get('/.well-known/oauth-protected-resource/mcp')
        .expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        resource: RESOURCE,
        authorization_servers: ['https://idp.example.com', 'https://idp2.example.com/tenant'],
        scopes_supported: ['read:todos', 'create:todos'],
        bearer_methods_supported: ['header'],
        resource_name: 'Todo manager',
      });
    });

    it('R1: HEAD answers the headers of GET (type, length, caching) without a body', async () => {
      const path = '/.well-known/oauth-protected-resource/mcp';
      const get = await request(app.getHttpServer()).get(path).expect(200);
      const head = await request(app.getHttpServer()).head(path).expect(200);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.headers['cache-control']).toBe('public, max-age=3600');
      expect(head.text ?? '').toBe('');
    });

    it('R2: optional fields are omitted when empty, never [] or null', async () => {
      const bare = await protectedApp({
        resource: RESOURCE,
        authorizationServers: [inline('https://idp.example.com')],
      });
      try {
        const res = await request(bare.getHttpServer())
          .get('/.well-known/oauth-protected-resource/mcp')
          .expect(200);
        expect(Object.keys(res.body).sort()).toEqual([
          'authorization_servers',
          'bearer_methods_supported',
          'resource',
        ]);
      } finally {
        await bare.close();
      }
    });

    it('R4: the root document is served too when one resource is configured', async () => {
      const res = await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource').expect(200);
      expect(res.body.resource).toBe(RESOURCE);
    });

    it('R6: GET and OPTIONS allow any origin', async () => {
      const get = await request(app.getHttpServer())
        .get('/.well-known/oauth-protected-resource/mcp')
        .set('Origin', 'https://inspector.example');
      expect(get.headers['access-control-allow-origin']).toBe('*');
      const pre = await request(app.getHttpServer())
        .options('/.well-known/oauth-protected-resource/mcp')
        .set('Origin', 'https://inspector.example')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'mcp-protocol-version')
        .expect(204);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      expect(pre.headers['access-control-allow-methods']).toContain('GET');
      expect(pre.headers['access-control-allow-headers']).toContain('mcp-protocol-version');
    });

    it('unknown paths below the well-known prefix → 404; other methods → 405', async () => {
      await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource/other').expect(404);
      await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource/mcp/').expect(404);
      const res = await request(app.getHttpServer())
        .post('/.well-known/oauth-protected-resource/mcp')
        .expect(405);
      expect(res.headers.allow).toContain('GET');
    });

    it('R12: the document does not depend on the Host header', async () => {
      const res = await request(app.getHttpServer())
        .get('/.well-known/oauth-protected-resource/mcp')
        .set('Host', 'evil.example')
        .expect(200);
      expect(res.body.resource).toBe(RESOURCE);
    });

    it('the legacy authorization server metadata route is off unless asked for', async () => {
      await request(app.getHttpServer()).get('/.well-known/oauth-authorization-server').expect(404);
    });
  });

  describe('two resources on one app', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await protectedApp({
        resource: [
          { resource: 'https://api.example.com/mcp', scopesSupported: ['a'] },
          {
            resource: 'https://api.example.com/admin/mcp',
            authorizationServers: [inline('https://admin-idp.example.com')],
          },
        ],
        authorizationServers: [inline('https://idp.example.com')],
      });
    });
    afterAll(() => app.close());

    it('R1, R3: each resource has its own document at its own path', async () => {
      const a = await request(app.getHttpServer())
        .get('/.well-known/oauth-protected-resource/mcp')
        .expect(200);
      expect(a.body).toMatchObject({
        resource: 'https://api.example.com/mcp',
        authorization_servers: ['https://idp.example.com'],
      });
      const b = await request(app.getHttpServer())
        .get('/.well-known/oauth-protected-resource/admin/mcp')
        .expect(200);
      expect(b.body).toMatchObject({
        resource: 'https://api.example.com/admin/mcp',
        authorization_servers: ['https://admin-idp.example.com'],
      });
      expect(b.body.scopes_supported).toBeUndefined();
    });

    it('R4: no root document when it would be ambiguous', async () => {
      await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource').expect(404);
    });
  });

  describe('global prefix', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await protectedApp(
        { resource: 'https://h.example/v1/api', authorizationServers: [inline('https://idp.example.com')] },
        (a) => a.setGlobalPrefix('v1'),
      );
    });
    afterAll(() => app.close());

    it('R3: well-known routes stay at the origin root under app.setGlobalPrefix()', async () => {
      const res = await request(app.getHttpServer())
        .get('/.well-known/oauth-protected-resource/v1/api')
        .expect(200);
      expect(res.body.resource).toBe('https://h.example/v1/api');
      await request(app.getHttpServer()).get('/v1/.well-known/oauth-protected-resource/v1/api').expect(404);
    });

    it('R7: guarded routes under the prefix challenge with the root metadata URL', async () => {
      const res = await request(app.getHttpServer()).get('/v1/api/me').expect(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer resource_metadata="https://h.example/.well-known/oauth-protected-resource/v1/api"',
      );
      await request(app.getHttpServer()).get('/v1/api/health').expect(200);
    });
  });

  describe('legacy authorization server metadata (R31)', () => {
    let provider: TestProvider;
    let app: INestApplication;
    beforeAll(async () => {
      provider = await startTestProvider({ resources: { [RESOURCE]: { scopes: ['read:todos'] } } });
      app = await protectedApp(
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          legacyAuthorizationServerMetadata: true,
        }),
      );
    });
    afterAll(async () => {
      await app?.close();
      await provider?.close();
    });

    it("R31: serves the provider's metadata unchanged at /.well-known/oauth-authorization-server", async () => {
      const res = await request(app.getHttpServer())
        .get('/.well-known/oauth-authorization-server')
        .expect(200);
      const original = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
      expect(res.body).toEqual(original);
      expect(res.body.authorization_endpoint.startsWith(provider.issuer)).toBe(true);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    });
  });

  describe('several resources: which one a route belongs to', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await protectedApp({
        resource: [
          'https://api.example.com',
          'https://api.example.com/api',
          'https://api.example.com/api/health-check',
        ],
        authorizationServers: [inline('https://idp.example.com')],
      });
    });
    afterAll(() => app.close());

    it('R7, R12: the guard picks the resource whose path is the longest prefix of the request path', async () => {
      const res = await request(app.getHttpServer()).get('/api/me').expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate']).resource_metadata).toBe(
        'https://api.example.com/.well-known/oauth-protected-resource/api',
      );
    });

    it('R4: with several resources the origin-only one keeps the root document', async () => {
      const res = await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource').expect(200);
      expect(res.body.resource).toBe('https://api.example.com');
    });
  });

  describe('@ProtectedResource', () => {
    @Controller('elsewhere')
    @UseGuards(McpAuthGuard)
    @ProtectedResource('https://api.example.com/admin')
    class AdminController {
      @Get() get() {
        return { ok: true };
      }
    }

    const boot = async (resources: string[]) => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          McpAuthModule.forRoot({
            resource: resources,
            authorizationServers: [inline('https://idp.example.com')],
          }),
        ],
        controllers: [AdminController],
      }).compile();
      return createApp(adapter, moduleRef);
    };

    it('R7: a route names its resource, whatever its path', async () => {
      const app = await boot(['https://api.example.com/mcp', 'https://api.example.com/admin']);
      try {
        const res = await request(app.getHttpServer()).get('/elsewhere').expect(401);
        expect(parseBearerChallenge(res.headers['www-authenticate']).resource_metadata).toBe(
          'https://api.example.com/.well-known/oauth-protected-resource/admin',
        );
      } finally {
        await app.close();
      }
    });

    it('naming a resource that is not configured fails boot with ERR_UNKNOWN_RESOURCE and a clear message', async () => {
      const error = await boot(['https://api.example.com/mcp']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpAuthConfigError);
      expect(error).toMatchObject({ code: 'ERR_UNKNOWN_RESOURCE', option: 'resource' });
      expect((error as Error).message).toMatch(
        /@ProtectedResource\("https:\/\/api.example.com\/admin"\) on AdminController names no configured resource/,
      );
    });
  });
});
