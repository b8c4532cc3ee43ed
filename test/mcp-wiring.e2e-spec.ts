import {
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type Type,
} from '@nestjs/common';
import { LazyModuleLoader } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  McpAuthConfigError,
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthModuleOptions,
} from '../lib/index.js';
import { ADAPTERS, createApp, httpAdapter } from './support/adapters.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { ACCEPT } from './support/sample-app.js';

// R33: the MCP endpoint is never served without authentication because of wiring.

const RESOURCE = 'http://127.0.0.1/mcp';
const ADMIN = 'http://127.0.0.1/admin';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const call = (name: string) => ({
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name, arguments: {} },
});
const SERVER = { name: 'wiring', version: '1.0.0' };

@Injectable()
class OpenTools {
  @McpTool({ name: 'ping' })
  ping() {
    return 'pong';
  }
}

@Injectable()
class ScopedTools {
  @McpTool({ name: 'delete-everything' })
  @RequireScopes('admin')
  deleteEverything() {
    return 'deleted';
  }
}

/** Lines a boot logged, by level. */
class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string }> = [];
  log = (message: unknown) => void this.lines.push({ level: 'log', message: String(message) });
  error = (message: unknown) => void this.lines.push({ level: 'error', message: String(message) });
  warn = (message: unknown) => void this.lines.push({ level: 'warn', message: String(message) });
  debug = () => undefined;
  verbose = () => undefined;
}

describe.each(ADAPTERS)('R33: fail-closed wiring of McpServerModule — %s', (adapter) => {
  let provider: TestProvider;
  let auth: McpAuthModuleOptions;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    provider = await startTestProvider({
      resources: { [RESOURCE]: { scopes: ['read', 'admin'] }, [ADMIN]: { scopes: ['admin'] } },
      clients: [CLIENT],
    });
    auth = { resource: RESOURCE, authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }] };
  });
  afterAll(async () => {
    await Promise.allSettled(apps.map((a) => a.close()));
    await provider?.close();
  });

  const token = (scope: string, resource = RESOURCE) =>
    provider.clientCredentialsToken({ ...CLIENT, scope, resource });

  /** Compiles and starts the app on a free port (the same path `NestFactory.create` + `listen` takes). */
  async function boot(
    imports: Array<Type | DynamicModule>,
    { logger, providers = [OpenTools, ScopedTools] }: { logger?: LoggerService; providers?: Type[] } = {},
  ) {
    const builder = Test.createTestingModule({ imports, providers });
    if (logger) builder.setLogger(logger);
    const moduleRef = await builder.compile();
    const app = await createApp(adapter, moduleRef, {
      ...(logger ? { logger } : {}),
      configure: (created) => void apps.push(created),
    });
    await app.listen(0, '127.0.0.1');
    return app;
  }

  /** The refusal of a boot; the app never listened, so it never served a request. */
  async function refusal(imports: Array<Type | DynamicModule>, providers: Type[] = [OpenTools]) {
    let app: INestApplication | undefined;
    const error = await (async () => {
      const moduleRef = await Test.createTestingModule({ imports, providers }).compile();
      app = moduleRef.createNestApplication(httpAdapter(adapter), { logger: false });
      await app.listen(0, '127.0.0.1');
    })().then(
      () => new Error('the app booted'),
      (e: unknown) => e,
    );
    if (app) apps.push(app);
    expect(app?.getHttpServer().listening ?? false).toBe(false);
    expect(error).toBeInstanceOf(McpAuthConfigError);
    return error as McpAuthConfigError;
  }

  function expectUnprotected(error: McpAuthConfigError) {
    expect(error.code).toBe('ERR_MCP_UNPROTECTED');
    expect(error.option).toBe('auth');
    expect(error.message).toMatch(/isGlobal: true/);
    expect(error.message).toMatch(/forRootAsync\(\{ imports: \[/);
    expect(error.message).toMatch(/auth: false/);
  }

  /** The endpoint is protected: anonymous → 401; a read token → 200; the admin tool with it → 403. */
  async function expectProtected(app: INestApplication, path = '/mcp') {
    const server = app.getHttpServer();
    const post = (body: unknown, bearer?: string) => {
      const r = request(server).post(path).set('Accept', ACCEPT).set('Content-Type', 'application/json');
      return (bearer ? r.set('Authorization', `Bearer ${bearer}`) : r).send(JSON.stringify(body));
    };
    expect((await post(INIT)).status).toBe(401);
    expect((await post(call('delete-everything'))).status).toBe(401);
    const read = await token('read');
    expect((await post(INIT, read)).status).toBe(200);
    expect((await post(call('delete-everything'), read)).status).toBe(403);
    const ping = await post(call('ping'), read).expect(200);
    expect(ping.text).toContain('pong');
  }

  it('R33: no McpAuthModule at all → the boot fails with ERR_MCP_UNPROTECTED naming the three fixes', async () => {
    expectUnprotected(await refusal([McpServerModule.forRoot(SERVER)]));
  });

  it('R33: McpAuthModule with isGlobal: false next to McpServerModule in the root module → boot error', async () => {
    const error = await refusal([
      McpAuthModule.forRoot({ ...auth, isGlobal: false }),
      McpServerModule.forRoot(SERVER),
    ]);
    expectUnprotected(error);
  });

  it('R33: a non-global McpAuthModule in a feature module (exported by it) → boot error', async () => {
    @Module({ imports: [McpAuthModule.forRoot({ ...auth, isGlobal: false })], exports: [McpAuthModule] })
    class AuthFeature {}
    expectUnprotected(await refusal([AuthFeature, McpServerModule.forRoot(SERVER)]));
  });

  it('R33: forRootAsync on both sides, McpAuthModule not global → boot error', async () => {
    const error = await refusal([
      McpAuthModule.forRootAsync({ isGlobal: false, useFactory: () => auth }),
      McpServerModule.forRootAsync({ useFactory: () => SERVER }),
    ]);
    expectUnprotected(error);
  });

  it('R33: a scoped tool with auth missing fails the same way (no tool is ever served open)', async () => {
    expectUnprotected(await refusal([McpServerModule.forRoot(SERVER)], [OpenTools, ScopedTools]));
  });

  it('R33: the non-global McpAuthModule made visible through McpServerModule.forRootAsync({ imports }) protects the endpoint', async () => {
    @Module({ imports: [McpAuthModule.forRoot({ ...auth, isGlobal: false })], exports: [McpAuthModule] })
    class AuthFeature {}
    const app = await boot([
      AuthFeature,
      McpServerModule.forRootAsync({ imports: [AuthFeature], useFactory: () => SERVER }),
    ]);
    await expectProtected(app);
  });

  it('R33: McpServerModule inside a feature module, McpAuthModule global in the root → protected', async () => {
    @Module({ imports: [McpServerModule.forRoot({ ...SERVER, path: '/mcp' })] })
    class McpFeature {}
    await expectProtected(await boot([McpAuthModule.forRoot(auth), McpFeature]));
  });

  it('R33: forRootAsync on both sides (global by default) → protected', async () => {
    const app = await boot([
      McpAuthModule.forRootAsync({ useFactory: () => auth }),
      McpServerModule.forRootAsync({ useFactory: () => SERVER }),
    ]);
    await expectProtected(app);
  });

  it('R33: two resources (a global McpAuthModule) → protected', async () => {
    const app = await boot([
      McpAuthModule.forRoot({
        resource: [{ resource: RESOURCE }, { resource: ADMIN }],
        authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
      }),
      McpServerModule.forRoot(SERVER),
    ]);
    await expectProtected(app);
  });

  it('R33: auth: false opts out explicitly — the endpoint is public and exactly one boot log line says so', async () => {
    const logger = new CapturingLogger();
    const app = await boot([McpServerModule.forRoot({ ...SERVER, auth: false })], {
      logger,
      providers: [OpenTools],
    });
    const said = logger.lines.filter((l) => /MCP endpoints are public/.test(l.message));
    expect(said).toEqual([{ level: 'warn', message: expect.stringMatching(/^auth: false/) }]);
    expect(logger.lines.filter((l) => l.level !== 'log')).toHaveLength(1);
    const server = app.getHttpServer();
    const post = (body: object) =>
      request(server).post('/mcp').set('Accept', ACCEPT).set('Content-Type', 'application/json').send(body);
    expect((await post(INIT)).status).toBe(200);
    expect((await post(call('ping'))).text).toContain('pong');
  });

  it('R33: auth: false from a forRootAsync factory works the same way', async () => {
    const app = await boot(
      [McpServerModule.forRootAsync({ useFactory: () => ({ ...SERVER, auth: false }) })],
      { providers: [OpenTools] },
    );
    const res = await request(app.getHttpServer())
      .post('/mcp')
      .set('Accept', ACCEPT)
      .set('Content-Type', 'application/json')
      .send(call('ping'));
    expect(res.text).toContain('pong');
  });

  it('R33: auth: false with a @RequireScopes tool → boot error naming the tool (it could never be called)', async () => {
    const error = await refusal(
      [McpServerModule.forRoot({ ...SERVER, auth: false })],
      [OpenTools, ScopedTools],
    );
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
    expect(error.option).toBe('auth');
    expect(error.message).toContain('"delete-everything" (ScopedTools.deleteEverything: admin)');
  });

  it('R33: an McpServerModule lazy-loaded without a visible McpAuthModule → the load fails', async () => {
    @Module({ imports: [McpServerModule.forRoot(SERVER)] })
    class LazyMcp {}
    const app = await boot([]);
    const loader = app.get(LazyModuleLoader);
    const error = await loader
      .load(() => LazyMcp)
      .then(
        () => new Error('loaded'),
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect((error as McpAuthConfigError).code).toBe('ERR_MCP_UNPROTECTED');
  });
});
