import { jest } from '@jest/globals';
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AuthInfo,
  AuthorizationServerRegistry,
  McpAuthConfigError,
  McpAuthContext,
  McpAuthenticator,
  McpAuthGuard,
  MCP_AUTH_MODULE_OPTIONS,
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
  McpAuthError,
  McpAuthModule,
  type McpAuthModuleOptions,
  type McpAuthInfo,
  type McpAuthOptionsFactory,
  type ResolvedMcpAuthOptions,
  type ResolvedResource,
  type TokenVerifier,
} from '../lib/index.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { createProtectedApp, ProtectedFeatureModule } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
const resources = { [RESOURCE]: { scopes: ['read:todos', 'create:todos'] } };

async function bootError(options: McpAuthModuleOptions): Promise<McpAuthConfigError> {
  const app = await createProtectedApp(options).then(
    async (a) => {
      await a.close();
      throw new Error('expected boot to fail');
    },
    (e: unknown) => e,
  );
  expect(app).toBeInstanceOf(McpAuthConfigError);
  return app as McpAuthConfigError;
}

describe('McpAuthModule configuration', () => {
  let provider: TestProvider;
  let tenant: TestProvider;
  beforeAll(async () => {
    provider = await startTestProvider({ resources, clients: [CLIENT] });
    tenant = await startTestProvider({ issuerPath: '/tenant-a', resources, clients: [CLIENT] });
  });
  afterAll(async () => {
    await provider?.close();
    await tenant?.close();
  });

  it('forRootAsync with ConfigService (useFactory) protects routes', async () => {
    @Module({})
    class Root {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ ISSUER: provider.issuer, RESOURCE })] }),
        McpAuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            resource: config.getOrThrow<string>('RESOURCE'),
            authorizationServers: [{ issuer: config.getOrThrow<string>('ISSUER'), type: 'oidc' }],
          }),
        }),
        ProtectedFeatureModule,
        Root,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const token = await provider.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      await request(app.getHttpServer()).get('/api/me').expect(401);
      // The registry is injectable: apps can read the issuer's metadata.
      const registry = app.get(AuthorizationServerRegistry);
      expect(registry.peek(provider.issuer)?.issuer).toBe(provider.issuer);
      // So are the options, as the factory returned them (MCP_AUTH_MODULE_OPTIONS) and resolved.
      expect(app.get(MCP_AUTH_MODULE_OPTIONS)).toMatchObject({ resource: RESOURCE });
      expect(app.get<ResolvedMcpAuthOptions>(MCP_AUTH_RESOLVED_OPTIONS).resources[0].id).toBe(RESOURCE);
    } finally {
      await app.close();
    }
  });

  it('forRootAsync with useClass', async () => {
    @Injectable()
    class AuthConfig implements McpAuthOptionsFactory {
      createMcpAuthOptions(): McpAuthModuleOptions {
        return { resource: RESOURCE, authorizationServers: [provider.issuer] };
      }
    }
    const app = await createProtectedApp(McpAuthModule.forRootAsync({ useClass: AuthConfig }));
    try {
      await request(app.getHttpServer()).get('/api/me').expect(401);
    } finally {
      await app.close();
    }
  });

  it('R26, R29: type oauth discovers RFC 8414 metadata of an issuer with a path', async () => {
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: tenant.issuer, type: 'oauth' }],
    });
    try {
      expect(tenant.requestCount('/.well-known/oauth-authorization-server/tenant-a')).toBeGreaterThan(0);
      const token = await tenant.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      const res = await request(app.getHttpServer())
        .get('/api/me')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(res.body.issuer).toBe(tenant.issuer);
    } finally {
      await app.close();
    }
  });

  it('R28: without a type, discovery probes and finds the issuer with a path', async () => {
    const app = await createProtectedApp({ resource: RESOURCE, authorizationServers: [tenant.issuer] });
    try {
      const token = await tenant.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      await app.close();
    }
  });

  it('R19: two authorization servers for one resource: tokens of both are accepted, each checked by its own keys', async () => {
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [
        { issuer: provider.issuer, type: 'oidc' },
        { issuer: tenant.issuer, type: 'oidc' },
      ],
    });
    try {
      for (const p of [provider, tenant]) {
        const token = await p.clientCredentialsToken({ ...CLIENT, resource: RESOURCE, scope: 'read:todos' });
        const res = await request(app.getHttpServer())
          .get('/api/me')
          .set('Authorization', `Bearer ${token}`)
          .expect(200);
        expect(res.body.issuer).toBe(p.issuer);
      }
      const prm = await request(app.getHttpServer())
        .get('/.well-known/oauth-protected-resource/api')
        .expect(200);
      expect(prm.body.authorization_servers).toEqual([provider.issuer, tenant.issuer]);
      // A token signed by the tenant's key but claiming the other issuer fails: keys are per issuer.
      const now = Math.floor(Date.now() / 1000);
      const crossed = await tenant.signToken({
        iss: provider.issuer,
        aud: RESOURCE,
        sub: 'x',
        exp: now + 60,
        iat: now,
      });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${crossed}`).expect(401);
    } finally {
      await app.close();
    }
  });

  it('a bad issuer fails boot with a message naming the option, the URL and the reason', async () => {
    const error = await bootError({
      resource: RESOURCE,
      authorizationServers: [{ issuer: 'http://127.0.0.1:1/nowhere', type: 'oidc' }],
      discoveryTimeout: 1000,
    });
    expect(error.code).toMatch(/^ERR_DISCOVERY_/);
    expect(error.message).toContain('authorizationServers[0]');
    expect(error.message).toContain('http://127.0.0.1:1/nowhere/.well-known/openid-configuration');
  });

  it('R29: an issuer that differs from the document by a trailing slash fails boot', async () => {
    const error = await bootError({
      resource: RESOURCE,
      authorizationServers: [{ issuer: `${provider.issuer}/`, type: 'oidc' }],
    });
    expect(error.code).toBe('ERR_ISSUER_MISMATCH');
    expect(error.message).toContain(provider.issuer);
  });

  it('invalid options fail boot with ERR_INVALID_OPTIONS naming the option', async () => {
    const error = await bootError({ resource: 'ftp://x', authorizationServers: [provider.issuer] });
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
    expect(error.message).toContain('resource:');
  });

  it('lazy discovery: boot succeeds while the provider is down, requests get 503 + Retry-After, then work without restart', async () => {
    const flaky = await startTestProvider({ resources, clients: [CLIENT] });
    const token = await flaky.clientCredentialsToken({ ...CLIENT, resource: RESOURCE, scope: 'read:todos' });
    flaky.setDown(true);
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: flaky.issuer, type: 'oidc' }],
      discovery: 'lazy',
      retryAfter: 7,
    });
    try {
      const down = await request(app.getHttpServer())
        .get('/api/me')
        .set('Authorization', `Bearer ${token}`)
        .expect(503);
      expect(down.headers['retry-after']).toBe('7');
      expect(down.body.error).toBe('temporarily_unavailable');
      expect(JSON.stringify(down.body)).not.toContain(token);
      flaky.setDown(false);
      await new Promise((r) => setTimeout(r, 1100)); // past the registry's short negative cache
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      await app.close();
      await flaky.close();
    }
  });

  it('lazy discovery is single-flight: 50 concurrent first requests → 1 discovery fetch, 1 JWKS fetch', async () => {
    const fresh = await startTestProvider({ resources, clients: [CLIENT] });
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: fresh.issuer, type: 'oidc' }],
      discovery: 'lazy',
    });
    try {
      const token = await fresh.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      const server = app.getHttpServer();
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          request(server).get('/api/me').set('Authorization', `Bearer ${token}`),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(fresh.requestCount('/.well-known/openid-configuration')).toBe(1);
      expect(fresh.requestCount('/jwks')).toBe(1);
    } finally {
      await app.close();
      await fresh.close();
    }
  });

  it('a JWKS outage at the first request → 503 + Retry-After, never 401 or 500', async () => {
    const flaky = await startTestProvider({ resources, clients: [CLIENT] });
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: flaky.issuer, type: 'oidc' }],
    });
    try {
      const token = await flaky.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      flaky.setDown(true);
      const res = await request(app.getHttpServer())
        .get('/api/me')
        .set('Authorization', `Bearer ${token}`)
        .expect(503);
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await app.close();
      await flaky.close();
    }
  });

  it('a custom verify function: its auth info reaches the handler; R18, R19, R21 still apply to what it returns', async () => {
    const app = await createProtectedApp({
      resource: RESOURCE,
      retryAfter: 9,
      authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
      verify: async (token) => {
        if (token === 'opaque-good') {
          return {
            issuer: provider.issuer,
            subject: 'bob',
            clientId: 'c',
            scopes: ['read:todos'],
            audience: [RESOURCE],
            claims: {},
          } as never;
        }
        if (token === 'opaque-other') {
          return {
            issuer: provider.issuer,
            subject: 'bob',
            clientId: 'c',
            scopes: [],
            audience: ['https://else'],
            claims: {},
          } as never;
        }
        if (token === 'opaque-expired') {
          return {
            issuer: provider.issuer,
            clientId: 'c',
            scopes: [],
            audience: [RESOURCE],
            expiresAt: 1,
            claims: {},
          } as never;
        }
        if (token === 'opaque-foreign') {
          return {
            issuer: 'https://untrusted.example',
            clientId: 'c',
            scopes: [],
            audience: [RESOURCE],
            claims: {},
          } as never;
        }
        if (token === 'opaque-down')
          throw new McpAuthError('ERR_PROVIDER_UNAVAILABLE', 'introspection down', { retryAfter: 2 });
        if (token === 'opaque-down-default')
          throw new McpAuthError('ERR_PROVIDER_UNAVAILABLE', 'introspection down');
        throw new Error('unknown token');
      },
    });
    try {
      const server = app.getHttpServer();
      const ok = await request(server)
        .get('/api/todos')
        .set('Authorization', 'Bearer opaque-good')
        .expect(200);
      expect(ok.body.scopes).toEqual(['read:todos']);
      for (const t of ['opaque-other', 'opaque-expired', 'opaque-unknown', 'opaque-foreign']) {
        const res = await request(server).get('/api/me').set('Authorization', `Bearer ${t}`).expect(401);
        expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_token');
      }
      const down = await request(server)
        .get('/api/me')
        .set('Authorization', 'Bearer opaque-down')
        .expect(503);
      expect(down.headers['retry-after']).toBe('2');
      const fallback = await request(server)
        .get('/api/me')
        .set('Authorization', 'Bearer opaque-down-default')
        .expect(503);
      expect(fallback.headers['retry-after']).toBe('9');
    } finally {
      await app.close();
    }
  });

  describe('verify: { verifier } — your own TokenVerifier, an instance or a class Nest instantiates', () => {
    /** Where the custom verifier looks tokens up: a dependency, provided by the application's own module. */
    @Injectable()
    class TokenStore {
      readonly lookups: string[] = [];
      find(token: string, resource: string): McpAuthInfo {
        this.lookups.push(resource);
        const now = Math.floor(Date.now() / 1000);
        const base = { token, clientId: 'c', scopes: ['read:todos'], claims: {}, subject: 'bob' };
        switch (token) {
          case 'good':
            return { ...base, issuer: provider.issuer, audience: [RESOURCE], expiresAt: now + 60 };
          case 'wrong-audience':
            return { ...base, issuer: provider.issuer, audience: ['https://else.example'] };
          case 'foreign-issuer':
            return { ...base, issuer: 'https://untrusted.example', audience: [RESOURCE] };
          case 'expired':
            return { ...base, issuer: provider.issuer, audience: [RESOURCE], expiresAt: now - 3600 };
          case 'down':
            throw new McpAuthError('ERR_PROVIDER_UNAVAILABLE', 'store down');
          default:
            throw new Error('unknown token');
        }
      }
    }
    @Module({ providers: [TokenStore], exports: [TokenStore] })
    class TokenStoreModule {}

    @Injectable()
    class StoreVerifier implements TokenVerifier {
      constructor(readonly store: TokenStore) {}
      verify(token: string, resource: ResolvedResource): Promise<McpAuthInfo> {
        return Promise.resolve().then(() => this.store.find(token, resource.id));
      }
    }

    const options = () => ({
      resource: RESOURCE,
      authorizationServers: [{ issuer: provider.issuer, type: 'oidc' as const }],
    });
    async function expectRules(app: Awaited<ReturnType<typeof createProtectedApp>>) {
      const server = app.getHttpServer();
      const get = (token: string) => request(server).get('/api/me').set('Authorization', `Bearer ${token}`);
      const ok = await get('good').expect(200);
      expect(ok.body).toMatchObject({
        subject: 'bob',
        clientId: 'c',
        issuer: provider.issuer,
        resource: RESOURCE,
      });
      const refused: Record<string, RegExp> = {
        'wrong-audience': /not intended for this resource/, // R18
        'foreign-issuer': /not issued by a trusted authorization server/, // R19
        expired: /expired/, // R21
        unknown: /rejected/, // any other error: 401, fail closed
      };
      for (const [token, description] of Object.entries(refused)) {
        const res = await get(token).expect(401);
        const challenge = parseBearerChallenge(res.headers['www-authenticate']);
        expect(challenge.error).toBe('invalid_token');
        expect(challenge.error_description).toMatch(description);
      }
      expect((await get('down').expect(503)).headers['retry-after']).toBe('5');
    }

    it('R18, R19, R21: an instance built in forRootAsync with an injected dependency; the rules apply to what it answers', async () => {
      const app = await createProtectedApp(
        McpAuthModule.forRootAsync({
          imports: [TokenStoreModule],
          inject: [TokenStore],
          useFactory: (store: TokenStore) => ({
            ...options(),
            verify: { verifier: new StoreVerifier(store) },
          }),
        }),
      );
      try {
        await expectRules(app);
        expect(app.get(MCP_AUTH_TOKEN_VERIFIER)).not.toBeInstanceOf(StoreVerifier); // wrapped by the rules
      } finally {
        await app.close();
      }
    });

    it('R18, R19, R21: a class, instantiated by Nest with its dependencies from forRootAsync imports', async () => {
      const app = await createProtectedApp(
        McpAuthModule.forRootAsync({
          imports: [TokenStoreModule],
          useFactory: () => ({ ...options(), verify: { verifier: StoreVerifier } }),
        }),
      );
      try {
        await expectRules(app);
        // The verifier is handed the resolved resource it verifies for.
        expect(new Set(app.get(TokenStore, { strict: false }).lookups)).toEqual(new Set([RESOURCE]));
      } finally {
        await app.close();
      }
    });

    it('something that is not a TokenVerifier fails the boot naming verify.verifier', async () => {
      const error = await bootError({ ...options(), verify: { verifier: { check: () => true } as never } });
      expect(error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', option: 'verify.verifier' });
    });
  });

  describe('TokenVerifier contract: a value or a promise', () => {
    it('R20: McpAuthenticator answers a token it already verified synchronously, with the same auth info', async () => {
      const app = await createProtectedApp({
        resource: RESOURCE,
        authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
      });
      try {
        const token = await provider.clientCredentialsToken({
          ...CLIENT,
          resource: RESOURCE,
          scope: 'read:todos',
        });
        const authenticator = app.get(McpAuthenticator);
        const resource = app.get<ResolvedMcpAuthOptions>(MCP_AUTH_RESOLVED_OPTIONS).resources[0];
        const req = () => ({ headers: { authorization: `Bearer ${token}` } }) as never;
        const first = authenticator.authenticate(req(), resource, ['read:todos']);
        expect(first).toBeInstanceOf(Promise); // discovery is done, but the first key selection is jose's
        const auth = await first;
        // Its second use: verified again, synchronously (the key is known), and cached from then on.
        const again = authenticator.authenticate(req(), resource, ['read:todos']);
        expect(again).not.toBeInstanceOf(Promise);
        expect(again).toEqual(auth);
        expect(authenticator.authenticate(req(), resource, ['read:todos'])).toBe(again);
        expect(() => authenticator.authenticate(req(), resource, ['delete:todos'])).toThrow(
          expect.objectContaining({ code: 'ERR_INSUFFICIENT_SCOPE' }),
        );
      } finally {
        await app.close();
      }
    });

    it('a replacement TokenVerifier may answer with a value or any thenable', async () => {
      const auth = (token: string) => ({
        token,
        clientId: 'custom',
        scopes: ['read:todos'],
        issuer: provider.issuer,
        audience: [RESOURCE],
        claims: {},
      });
      const verifier = {
        verify: (token: string) =>
          token === 'sync' ? auth(token) : { then: (ok: (v: unknown) => void) => ok(auth(token)) },
      };
      const moduleRef = await Test.createTestingModule({
        imports: [
          McpAuthModule.forRoot({
            resource: RESOURCE,
            authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          }),
          ProtectedFeatureModule,
        ],
      })
        .overrideProvider(MCP_AUTH_TOKEN_VERIFIER)
        .useValue(verifier)
        .compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      try {
        for (const token of ['sync', 'thenable']) {
          const res = await request(app.getHttpServer())
            .get('/api/todos')
            .set('Authorization', `Bearer ${token}`)
            .expect(200);
          expect(res.body).toEqual({ scopes: ['read:todos'] });
        }
      } finally {
        await app.close();
      }
    });
  });

  describe('context: McpAuthContext gives the caller to services when the option is on', () => {
    @Controller('api')
    @UseGuards(McpAuthGuard)
    class NoContextController {
      @Get('me') me(@AuthInfo('clientId') clientId: string) {
        return { clientId };
      }
    }
    @Module({ controllers: [NoContextController] })
    class NoContextFeature {}

    async function boot(feature: unknown, context?: boolean) {
      const moduleRef = await Test.createTestingModule({
        imports: [
          McpAuthModule.forRoot({
            resource: RESOURCE,
            authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
            ...(context === undefined ? {} : { context }),
          }),
          feature as never,
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      return app;
    }
    async function requestCountingSlots(app: Awaited<ReturnType<typeof boot>>) {
      const token = await provider.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      const slots = jest.spyOn(McpAuthContext.prototype, 'runWithSlot');
      try {
        const res = await request(app.getHttpServer())
          .get('/api/me')
          .set('Authorization', `Bearer ${token}`)
          .expect(200);
        return { body: res.body as Record<string, unknown>, slots: slots.mock.calls.length };
      } finally {
        slots.mockRestore();
      }
    }
    function thrown(fn: () => unknown): unknown {
      try {
        fn();
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    }

    it('context: true — a singleton service sees the caller of each request', async () => {
      const app = await boot(ProtectedFeatureModule, true);
      try {
        expect(app.get(McpAuthContext).enabled).toBe(true);
        const { body, slots } = await requestCountingSlots(app);
        expect(slots).toBe(1);
        expect(body.fromService).toEqual({ subject: 'svc', clientId: 'svc' });
      } finally {
        await app.close();
      }
    });

    it('off by default: no per-request context, @AuthInfo() works, reading McpAuthContext throws ERR_CONTEXT_DISABLED', async () => {
      const app = await boot(NoContextFeature);
      try {
        const context = app.get(McpAuthContext);
        expect(context.enabled).toBe(false);
        expect(await requestCountingSlots(app)).toEqual({ body: { clientId: 'svc' }, slots: 0 });
        for (const read of [() => context.current, () => context.require()]) {
          const error = thrown(read);
          expect(error).toBeInstanceOf(McpAuthConfigError);
          expect(error).toMatchObject({ code: 'ERR_CONTEXT_DISABLED', option: 'context' });
          expect((error as Error).message).toMatch(/context: true/);
        }
      } finally {
        await app.close();
      }
    });

    it('off: a service reading it during a request gets ERR_CONTEXT_DISABLED, whatever injects it', async () => {
      const app = await boot(ProtectedFeatureModule, false);
      try {
        const { body } = await requestCountingSlots(app);
        expect(body.fromService).toEqual({ error: 'ERR_CONTEXT_DISABLED', option: 'context' });
      } finally {
        await app.close();
      }
    });

    it('run() gives a caller to code outside a request, whether the option is on or off', async () => {
      for (const context of [true, false]) {
        const app = await boot(NoContextFeature, context);
        try {
          const ctx = app.get(McpAuthContext);
          const caller = { clientId: 'job', scopes: [], issuer: 'x', audience: [], claims: {}, token: 't' };
          expect(ctx.run(caller, () => ctx.require().clientId)).toBe('job');
        } finally {
          await app.close();
        }
      }
    });

    it('require() outside a guarded request throws ERR_NO_CALLER; current is undefined there', async () => {
      const app = await boot(NoContextFeature, true);
      try {
        const context = app.get(McpAuthContext);
        expect(context.current).toBeUndefined();
        const error = thrown(() => context.require());
        expect(error).toBeInstanceOf(McpAuthConfigError);
        expect(error).toMatchObject({ code: 'ERR_NO_CALLER' });
      } finally {
        await app.close();
      }
    });

    it.each([['yes'], ['auto']])('context: %j fails the boot naming the option', async (value) => {
      const error = await bootError({
        resource: RESOURCE,
        authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
        context: value as never,
      });
      expect(error.code).toBe('ERR_INVALID_OPTIONS');
      expect(error.option).toBe('context');
    });
  });

  it('R18: audience: false turns the check off, explicitly', async () => {
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
      audience: false,
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const noAud = await provider.signToken({ iss: provider.issuer, sub: 'x', exp: now + 60, iat: now });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${noAud}`).expect(200);
    } finally {
      await app.close();
    }
  });

  it('R18: a configured audience replaces the resource as the accepted aud', async () => {
    const app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
      audience: 'api://todo',
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const custom = await provider.signToken({
        iss: provider.issuer,
        sub: 'x',
        aud: 'api://todo',
        exp: now + 60,
        iat: now,
      });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${custom}`).expect(200);
      const real = await provider.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${real}`).expect(401);
    } finally {
      await app.close();
    }
  });
});
