/**
 * Two McpAuthModules in one app (`isGlobal: false`, each imported by its own feature module): each feature's
 * McpAuthGuard decides with its own module's resource, verifier and telemetry, and the well-known documents of both
 * are served. What the bench's one-process telemetry comparison relies on (`bench/apps.ts`), and what an app with two
 * protected areas of different settings does. On Express and on Fastify.
 */
import { Controller, Get, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { McpAuthGuard, McpAuthModule, RequireScopes, type McpAuthModuleOptions } from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { ADAPTERS, createApp } from './support/adapters.js';
import { installOpenTelemetry, valueOf, type InstalledOpenTelemetry } from './support/otel.js';

const ORIGIN = 'http://127.0.0.1';
const QUIET = `${ORIGIN}/quiet`;
const OBSERVED = `${ORIGIN}/observed`;

@Controller('quiet')
@UseGuards(McpAuthGuard)
class QuietController {
  @Get('todos')
  @RequireScopes('read:todos')
  list() {
    return ['quiet'];
  }
}

@Controller('observed')
@UseGuards(McpAuthGuard)
class ObservedController {
  @Get('todos')
  @RequireScopes('read:todos')
  list() {
    return ['observed'];
  }
}

/** A McpAuthModule scoped to the feature module that imports it, trusting `issuer`. */
const scoped = (issuer: LocalIssuer, options: Omit<McpAuthModuleOptions, 'authorizationServers'>) =>
  McpAuthModule.forRoot({ ...options, authorizationServers: [issuer.authorizationServer], isGlobal: false });

describe.each(ADAPTERS)('two scoped McpAuthModules in one app on %s', (adapter) => {
  let issuer: LocalIssuer;
  let otel: InstalledOpenTelemetry;
  let app: INestApplication;
  const get = (path: string, token: string) =>
    request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`);
  const mint = (audience: string, scopes = ['read:todos']) => issuer.mint({ audience, scopes });

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    otel = installOpenTelemetry();
    @Module({
      imports: [scoped(issuer, { resource: QUIET, openTelemetry: false, audit: false })],
      controllers: [QuietController],
    })
    class QuietFeature {}
    @Module({
      imports: [scoped(issuer, { resource: OBSERVED })],
      controllers: [ObservedController],
    })
    class ObservedFeature {}
    const moduleRef = await Test.createTestingModule({ imports: [QuietFeature, ObservedFeature] }).compile();
    app = await createApp(adapter, moduleRef);
  });
  afterAll(async () => {
    await app?.close();
    await otel?.uninstall();
    await issuer?.close();
  });

  it("R18: each feature's McpAuthGuard accepts only tokens for its own module's resource", async () => {
    const quiet = await mint(QUIET);
    const observed = await mint(OBSERVED);
    await get('/quiet/todos', quiet).expect(200, ['quiet']);
    await get('/observed/todos', observed).expect(200, ['observed']);
    const wrong = await get('/observed/todos', quiet).expect(401);
    expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
    await get('/quiet/todos', observed).expect(401);
  });

  it("R12, R13, R1: each refusal names its own module's resource metadata, and both documents are served", async () => {
    const quiet = await get('/quiet/todos', await mint(QUIET, [])).expect(403);
    expect(quiet.headers['www-authenticate']).toContain(
      `resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/quiet"`,
    );
    const observed = await get('/observed/todos', await mint(OBSERVED, [])).expect(403);
    expect(observed.headers['www-authenticate']).toContain(
      `resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/observed"`,
    );
    for (const resource of [QUIET, OBSERVED]) {
      const path = `/.well-known/oauth-protected-resource${new URL(resource).pathname}`;
      const doc = await request(app.getHttpServer()).get(path).expect(200);
      expect(doc.body).toMatchObject({ resource });
    }
  });

  it('R4: no root document when the modules protect two resources (a client cannot be told which)', async () => {
    await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource').expect(404);
  });

  it("issue 17: only the module with OpenTelemetry on counts its decisions (the other's are not seen)", async () => {
    const before = await otel.collect();
    const counted = (metrics: typeof before, resource: string) =>
      valueOf(metrics.get('mcp_auth.decisions'), { result: 'accepted', resource });
    const observedBefore = counted(before, OBSERVED);
    await get('/quiet/todos', await mint(QUIET)).expect(200);
    await get('/observed/todos', await mint(OBSERVED)).expect(200);
    await get('/observed/todos', await mint(OBSERVED)).expect(200);
    const after = await otel.collect();
    expect(counted(after, OBSERVED) - observedBefore).toBe(2);
    expect(counted(after, QUIET)).toBe(0);
  });
});

describe('McpAuthModules of one app that would serve one metadata path', () => {
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await startLocalIssuer();
  });
  afterAll(async () => {
    await issuer?.close();
  });

  const boot = async (second: { scopesSupported?: string[] }) => {
    @Module({ imports: [scoped(issuer, { resource: QUIET })], controllers: [QuietController] })
    class First {}
    @Module({
      imports: [scoped(issuer, { resource: QUIET, ...second })],
      controllers: [ObservedController],
    })
    class Second {}
    const moduleRef = await Test.createTestingModule({ imports: [First, Second] }).compile();
    return createApp('express', moduleRef);
  };

  it('R5: the same resource configured alike in both → one document, also at the root', async () => {
    const app = await boot({});
    try {
      for (const path of [
        '/.well-known/oauth-protected-resource/quiet',
        '/.well-known/oauth-protected-resource',
      ]) {
        const doc = await request(app.getHttpServer()).get(path).expect(200);
        expect(doc.body).toMatchObject({ resource: QUIET });
      }
    } finally {
      await app.close();
    }
  });

  it('R5: the same resource configured differently → boot error naming the option and the path', async () => {
    await expect(boot({ scopesSupported: ['read:todos'] })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      option: 'resource',
      message: expect.stringContaining('/.well-known/oauth-protected-resource/quiet'),
    });
  });
});
