import { Controller, Get, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { decodeProtectedHeader } from 'jose';
import request from 'supertest';
import {
  AuthInfo,
  McpAuthConfigError,
  McpAuthGuard,
  McpAuthModule,
  RequireScopes,
  type McpAuthInfo,
  type McpAuthModuleOptions,
} from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';

const RESOURCE = 'http://127.0.0.1/api';

@Controller('api')
@UseGuards(McpAuthGuard)
@RequireScopes('read')
class NotesController {
  @Get('notes')
  notes(@AuthInfo() auth: McpAuthInfo) {
    return { subject: auth.subject, clientId: auth.clientId, scopes: auth.scopes, issuer: auth.issuer };
  }
}

/** What an app author writes: the module pointed at the local issuer, a guarded controller. */
async function boot(
  options: Partial<McpAuthModuleOptions> & Pick<McpAuthModuleOptions, 'authorizationServers'>,
) {
  const moduleRef = await Test.createTestingModule({
    imports: [McpAuthModule.forRoot({ resource: RESOURCE, ...options })],
    controllers: [NotesController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    return await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}

const notes = (app: INestApplication, token: string) =>
  request(app.getHttpServer()).get('/api/notes').set('Authorization', `Bearer ${token}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nest-mcp-auth/testing: startLocalIssuer', () => {
  let issuer: LocalIssuer;
  let app: INestApplication;

  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: RESOURCE });
    app = await boot({ authorizationServers: [issuer.authorizationServer] });
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('a minted token with the scope → 200, the claims reach the controller', async () => {
    const token = await issuer.mint({ subject: 'alice', scopes: ['read', 'write'], clientId: 'cli' });
    const res = await notes(app, token).expect(200);
    expect(res.body).toEqual({
      subject: 'alice',
      clientId: 'cli',
      scopes: ['read', 'write'],
      issuer: issuer.issuer,
    });
    expect(issuer.authorizationServer).toEqual({ issuer: issuer.issuer, type: 'oidc' });
    expect(issuer.requestCount('/.well-known/openid-configuration')).toBe(1); // eager discovery at boot
    expect(issuer.requestCount(issuer.jwksUri)).toBe(1);
  });

  it('wrong audience → 401, no audience → 401', async () => {
    await notes(app, await issuer.mint({ scopes: 'read', audience: 'http://127.0.0.1/other' })).expect(401);
    await notes(app, await issuer.mint({ scopes: 'read', audience: null })).expect(401);
  });

  it('expired → 401 invalid_token; not yet valid → 401', async () => {
    const res = await notes(app, await issuer.mint({ scopes: 'read', expiresIn: -60 })).expect(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    await notes(app, await issuer.mint({ scopes: 'read', notBefore: 120 })).expect(401);
  });

  it('missing scope → 403 insufficient_scope', async () => {
    const res = await notes(app, await issuer.mint({ scopes: ['write'] })).expect(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    await notes(app, await issuer.mint()).expect(403);
  });

  it('another issuer claimed in `iss` → 401', async () => {
    await notes(app, await issuer.mint({ scopes: 'read', claims: { iss: 'http://127.0.0.1:1' } })).expect(
      401,
    );
  });

  it.each([
    ['oidc', 'oidc' as const, ['/tenant-a/.well-known/openid-configuration']],
    ['oauth', 'oauth' as const, ['/.well-known/oauth-authorization-server/tenant-a']],
    ['probed (type omitted)', undefined, ['/.well-known/oauth-authorization-server/tenant-a']],
  ])('an issuer with a path (/tenant-a), discovery %s', async (_name, type, fetched) => {
    const tenant = await startLocalIssuer({ issuerPath: '/tenant-a', audience: RESOURCE });
    try {
      expect(tenant.issuer).toBe(`${tenant.origin}/tenant-a`);
      const tenantApp = await boot({ authorizationServers: [{ issuer: tenant.issuer, type }] });
      try {
        const res = await notes(tenantApp, await tenant.mint({ scopes: 'read' })).expect(200);
        expect(res.body.issuer).toBe(tenant.issuer);
        for (const path of fetched) expect(tenant.requestCount(path)).toBe(1);
        expect(tenant.requestCount('/tenant-a/jwks')).toBe(1);
      } finally {
        await tenantApp.close();
      }
    } finally {
      await tenant.close();
    }
  });

  it("discovery: 'oauth' serves only RFC 8414 metadata and hands out type 'oauth'", async () => {
    const oauthOnly = await startLocalIssuer({
      issuerPath: '/tenant-a',
      discovery: 'oauth',
      audience: RESOURCE,
    });
    try {
      expect(oauthOnly.authorizationServer).toEqual({ issuer: oauthOnly.issuer, type: 'oauth' });
      const oidc = await fetch(`${oauthOnly.issuer}/.well-known/openid-configuration`);
      expect(oidc.status).toBe(404);
      const oauthApp = await boot({ authorizationServers: [oauthOnly.authorizationServer] });
      await notes(oauthApp, await oauthOnly.mint({ scopes: 'read' })).expect(200);
      await oauthApp.close();
    } finally {
      await oauthOnly.close();
    }
  });

  it('ES256 and EdDSA keys: one key per algorithm, `header.alg` picks it', async () => {
    const multi = await startLocalIssuer({ algorithms: ['ES256', 'EdDSA'], audience: RESOURCE });
    try {
      expect(multi.kids).toHaveLength(2);
      expect(multi.metadata.id_token_signing_alg_values_supported).toEqual(['ES256', 'EdDSA']);
      const multiApp = await boot({ authorizationServers: [multi.authorizationServer] });
      try {
        for (const alg of ['ES256', 'EdDSA'] as const) {
          const token = await multi.mint({ scopes: 'read', header: { alg } });
          expect(decodeProtectedHeader(token)).toMatchObject({ alg, typ: 'at+jwt' });
          await notes(multiApp, token).expect(200);
        }
        // The default key is the first one listed.
        expect(decodeProtectedHeader(await multi.mint()).alg).toBe('ES256');
      } finally {
        await multiApp.close();
      }
    } finally {
      await multi.close();
    }
  });

  it('key rotation: a new key is accepted once the verifier refetches; a removed key is refused', async () => {
    const rotating = await startLocalIssuer({ audience: RESOURCE });
    try {
      const rotatingApp = await boot({
        authorizationServers: [rotating.authorizationServer],
        jwks: { cooldown: 50, cacheMaxAge: 200 },
      });
      try {
        const [oldKid] = rotating.kids;
        await notes(rotatingApp, await rotating.mint({ scopes: 'read' })).expect(200);
        expect(rotating.requestCount(rotating.jwksUri)).toBe(1);

        const newKid = await rotating.addKey();
        expect(rotating.kids).toEqual([oldKid, newKid]);
        await sleep(60); // past the cooldown: the unknown kid triggers a refetch
        const signedByNew = await rotating.mint({ scopes: 'read', header: { kid: newKid } });
        expect(decodeProtectedHeader(signedByNew).kid).toBe(newKid);
        await notes(rotatingApp, signedByNew).expect(200);
        expect(rotating.requestCount(rotating.jwksUri)).toBe(2);

        rotating.removeKey(oldKid);
        expect(rotating.kids).toEqual([newKid]);
        const signedByOld = await rotating.mint({ scopes: 'read', header: { kid: oldKid } });
        await sleep(250); // past cacheMaxAge: the next verification reloads the JWKS, without the old key
        await notes(rotatingApp, signedByOld).expect(401);
        // mint() now signs with the first published key: the new one.
        expect(decodeProtectedHeader(await rotating.mint()).kid).toBe(newKid);
        await notes(rotatingApp, await rotating.mint({ scopes: 'read' })).expect(200);
      } finally {
        await rotatingApp.close();
      }
    } finally {
      await rotating.close();
    }
  });

  it('an unknown-kid storm inside the cooldown reaches the JWKS at most once (requestCount)', async () => {
    const before = issuer.requestCount(issuer.jwksUri);
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => issuer.mint({ scopes: 'read', header: { kid: `unknown-${i}` } })),
    );
    for (const token of tokens) await notes(app, token).expect(401);
    expect(issuer.requestCount(issuer.jwksUri) - before).toBeLessThanOrEqual(1);
  });

  it("setDown(true) with discovery: 'lazy' → boot succeeds, requests get 503 + Retry-After, then 200", async () => {
    const flaky = await startLocalIssuer({ audience: RESOURCE });
    try {
      flaky.setDown(true);
      const lazyApp = await boot({ authorizationServers: [flaky.authorizationServer], discovery: 'lazy' });
      try {
        const token = await flaky.mint({ scopes: 'read' });
        const res = await notes(lazyApp, token).expect(503);
        expect(res.headers['retry-after']).toBeDefined();
        expect(flaky.requestCount('/.well-known/openid-configuration')).toBe(1);
        flaky.setDown(false);
        await sleep(1100); // discovery failures are remembered for one second
        await notes(lazyApp, token).expect(200);
      } finally {
        await lazyApp.close();
      }
    } finally {
      await flaky.close();
    }
  });

  it('setDelay beyond discoveryTimeout → boot fails with ERR_DISCOVERY_TIMEOUT', async () => {
    const slow = await startLocalIssuer();
    try {
      slow.setDelay(1000);
      const failure = await boot({
        authorizationServers: [slow.authorizationServer],
        discoveryTimeout: 100,
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(McpAuthConfigError);
      expect((failure as McpAuthConfigError).code).toBe('ERR_DISCOVERY_TIMEOUT');
      slow.setDelay(0);
    } finally {
      await slow.close(); // also drops the delayed answer
    }
  });
});
