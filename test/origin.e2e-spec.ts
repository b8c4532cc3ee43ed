import { networkInterfaces } from 'node:os';
import { Controller, Get, Injectable, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AuthInfo,
  McpAuthConfigError,
  McpAuthGuard,
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthModuleOptions,
} from '../lib/index.js';
import type { McpServerModuleOptions, McpServerRoutes } from '../lib/index.js';
import { AppModule, SAMPLE_BROWSER_ORIGINS } from '../sample/app.module.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { ADAPTERS, createApp } from './support/adapters.js';
import { ACCEPT, startSample, type Sample } from './support/sample-app.js';

// The resource lives on an origin of its own (not loopback), so "own origin" and "loopback" are told apart.
const RESOURCE = 'https://mcp.example.test/mcp';
const OWN = 'https://mcp.example.test';
const INSPECTOR = 'http://localhost:6274';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'browser', version: '1' } },
};
const REFUSED = {
  jsonrpc: '2.0',
  error: { code: -32000, message: 'Forbidden: Origin not allowed' },
  id: null,
};
const PREFLIGHT_HEADERS =
  'Authorization, Content-Type, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name';

@Injectable()
class Tools {
  @McpTool({ name: 'whoami' })
  whoami(_args: unknown, @AuthInfo('subject') subject: string) {
    return subject;
  }

  @McpTool({ name: 'purge' })
  @RequireScopes('delete:todos')
  purge() {
    return 'purged';
  }
}

@Controller('api')
class ApiController {
  @Get('ping')
  ping() {
    return { ok: true };
  }
}

/** Every header a CORS response can carry: none of them may be on a refused answer. */
function corsHeaders(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((h) => h.startsWith('access-control-'));
}

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe.each(ADAPTERS)('R32, R38: Origin validation and CORS on the MCP endpoints — %s', (adapter) => {
  let provider: TestProvider;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    provider = await startTestProvider({
      resources: { [RESOURCE]: { scopes: ['read:todos', 'delete:todos'] } },
      clients: [CLIENT],
    });
  });
  afterAll(async () => {
    await Promise.allSettled(apps.map((a) => a.close()));
    await provider.close();
  });

  const token = (scope = 'read:todos') =>
    provider.clientCredentialsToken({ ...CLIENT, scope, resource: RESOURCE });

  interface BootOptions {
    server?: Partial<McpServerModuleOptions> & McpServerRoutes;
    auth?: Partial<McpAuthModuleOptions>;
    host?: string;
    globalGuard?: boolean;
    prefix?: string;
  }

  /** Boots an app with McpAuthModule + McpServerModule, listening on `host`; returns its base URL on `host`. */
  async function boot(opts: BootOptions = {}): Promise<{ app: INestApplication; url: string }> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          ...opts.auth,
        }),
        McpServerModule.forRoot({ name: 't', version: '1', ...opts.server }),
      ],
      controllers: [ApiController],
      providers: [Tools, ...(opts.globalGuard ? [{ provide: APP_GUARD, useClass: McpAuthGuard }] : [])],
    }).compile();
    const app = await createApp(adapter, moduleRef, {
      configure: (created) => {
        apps.push(created);
        if (opts.prefix) created.setGlobalPrefix(opts.prefix);
      },
    });
    const host = opts.host ?? '127.0.0.1';
    await app.listen(0, host);
    const { port } = app.getHttpServer().address();
    return { app, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}` };
  }

  const post = (url: string, origin: string | undefined, bearer?: string, path = '/mcp') => {
    let r = request(url).post(path).set('Accept', ACCEPT).set('Content-Type', 'application/json');
    if (origin !== undefined) r = r.set('Origin', origin);
    if (bearer) r = r.set('Authorization', `Bearer ${bearer}`);
    return r.send(JSON.stringify(INIT));
  };
  const preflight = (url: string, origin: string | undefined, path = '/mcp') => {
    let r = request(url)
      .options(path)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,mcp-protocol-version');
    if (origin !== undefined) r = r.set('Origin', origin);
    return r;
  };

  describe('by default (listening on 127.0.0.1)', () => {
    let url: string;
    beforeAll(async () => {
      ({ url } = await boot());
    });

    it('R38: a request without Origin (SDKs, proxies, server-side clients) is served', async () => {
      const res = await post(url, undefined, await token());
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
    });

    it("R38: the resource's own origin is allowed, compared canonically, with CORS headers", async () => {
      const bearer = await token();
      for (const origin of [OWN, 'HTTPS://MCP.Example.TEST:443']) {
        const res = await post(url, origin, bearer);
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers['access-control-expose-headers']).toBe('WWW-Authenticate, Mcp-Session-Id');
        expect(res.headers['access-control-allow-credentials']).toBeUndefined();
        expect(res.headers.vary).toMatch(/\bOrigin\b/);
      }
    });

    it('R32: a foreign origin → 403 with a JSON-RPC body, before authentication: no challenge, no CORS headers', async () => {
      for (const bearer of [await token(), undefined]) {
        const res = await post(url, 'https://evil.example', bearer);
        expect(res.status).toBe(403);
        expect(res.body).toEqual(REFUSED);
        expect(res.headers['www-authenticate']).toBeUndefined();
        expect(corsHeaders(res.headers)).toEqual([]);
      }
    });

    it('R32: Origin "null", malformed origins, other schemes and lists of origins → 403', async () => {
      const bearer = await token();
      for (const origin of [
        'null',
        '',
        `${OWN}/`,
        `${OWN}/mcp`,
        `${OWN}?x=1`,
        'https://user@mcp.example.test',
        'mcp.example.test',
        `${OWN}, https://evil.example`,
        'file://',
        'chrome-extension://abcdefghijklmnop',
        'https://mcp.example.test.evil.example',
        'http://mcp.example.test', // the own host on another scheme is another origin
        'https://mcp.example.test:8443',
      ]) {
        const res = await post(url, origin, bearer);
        expect([origin, res.status]).toEqual([origin, 403]);
        expect(corsHeaders(res.headers)).toEqual([]);
      }
    });

    it('R38: loopback origins are allowed while the server listens on loopback (http only)', async () => {
      for (const origin of [INSPECTOR, 'http://127.0.0.1:5173', 'http://[::1]:8080', 'http://LOCALHOST']) {
        const res = await post(url, origin);
        expect([origin, res.status]).toEqual([origin, 401]);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
      }
      expect((await post(url, 'https://localhost:6274')).status).toBe(403);
      expect((await post(url, 'http://localhost.evil.example:6274')).status).toBe(403);
    });

    it('R32: the 401 challenge is readable cross-origin (ACAO + exposed WWW-Authenticate)', async () => {
      const res = await post(url, INSPECTOR);
      expect(res.status).toBe(401);
      expect(res.headers['access-control-allow-origin']).toBe(INSPECTOR);
      expect(res.headers['access-control-expose-headers']).toContain('WWW-Authenticate');
      expect(parseBearerChallenge(res.headers['www-authenticate']).resource_metadata).toBe(
        'https://mcp.example.test/.well-known/oauth-protected-resource/mcp',
      );
    });

    it('R32: the 403 step-up challenge of a tool carries CORS headers too', async () => {
      const res = await request(url)
        .post('/mcp')
        .set('Origin', OWN)
        .set('Accept', ACCEPT)
        .set('Authorization', `Bearer ${await token()}`)
        .send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'purge', arguments: {} } });
      expect(res.status).toBe(403);
      expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('insufficient_scope');
      expect(res.headers['access-control-allow-origin']).toBe(OWN);
      expect(res.headers['access-control-expose-headers']).toContain('WWW-Authenticate');
    });

    it('R32: a preflight from an allowed origin → 204 with the MCP methods and headers, without authentication', async () => {
      const res = await preflight(url, INSPECTOR);
      expect(res.status).toBe(204);
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': INSPECTOR,
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': PREFLIGHT_HEADERS,
        'access-control-max-age': '86400',
      });
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('R32: a preflight from a refused origin → 403 without CORS headers; OPTIONS without Origin → 204', async () => {
      const refused = await preflight(url, 'https://evil.example');
      expect(refused.status).toBe(403);
      expect(corsHeaders(refused.headers)).toEqual([]);
      const plain = await request(url).options('/mcp');
      expect(plain.status).toBe(204);
      expect(plain.headers.allow).toBe('GET, POST, DELETE, OPTIONS');
      expect(corsHeaders(plain.headers)).toEqual([]);
    });

    it('R32: other spellings of the path (letter case) are checked too', async () => {
      const res = await post(url, 'https://evil.example', await token(), '/MCP');
      expect(res.status).toBe(403);
    });

    it("R38: the app's other routes are not affected", async () => {
      const res = await request(url).get('/api/ping').set('Origin', 'https://evil.example');
      expect(res.status).toBe(200);
    });
  });

  describe('listening on a non-loopback address', () => {
    const address = externalAddress();
    // Without a non-loopback interface the real-socket test cannot run; lib/mcp/origin-policy.spec.ts covers the
    // decision with fake sockets on every machine.
    const withInterface = address ? it : it.skip;

    withInterface(
      'R38: loopback origins are refused when the request arrives on a non-loopback address',
      async () => {
        const { url } = await boot({ host: address });
        expect((await post(url, INSPECTOR)).status).toBe(403);
        expect((await post(url, 'http://127.0.0.1:5173')).status).toBe(403);
        expect((await preflight(url, INSPECTOR)).status).toBe(403);
        const own = await post(url, OWN);
        expect(own.status).toBe(401);
        expect(own.headers['access-control-allow-origin']).toBe(OWN);
      },
    );

    withInterface(
      'R38: listening on 0.0.0.0: loopback origins only on connections that arrive on loopback',
      async () => {
        const { app } = await boot({ host: '0.0.0.0' });
        const { port } = app.getHttpServer().address();
        expect((await post(`http://${address}:${port}`, INSPECTOR)).status).toBe(403);
        expect((await post(`http://127.0.0.1:${port}`, INSPECTOR)).status).toBe(401);
      },
    );
  });

  describe('explicit options', () => {
    it('R38: allowedOrigins adds origins (canonical comparison); the defaults still apply', async () => {
      const { url } = await boot({ server: { allowedOrigins: ['HTTPS://App.Example.com:443'] } });
      const bearer = await token();
      const app = await post(url, 'https://app.example.com', bearer);
      expect(app.status).toBe(200);
      expect(app.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect((await post(url, OWN, bearer)).status).toBe(200);
      expect((await post(url, 'https://other.example.com', bearer)).status).toBe(403);
      expect((await preflight(url, 'https://app.example.com')).status).toBe(204);
    });

    it('R38: allowAnyOrigin allows every well-formed origin; "null" and malformed ones stay refused', async () => {
      const { url } = await boot({ server: { allowAnyOrigin: true } });
      const bearer = await token();
      const res = await post(url, 'https://anywhere.example', bearer);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://anywhere.example');
      expect((await post(url, 'null', bearer)).status).toBe(403);
      expect((await post(url, 'https://anywhere.example/path', bearer)).status).toBe(403);
    });

    it('R38: an allowedOrigins entry that is not an origin fails the boot, naming the option', async () => {
      for (const [entry, hint] of [
        ['*', /allowAnyOrigin: true/],
        [`${INSPECTOR}/`, /Did you mean "http:\/\/localhost:6274"\?/],
        ['localhost:6274', /must be an http\(s\) origin/],
      ] as const) {
        const failure = boot({ server: { allowedOrigins: [entry] } });
        await expect(failure).rejects.toThrow(McpAuthConfigError);
        await expect(failure).rejects.toMatchObject({
          code: 'ERR_INVALID_OPTIONS',
          option: 'allowedOrigins[0]',
        });
        await expect(failure).rejects.toThrow(hint);
      }
    });
  });

  describe('every MCP route and wiring', () => {
    it('R32: the legacy SSE endpoints validate Origin and speak CORS the same way', async () => {
      const { url } = await boot({ server: { sse: true, sdk: 'v1' } });
      const evil = 'https://evil.example';
      const stream = await request(url).get('/sse').set('Origin', evil);
      expect(stream.status).toBe(403);
      expect(stream.body).toEqual(REFUSED);
      const message = await request(url).post('/messages?sessionId=x').set('Origin', evil).send(INIT);
      expect(message.status).toBe(403);
      expect((await preflight(url, evil, '/sse')).status).toBe(403);
      expect((await preflight(url, evil, '/messages')).status).toBe(403);

      const allowed = await request(url).get('/sse').set('Origin', INSPECTOR);
      expect(allowed.status).toBe(401);
      expect(allowed.headers['access-control-allow-origin']).toBe(INSPECTOR);
      expect(allowed.headers['access-control-expose-headers']).toContain('WWW-Authenticate');
      expect((await preflight(url, INSPECTOR, '/sse')).status).toBe(204);
      expect((await preflight(url, INSPECTOR, '/messages')).status).toBe(204);
    });

    it('R32: a refused Origin is answered before an app-wide McpAuthGuard (APP_GUARD) authenticates', async () => {
      const { url } = await boot({ globalGuard: true });
      const res = await post(url, 'https://evil.example');
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect((await preflight(url, INSPECTOR)).status).toBe(204);
    });

    it('R32: under a global prefix, the MCP path is checked and preflighted where it is served', async () => {
      const { url } = await boot({ prefix: 'v1', auth: { resource: 'https://mcp.example.test/v1/mcp' } });
      expect((await post(url, 'https://evil.example', undefined, '/v1/mcp')).status).toBe(403);
      const ok = await preflight(url, OWN, '/v1/mcp');
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(OWN);
    });

    it('R32: a 503 (provider unavailable) from an allowed origin carries CORS headers', async () => {
      provider.setDown(true);
      try {
        const { url } = await boot({ auth: { discovery: 'lazy' } });
        const unseen = await provider.signToken({
          iss: provider.issuer,
          aud: RESOURCE,
          sub: 'carol',
          exp: Math.floor(Date.now() / 1000) + 60,
        });
        const res = await post(url, INSPECTOR, unseen);
        expect(res.status).toBe(503);
        expect(res.headers['access-control-allow-origin']).toBe(INSPECTOR);
      } finally {
        provider.setDown(false);
      }
    });
  });
});

describe('R38: the sample and its development provider accept the browser origins (MCP Inspector UI)', () => {
  let sample: Sample;
  beforeAll(async () => {
    sample = await startSample();
  });
  afterAll(async () => {
    await sample?.close();
  });

  const preflight = (url: string, origin: string) =>
    request(url)
      .options('')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');

  const withInterface = externalAddress() ? it : it.skip;
  withInterface(
    'R38: the sample allows http://localhost:6274 explicitly, also on a non-loopback listener',
    async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          AppModule.forRoot({
            resource: sample.resource,
            authorizationServer: { issuer: sample.provider.issuer, type: 'oidc' },
            allowedOrigins: SAMPLE_BROWSER_ORIGINS,
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      const address = externalAddress()!;
      await app.listen(0, address);
      try {
        const url = `http://${address}:${app.getHttpServer().address().port}/mcp`;
        expect(SAMPLE_BROWSER_ORIGINS).toEqual([INSPECTOR]);
        expect((await preflight(url, INSPECTOR)).status).toBe(204);
        expect((await preflight(url, 'http://localhost:5173')).status).toBe(403);
      } finally {
        await app.close();
      }
    },
  );

  it('R38: the provider answers CORS preflights for /reg and /token from http://localhost:6274', async () => {
    for (const path of ['/reg', '/token']) {
      const res = await preflight(`${sample.provider.issuer}${path}`, INSPECTOR);
      expect([path, res.status]).toEqual([path, 204]);
      expect(res.headers['access-control-allow-origin']).toBe(INSPECTOR);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
    }
    const refused = await preflight(`${sample.provider.issuer}/reg`, 'https://evil.example');
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused.headers)).toEqual([]);
  });

  it('R38: a browser client at http://localhost:6274 completes the flow: discovery, registration, token, MCP', async () => {
    const { issuer } = sample.provider;
    const get = (url: string) => request(url).get('').set('Origin', INSPECTOR);
    const prm = await get(sample.prmUrl);
    expect(prm.headers['access-control-allow-origin']).toBeDefined();
    const metadata = await get(`${issuer}/.well-known/openid-configuration`);
    expect(metadata.headers['access-control-allow-origin']).toBe(INSPECTOR);
    expect((await get(metadata.body.jwks_uri)).headers['access-control-allow-origin']).toBe(INSPECTOR);

    const redirectUri = `${INSPECTOR}/oauth/callback`;
    const registration = await request(metadata.body.registration_endpoint)
      .post('')
      .set('Origin', INSPECTOR)
      .send({
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      });
    expect(registration.status).toBe(201);
    expect(registration.headers['access-control-allow-origin']).toBe(INSPECTOR);

    const { createHash, randomBytes } = await import('node:crypto');
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(metadata.body.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: registration.body.client_id,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'read:todos',
      resource: sample.resource,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'xyz',
    }).toString();
    const callback = await sample.provider.authorize(authorize);
    const tokens = await request(metadata.body.token_endpoint)
      .post('')
      .set('Origin', INSPECTOR)
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: redirectUri,
        client_id: registration.body.client_id,
        code_verifier: verifier,
        resource: sample.resource,
      });
    expect(tokens.status).toBe(200);
    expect(tokens.headers['access-control-allow-origin']).toBe(INSPECTOR);

    const mcp = await sample.post(INIT, tokens.body.access_token).set('Origin', INSPECTOR);
    expect(mcp.status).toBe(200);
    expect(mcp.headers['access-control-allow-origin']).toBe(INSPECTOR);
  });

  it('R38: the token endpoint refuses a browser origin the provider was not given', async () => {
    const res = await request(`${sample.provider.issuer}/token`)
      .post('')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({
        grant_type: 'client_credentials',
        client_id: 'svc',
        client_secret: 'svc-secret-0123456789abcdef',
      });
    expect(res.status).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
