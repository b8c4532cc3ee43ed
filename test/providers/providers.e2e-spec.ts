import { jest } from '@jest/globals';
import { Controller, Get, Logger, Post, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { decodeProtectedHeader } from 'jose';
import request from 'supertest';
import {
  AuthInfo,
  McpAuthConfigError,
  McpAuthGuard,
  McpAuthModule,
  RequireScopes,
  type McpAuthModuleOptions,
} from '../../lib/index.js';
import { runDoctor } from '../../lib/cli/doctor.js';
import { startLocalIssuer, type LocalIssuer } from '../../lib/testing/index.js';
import { parseBearerChallenge } from '../support/parse-challenge.js';
import { ADAPTERS, createApp, httpAdapter, type AdapterName } from '../support/adapters.js';
import { createProtectedApp } from '../support/protected-app.js';
import {
  APP_SCOPES,
  COGNITO,
  ENTRA,
  ENTRA_API_APP,
  PROFILES,
  type MetadataWarning,
  type ProviderProfile,
} from './profiles.js';

const READ = ['read:todos'];
const PRM_PATH = '/.well-known/oauth-protected-resource/mcp';

const bearer = (r: request.Test, token: string) => r.set('Authorization', `Bearer ${token}`);

/** Which R30 warnings a boot logged for `issuer`. */
function warningKinds(messages: readonly string[], issuer: string): MetadataWarning[] {
  const mine = messages.filter((m) => m.includes(JSON.stringify(issuer)));
  const kinds: MetadataWarning[] = [];
  if (mine.some((m) => m.includes('code_challenge_methods_supported'))) kinds.push('pkce');
  if (mine.some((m) => m.includes('registration_endpoint'))) kinds.push('registration');
  return kinds;
}

/** Boots the protected test app, recording the module's boot warnings (the app's logger is off). */
async function bootRecordingWarnings(
  options: McpAuthModuleOptions,
  warnings: string[],
  adapter: AdapterName,
) {
  const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
    warnings.push(String(message));
  });
  try {
    // Its service reads McpAuthContext.
    return await createProtectedApp({ ...options, context: true }, undefined, adapter);
  } finally {
    spy.mockRestore();
  }
}

/** A controller whose scopes are the names clients ask the provider for. */
function providerNamedController(read: string, create: string) {
  @Controller('named')
  @UseGuards(McpAuthGuard)
  class NamedTodosController {
    @Get()
    @RequireScopes(read)
    list(@AuthInfo('scopes') scopes: string[]) {
      return { scopes };
    }

    @Post()
    @RequireScopes(read, create)
    create() {
      return { created: true };
    }
  }
  return NamedTodosController;
}

describe.each(ADAPTERS)('on %s', (adapter) => {
  describe.each(PROFILES.map((p) => [p.name, p] as const))('%s', (_name, profile: ProviderProfile) => {
    let issuer: LocalIssuer;
    let app: INestApplication;
    const warnings: string[] = [];

    const server = () => app.getHttpServer();
    const mint = (scopes: readonly string[], audience: 'own' | 'other' = 'own') =>
      profile.token(issuer, { scopes, audience });

    beforeAll(async () => {
      issuer = await startLocalIssuer(profile.localIssuer);
      app = await bootRecordingWarnings(profile.options(issuer), warnings, adapter);
    });
    afterAll(async () => {
      await app?.close();
      await issuer?.close();
    });

    it('R29 R30 boots against the realistic issuer form and document; warns only of what MCP clients will miss', () => {
      expect(issuer.issuer).toBe(`${issuer.origin}${profile.localIssuer.issuerPath}`);
      expect(issuer.metadata.issuer).toBe(issuer.issuer);
      for (const { path } of profile.discoveryRequests) expect(issuer.requestCount(path)).toBe(1);
      expect(warningKinds(warnings, issuer.issuer)).toEqual(profile.warnings);
    });

    it('R18 the provider’s token for this API → 200; /api/me shows the mapped subject, client and scopes', async () => {
      const token = await mint(READ);
      expect(decodeProtectedHeader(token).typ).toBe(profile.typ ?? undefined);
      const todos = await bearer(request(server()).get('/api/todos'), token).expect(200);
      expect(todos.body.scopes).toEqual(expect.arrayContaining(READ));
      const me = await bearer(request(server()).get('/api/me'), token).expect(200);
      const expected = profile.expected(READ);
      expect(me.body).toMatchObject({
        subject: expected.subject,
        clientId: expected.clientId,
        scopes: expected.scopes,
        issuer: issuer.issuer,
        fromService: { subject: expected.subject, clientId: expected.clientId },
      });
      expect(issuer.requestCount(issuer.jwksUri)).toBe(1);
    });

    it('R18 the same claim set for another audience → 401 invalid_token', async () => {
      const res = await bearer(request(server()).get('/api/todos'), await mint(READ, 'other')).expect(401);
      const challenge = parseBearerChallenge(res.headers['www-authenticate']);
      expect(challenge.error).toBe('invalid_token');
      expect(challenge.resource_metadata).toBe(`https://todo.example.com${PRM_PATH}`);
    });

    it('R13 scopes: without create:todos → 403 insufficient_scope naming them; with it → 201', async () => {
      const readOnly = await mint(READ);
      const res = await bearer(request(server()).post('/api/todos'), readOnly).expect(403);
      const challenge = parseBearerChallenge(res.headers['www-authenticate']);
      expect(challenge.error).toBe('insufficient_scope');
      expect(challenge.scope).toBe('read:todos create:todos');
      await bearer(request(server()).post('/api/todos'), await mint(APP_SCOPES)).expect(201);
      // No scope for this API at all → 403 on the read route too.
      await bearer(request(server()).get('/api/todos'), await mint([])).expect(403);
    });

    if (profile.id === 'auth0') {
      it('R13 RBAC: a permission in `permissions` but not in `scope` is granted (scopesFromClaims)', async () => {
        const token = await issuer.mint({
          subject: 'auth0|6650f1c2e4b0a1d2c3e4f5a6',
          audience: [profile.options(issuer).resource as string, `${issuer.issuer}userinfo`],
          scopes: 'openid read:todos',
          header: { typ: 'JWT' },
          claims: {
            azp: 'kX3pQ9rT2vW8yZ1aB4cD6eF7gH0jK5mN',
            permissions: [...APP_SCOPES],
            client_id: undefined,
          },
        });
        await bearer(request(server()).post('/api/todos'), token).expect(201);
      });

      it('R29 the issuer without its trailing slash fails boot (ERR_ISSUER_MISMATCH)', async () => {
        const withoutSlash = issuer.issuer.replace(/\/$/, '');
        const moduleRef = await Test.createTestingModule({
          imports: [
            McpAuthModule.forRoot({
              ...profile.options(issuer),
              authorizationServers: [{ issuer: withoutSlash, type: 'oidc' }],
            }),
          ],
        }).compile();
        const failing = moduleRef.createNestApplication(httpAdapter(adapter), { logger: false });
        const error = await failing.init().then(
          () => undefined,
          (e: unknown) => e,
        );
        await failing.close().catch(() => undefined);
        expect(error).toBeInstanceOf(McpAuthConfigError);
        expect((error as McpAuthConfigError).code).toBe('ERR_ISSUER_MISMATCH');
        expect((error as Error).message).toContain('trailing slash');
      });
    }

    if (profile.id === 'entra') {
      it('R13 an app-only token (client credentials): app roles in `roles`, no scp → granted', async () => {
        const token = await issuer.mint({
          subject: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
          audience: ENTRA_API_APP,
          scopes: [],
          header: { typ: 'JWT' },
          claims: {
            azp: 'e8f1a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b',
            azpacr: '1',
            idtyp: 'app',
            oid: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
            roles: [...APP_SCOPES],
            tid: issuer.issuer.split('/')[3],
            ver: '2.0',
            client_id: undefined,
            jti: undefined,
          },
        });
        await bearer(request(server()).post('/api/todos'), token).expect(201);
      });

      it('R29 a v1 token (iss https://sts.windows.net/{tenant}/: accessTokenAcceptedVersion not 2) → 401', async () => {
        const v1 = await issuer.mint({
          audience: ENTRA_API_APP,
          claims: {
            iss: 'https://sts.windows.net/3f9b8c2e-5d4a-4e6f-9a1b-7c8d2e0f4a6b/',
            ver: '1.0',
            scp: 'read:todos',
          },
        });
        await bearer(request(server()).get('/api/todos'), v1).expect(401);
      });
    }

    if (profile.id === 'cognito') {
      it('R18 an ID token (aud = the app client, token_use id, no client_id) → 401', async () => {
        const idToken = await issuer.mint({
          audience: '4k8m2n6p9q1r3s5t7v0w2x4y6z',
          header: { typ: null },
          claims: {
            client_id: undefined,
            token_use: 'id',
            'cognito:username': 'alice',
            email: 'alice@example.com',
          },
        });
        await bearer(request(server()).get('/api/me'), idToken).expect(401);
      });
    }
  });

  describe.each([ENTRA, COGNITO].map((p) => [p.name, p] as const))(
    'R13 %s with provider-named scopes (challenges name what the client asks the provider for)',
    (_name, profile: ProviderProfile) => {
      let issuer: LocalIssuer;
      let app: INestApplication;
      const [read, create] = APP_SCOPES.map((s) => profile.requestedScope(s));

      beforeAll(async () => {
        issuer = await startLocalIssuer(profile.localIssuer);
        const moduleRef = await Test.createTestingModule({
          imports: [McpAuthModule.forRoot(profile.providerNamedOptions!(issuer))],
          controllers: [providerNamedController(read, create)],
        }).compile();
        app = await createApp(adapter, moduleRef);
      });
      afterAll(async () => {
        await app?.close();
        await issuer?.close();
      });

      it('R13 scopes_supported, the 403 step-up and the granted scopes use the provider’s names', async () => {
        const prm = await request(app.getHttpServer()).get(PRM_PATH).expect(200);
        expect(prm.body.scopes_supported).toEqual([read, create]);

        const readOnly = await profile.token(issuer, { scopes: READ });
        const list = await bearer(request(app.getHttpServer()).get('/named'), readOnly).expect(200);
        expect(list.body.scopes).toContain(read);
        const res = await bearer(request(app.getHttpServer()).post('/named'), readOnly).expect(403);
        expect(parseBearerChallenge(res.headers['www-authenticate']).scope).toBe(`${read} ${create}`);

        const both = await profile.token(issuer, { scopes: APP_SCOPES });
        await bearer(request(app.getHttpServer()).post('/named'), both).expect(201);
      });
    },
  );
});

describe('doctor against the provider profiles', () => {
  it.each(PROFILES.map((p) => [p.name, p] as const))(
    'R29, R30: %s — nothing blocks MCP clients; PKCE and registration warnings as the module logs them',
    async (_name, profile) => {
      const issuer = await startLocalIssuer(profile.localIssuer);
      try {
        const report = await runDoctor({ issuer: issuer.issuer });
        expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
        expect(report.ok).toBe(true);
        const warned = (title: string) => report.checks.some((c) => c.title === title && c.status === 'warn');
        expect(warned('PKCE S256')).toBe(profile.warnings.includes('pkce'));
        expect(warned('Client registration')).toBe(profile.warnings.includes('registration'));
      } finally {
        await issuer.close();
      }
    },
  );
});
