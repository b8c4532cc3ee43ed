import {
  Controller,
  Get,
  Module,
  UseGuards,
  VersioningType,
  type INestApplication,
  type LoggerService,
  type Type,
} from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AuthInfo,
  McpAuthConfigError,
  McpAuthGuard,
  McpAuthModule,
  McpServerModule,
  ProtectedResource,
  type McpAuthInfo,
  type McpAuthModuleOptions,
} from '../lib/index.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { ADAPTERS, createApp, type AdapterName, type FastifyOptions } from './support/adapters.js';
import { parseBearerChallenge } from './support/parse-challenge.js';

// The README's multi-resource shape: /mcp trusts issuer A, /admin trusts issuer B.
const BASE = 'http://127.0.0.1';
const MCP = `${BASE}/mcp`;
const ADMIN = `${BASE}/admin`;
const V1_MCP = `${BASE}/v1/mcp`;
const V1_ADMIN = `${BASE}/v1/admin`;
const V2_ADMIN = `${BASE}/v2/admin`;
const prm = (resource: string) => `${BASE}/.well-known/oauth-protected-resource${new URL(resource).pathname}`;
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef', scopes: ['read'] };

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

const caller = (auth: McpAuthInfo) => ({ issuer: auth.issuer, resource: auth.resource?.href });

/** The admin routes; a wildcard is spelled `*path` on Express (path-to-regexp 8) and `*` on Fastify (find-my-way). */
function adminController(adapter: AdapterName) {
  @Controller('admin')
  @UseGuards(McpAuthGuard)
  class AdminController {
    @Get('secret') secret(@AuthInfo() auth: McpAuthInfo) {
      return caller(auth);
    }
    @Get('items/:id') item(@AuthInfo() auth: McpAuthInfo) {
      return caller(auth);
    }
    @Get(adapter === 'fastify' ? 'files/*' : 'files/*path') file(@AuthInfo() auth: McpAuthInfo) {
      return caller(auth);
    }
  }
  return AdminController;
}

@Controller('admin')
@UseGuards(McpAuthGuard)
class NamedController {
  @Get('named')
  @ProtectedResource(MCP)
  named(@AuthInfo() auth: McpAuthInfo) {
    return caller(auth);
  }
}

@Controller('mcp')
@UseGuards(McpAuthGuard)
class McpSideController {
  @Get('me') me(@AuthInfo() auth: McpAuthInfo) {
    return caller(auth);
  }
}

@Controller()
@UseGuards(McpAuthGuard)
class UnmatchedController {
  @Get('elsewhere') elsewhere() {
    return { served: true };
  }
  @Get('administrator/panel') administrator() {
    return { served: true };
  }
}

@Controller('reports')
@UseGuards(McpAuthGuard)
class ReportsController {
  @Get() list(@AuthInfo() auth: McpAuthInfo) {
    return caller(auth);
  }
}

@Controller({ path: 'audit', version: '2' })
@UseGuards(McpAuthGuard)
class AuditController {
  @Get() list(@AuthInfo() auth: McpAuthInfo) {
    return caller(auth);
  }
}

@Module({ controllers: [ReportsController, AuditController] })
class ReportsModule {}

/** Collects what the app logs, to check what an unmatched route reports. */
class CapturingLogger implements LoggerService {
  readonly errors: string[] = [];
  log() {}
  warn() {}
  debug() {}
  verbose() {}
  error(message: unknown) {
    this.errors.push(String(message));
  }
}

interface Booted {
  app: INestApplication;
  logger: CapturingLogger;
}

/**
 * Fastify routed as Express routes by default — letter case and a trailing slash forgiven — so that the same
 * hostile spellings reach the handlers on both adapters. (Fastify's own default, case-sensitive, is tested below.)
 */
const FASTIFY_ROUTED_AS_EXPRESS: FastifyOptions = {
  routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
};

async function boot(
  auth: McpAuthModuleOptions,
  setup: { controllers?: Type[]; imports?: Array<Type | ReturnType<typeof RouterModule.register>> } = {},
  configure?: (app: INestApplication) => void,
  adapter: AdapterName = 'express',
  fastify: FastifyOptions = FASTIFY_ROUTED_AS_EXPRESS,
): Promise<Booted> {
  const moduleRef = await Test.createTestingModule({
    imports: [McpAuthModule.forRoot(auth), ...(setup.imports ?? [])],
    controllers: setup.controllers ?? [],
  }).compile();
  const logger = new CapturingLogger();
  const app = await createApp(adapter, moduleRef, { logger, configure, fastify });
  return { app, logger };
}

describe('R35: the resource of a route is decided from the route, never from the request URL', () => {
  let issuerA: TestProvider;
  let issuerB: TestProvider;
  let mcpToken: string; // issuer A, aud /mcp
  let adminToken: string; // issuer B, aud /admin
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    issuerA = await startTestProvider({
      resources: { [MCP]: { scopes: ['read'] }, [V1_MCP]: { scopes: ['read'] } },
      clients: [CLIENT],
    });
    issuerB = await startTestProvider({
      resources: {
        [ADMIN]: { scopes: ['read'] },
        [V1_ADMIN]: { scopes: ['read'] },
        [V2_ADMIN]: { scopes: ['read'] },
      },
      clients: [CLIENT],
    });
    const token = (p: TestProvider, resource: string) =>
      p.clientCredentialsToken({ ...CLIENT, scope: 'read', resource });
    mcpToken = await token(issuerA, MCP);
    adminToken = await token(issuerB, ADMIN);
    tokens.v1Mcp = await token(issuerA, V1_MCP);
    tokens.v1Admin = await token(issuerB, V1_ADMIN);
    tokens.v2Admin = await token(issuerB, V2_ADMIN);
  });
  afterAll(async () => {
    await issuerA?.close();
    await issuerB?.close();
  });

  const options = (mcp: string, admin: string): McpAuthModuleOptions => ({
    resource: [
      { resource: mcp },
      { resource: admin, authorizationServers: [{ issuer: issuerB.issuer, type: 'oidc' }] },
    ],
    authorizationServers: [{ issuer: issuerA.issuer, type: 'oidc' }],
  });
  const get = (app: INestApplication, path: string, bearer?: string) => {
    const r = request(app.getHttpServer()).get(path);
    return bearer === undefined ? r : r.set('Authorization', `Bearer ${bearer}`);
  };
  /** Not served: refused with the challenge of `resource` when the path is routed, else 404 — never 200. */
  const expectRefused = async (app: INestApplication, path: string, bearer: string, resource: string) => {
    const res = await get(app, path, bearer);
    if (res.status === 404) return res;
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
    const challenge = parseBearerChallenge(res.headers['www-authenticate']);
    expect(challenge).toMatchObject({ error: 'invalid_token', resource_metadata: prm(resource) });
    return res;
  };

  describe.each(ADAPTERS)('on %s', (adapter) => {
    describe('two resources, routes at the root', () => {
      let booted: Booted;
      let app: INestApplication;
      beforeAll(async () => {
        booted = await boot(
          options(MCP, ADMIN),
          {
            controllers: [adminController(adapter), NamedController, McpSideController, UnmatchedController],
          },
          undefined,
          adapter,
        );
        app = booted.app;
      });
      afterAll(() => app?.close());

      it('R35: the /mcp token is refused on /admin/secret in every spelling the router serves it', async () => {
        for (const path of [
          '/admin/secret',
          '/ADMIN/secret',
          '/Admin/Secret',
          '/ADMIN/SECRET/',
          '/admin//secret',
          '/%61dmin/secret',
          '/%41DMIN/secret',
          '/admin/%73ecret',
          '/admin/secret?x=/mcp',
          '/admin/items/1',
          '/ADMIN/Items/1',
          '/Admin/files/a/b',
        ]) {
          await expectRefused(app, path, mcpToken, ADMIN);
        }
        // The spellings Express routes to the handler really reached it (and were refused there).
        const flipped = await get(app, '/ADMIN/secret', mcpToken).expect(401);
        expect(parseBearerChallenge(flipped.headers['www-authenticate']).resource_metadata).toBe(prm(ADMIN));
      });

      it("R35: the /admin token is accepted on the admin routes, whatever the URL's letter case", async () => {
        for (const path of [
          '/admin/secret',
          '/ADMIN/secret',
          '/Admin/Secret/',
          '/admin/items/7',
          '/ADMIN/files/x/y',
        ]) {
          const res = await get(app, path, adminToken).expect(200);
          expect(res.body).toEqual({ issuer: issuerB.issuer, resource: new URL(ADMIN).href });
        }
      });

      it('R35: the challenge names the resource of the route, not of the URL; each token opens only its routes', async () => {
        for (const path of ['/ADMIN/secret', '/admin/secret']) {
          const res = await get(app, path).expect(401);
          expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${prm(ADMIN)}"`);
        }
        const res = await get(app, '/MCP/me').expect(401);
        expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${prm(MCP)}"`);
        for (const path of ['/mcp/me', '/MCP/me', '/Mcp/Me/'])
          await expectRefused(app, path, adminToken, MCP);
        await get(app, '/MCP/ME', mcpToken).expect(200);
      });

      it('R7: @ProtectedResource decides before the path', async () => {
        const res = await get(app, '/ADMIN/named', mcpToken).expect(200);
        expect(res.body.resource).toBe(new URL(MCP).href);
        await expectRefused(app, '/admin/named', adminToken, MCP);
      });

      it('R35: a guarded route under no resource is refused (403, nothing leaked), logged once with the fix', async () => {
        const before = booted.logger.errors.length;
        for (const bearer of [undefined, mcpToken, adminToken, mcpToken]) {
          for (const path of ['/elsewhere', '/ELSEWHERE', '/administrator/panel']) {
            const res = await get(app, path, bearer).expect(403);
            expect(res.headers['www-authenticate']).toBeUndefined();
            expect(res.body).toEqual({ statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' });
          }
        }
        const logged = booted.logger.errors.slice(before);
        expect(logged).toHaveLength(2);
        expect(logged[0]).toContain(
          'UnmatchedController.elsewhere: Route /elsewhere belongs to no protected resource',
        );
        expect(logged[1]).toContain('Route /administrator/panel belongs to no protected resource');
        for (const line of logged) {
          expect(line).toContain("@ProtectedResource('<resource>')");
          expect(line).not.toContain(mcpToken);
        }
      });
    });

    describe('with a global prefix', () => {
      let app: INestApplication;
      beforeAll(async () => {
        ({ app } = await boot(
          options(V1_MCP, V1_ADMIN),
          { controllers: [adminController(adapter), McpSideController] },
          (a) => a.setGlobalPrefix('v1'),
          adapter,
        ));
      });
      afterAll(() => app?.close());

      it('R35: /V1/ADMIN/secret is the /v1/admin resource: the /v1/mcp token is refused, the admin one accepted', async () => {
        for (const path of [
          '/v1/admin/secret',
          '/V1/ADMIN/secret',
          '/v1/Admin/Secret',
          '/V1/admin//secret',
          '/%76%31/admin/secret',
        ]) {
          await expectRefused(app, path, tokens.v1Mcp, V1_ADMIN);
        }
        const res = await get(app, '/V1/ADMIN/secret', tokens.v1Admin).expect(200);
        expect(res.body.resource).toBe(new URL(V1_ADMIN).href);
        await get(app, '/V1/MCP/me', tokens.v1Mcp).expect(200);
        await expectRefused(app, '/V1/Mcp/me', tokens.v1Admin, V1_MCP);
      });
    });

    describe('with RouterModule and URI versioning', () => {
      let app: INestApplication;
      beforeAll(async () => {
        ({ app } = await boot(
          {
            ...options(MCP, ADMIN),
            resource: [
              { resource: MCP },
              { resource: ADMIN, authorizationServers: [{ issuer: issuerB.issuer, type: 'oidc' }] },
              { resource: V2_ADMIN, authorizationServers: [{ issuer: issuerB.issuer, type: 'oidc' }] },
            ],
          },
          { imports: [ReportsModule, RouterModule.register([{ path: 'admin', module: ReportsModule }])] },
          (a) => a.enableVersioning({ type: VersioningType.URI }),
          adapter,
        ));
      });
      afterAll(() => app?.close());

      it("R35: a RouterModule path is part of the route: /ADMIN/reports is /admin's", async () => {
        for (const path of ['/admin/reports', '/ADMIN/reports', '/Admin/Reports/', '/admin//reports']) {
          await expectRefused(app, path, mcpToken, ADMIN);
        }
        const res = await get(app, '/ADMIN/Reports', adminToken).expect(200);
        expect(res.body.resource).toBe(new URL(ADMIN).href);
      });

      it("R35: the URI version is part of the route: /V2/ADMIN/audit is /v2/admin's", async () => {
        const res = await get(app, '/V2/ADMIN/audit').expect(401);
        expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${prm(V2_ADMIN)}"`);
        await expectRefused(app, '/V2/ADMIN/audit', adminToken, V2_ADMIN);
        await expectRefused(app, '/v2/admin/audit', mcpToken, V2_ADMIN);
        const ok = await get(app, '/V2/Admin/Audit', tokens.v2Admin).expect(200);
        expect(ok.body.resource).toBe(new URL(V2_ADMIN).href);
      });
    });

    describe('one resource', () => {
      it('R35: every guarded route belongs to it, whatever its path (unchanged)', async () => {
        const { app } = await boot(
          { resource: MCP, authorizationServers: [{ issuer: issuerA.issuer, type: 'oidc' }] },
          { controllers: [adminController(adapter), UnmatchedController] },
          undefined,
          adapter,
        );
        try {
          const res = await get(app, '/elsewhere').expect(401);
          expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${prm(MCP)}"`);
          await get(app, '/ELSEWHERE', mcpToken).expect(200);
          const secret = await get(app, '/Admin/Secret', mcpToken).expect(200);
          expect(secret.body.resource).toBe(new URL(MCP).href);
          await expectRefused(app, '/admin/secret', adminToken, MCP);
        } finally {
          await app.close();
        }
      });
    });
  });

  describe("on fastify with Fastify's default routing (case-sensitive, trailing slash significant)", () => {
    it('R35: another spelling is not routed (404); the declared one belongs to its resource', async () => {
      const { app } = await boot(
        options(MCP, ADMIN),
        { controllers: [adminController('fastify'), McpSideController] },
        (a) => a.setGlobalPrefix('v1', { exclude: ['admin/{*path}', 'mcp/{*path}'] }),
        'fastify',
        {},
      );
      try {
        for (const path of ['/ADMIN/secret', '/Admin/Secret', '/admin/secret/', '/MCP/me']) {
          await get(app, path, adminToken).expect(404);
        }
        await expectRefused(app, '/admin/secret', mcpToken, ADMIN);
        const res = await get(app, '/admin/files/a/b', adminToken).expect(200);
        expect(res.body.resource).toBe(new URL(ADMIN).href);
        await get(app, '/mcp/me', mcpToken).expect(200);
        await expectRefused(app, '/mcp/me', adminToken, MCP);
      } finally {
        await app.close();
      }
    });
  });

  describe('the MCP endpoint', () => {
    const mcpApp = (
      auth: McpAuthModuleOptions,
      routes: { path?: string; sse?: boolean; sdk?: 'v1' | 'v2' } = {},
      configure?: (app: INestApplication) => void,
    ) =>
      boot(auth, { imports: [McpServerModule.forRoot({ name: 't', version: '1', ...routes })] }, configure);
    // The admin resource listed first: a fallback to "the first resource" would hand /MCP to it.
    const adminFirst = (mcp: string, admin: string): McpAuthModuleOptions => {
      const o = options(mcp, admin);
      return { ...o, resource: [...(o.resource as unknown[])].reverse() as McpAuthModuleOptions['resource'] };
    };
    const post = (app: INestApplication, path: string, bearer: string) =>
      request(app.getHttpServer())
        .post(path)
        .set('Authorization', `Bearer ${bearer}`)
        .set('Accept', 'application/json, text/event-stream')
        .send(INIT);

    it("R35: POST /MCP with the /admin token is refused with /mcp's challenge; the /mcp token is served", async () => {
      const { app } = await mcpApp(adminFirst(MCP, ADMIN));
      try {
        for (const path of ['/mcp', '/MCP', '/Mcp/']) {
          const res = await post(app, path, adminToken).expect(401);
          expect(parseBearerChallenge(res.headers['www-authenticate'])).toMatchObject({
            error: 'invalid_token',
            resource_metadata: prm(MCP),
          });
        }
        await post(app, '/MCP', mcpToken).expect(200);
      } finally {
        await app.close();
      }
    });

    it('R35: under a global prefix, /V1/MCP is the /v1/mcp resource', async () => {
      const { app } = await mcpApp(adminFirst(V1_MCP, V1_ADMIN), {}, (a) => a.setGlobalPrefix('v1'));
      try {
        const res = await post(app, '/V1/MCP', tokens.v1Admin).expect(401);
        expect(parseBearerChallenge(res.headers['www-authenticate']).resource_metadata).toBe(prm(V1_MCP));
        await post(app, '/V1/MCP', tokens.v1Mcp).expect(200);
      } finally {
        await app.close();
      }
    });

    it('R35: an MCP endpoint under no resource fails boot, naming the route and the fix', async () => {
      // The global prefix moves /mcp out of the /mcp resource.
      const prefixed = await mcpApp(options(MCP, ADMIN), {}, (a) => a.setGlobalPrefix('v1')).catch((e) => e);
      expect(prefixed).toBeInstanceOf(McpAuthConfigError);
      expect(prefixed).toMatchObject({ code: 'ERR_ROUTE_RESOURCE', route: '/v1/mcp', option: 'resource' });
      expect(prefixed.message).toContain(
        'McpServerModule POST /v1/mcp: Route /v1/mcp belongs to no protected resource',
      );
      // The legacy SSE endpoints at their default paths (/sse, /messages) are under neither /mcp nor /admin.
      const sse = await mcpApp(options(MCP, ADMIN), { sse: true, sdk: 'v1' }).catch((e) => e);
      expect(sse).toMatchObject({ code: 'ERR_ROUTE_RESOURCE', route: '/sse' });
    });

    it('R35: the boot check knows global prefix exclusions and URI default versions', async () => {
      const excluded = await mcpApp(options(MCP, ADMIN), {}, (a) =>
        a.setGlobalPrefix('v1', { exclude: ['mcp'] }),
      );
      await excluded.app.close();
      const versioned = await mcpApp(options(MCP, ADMIN), {}, (a) =>
        a.enableVersioning({ type: VersioningType.URI, defaultVersion: '3' }),
      ).catch((e) => e);
      expect(versioned).toMatchObject({ code: 'ERR_ROUTE_RESOURCE', route: '/v3/mcp' });
    });
  });
});
