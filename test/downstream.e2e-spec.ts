import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { decodeJwt } from 'jose';
import request from 'supertest';
import {
  DownstreamTokenError,
  McpAuthConfigError,
  McpAuthContext,
  type DownstreamOptions,
  type DownstreamTokenErrorCode,
  type McpAuthInfo,
} from '../lib/index.js';
import { runDoctor } from '../lib/cli/doctor.js';
import { AppModule } from '../sample/app.module.js';
import { connectWithOAuth } from './support/mcp-oauth-client.js';
import {
  CapturingLogger,
  startDownstreamApp,
  startExchangeProvider,
  type DownstreamApp,
  type ExchangeProvider,
} from './support/downstream.js';

const text = (result: { content: unknown }) =>
  (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('');

/** Every token and secret a test saw: none may appear in a log line or an answer. */
const seen: string[] = [];
const logger = new CapturingLogger();

let setup: ExchangeProvider;
beforeAll(async () => {
  setup = await startExchangeProvider();
  seen.push(...setup.secrets);
});
afterAll(async () => {
  await setup.provider.close();
});

const exchanges = () => setup.provider.requestCount('/token');

/** GET /relay?target=archive on `app` (a REST route calling DownstreamTokens) with a fresh token of `account`. */
async function relay(app: INestApplication, account: string) {
  const token = await setup.userToken(account);
  seen.push(token);
  return request(app.getHttpServer()).get('/relay?target=archive').set('Authorization', `Bearer ${token}`);
}

describe('the sample: export-todos calls the archive API as the caller (token exchange, no passthrough)', () => {
  let app: INestApplication;
  /** Every bearer token the archive API received. */
  const received: string[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          resource: setup.mcp,
          authorizationServer: { issuer: setup.provider.issuer, type: 'oidc' },
          archive: { resource: setup.archive, client: setup.basic },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger });
    app.useLogger(logger);
    app.use('/archive', (req: IncomingMessage, _res: ServerResponse, next: () => void) => {
      const authorization = req.headers.authorization;
      if (authorization?.startsWith('Bearer ')) received.push(authorization.slice(7));
      next();
    });
    await app.listen(setup.port, '127.0.0.1');
  });
  afterAll(() => app.close());

  it('R42, R24: the archive receives a token whose aud is itself and whose sub is the caller — never the MCP token', async () => {
    const mcp = await connectWithOAuth(setup.mcp, {
      browser: (url) => setup.provider.authorize(url, { accountId: 'alice' }),
    });
    try {
      await mcp.callTool('create-todo', { content: 'file the taxes' });
      const result = await mcp.callTool('export-todos');
      expect(result.isError).toBeFalsy();
      const exported = JSON.parse(text(result));
      expect(exported).toMatchObject({
        exported: 1,
        archive: { owner: 'alice', actor: setup.basic.clientId, audience: [setup.archive] },
      });
      expect(exported.archive.items).toEqual([expect.objectContaining({ content: 'file the taxes' })]);

      const mcpToken = mcp.oauth.tokens()!.access_token;
      seen.push(mcpToken, ...received);
      expect(decodeJwt(mcpToken).aud).toBe(setup.mcp);
      expect(received.length).toBeGreaterThan(0);
      for (const token of received) {
        expect(token).not.toBe(mcpToken);
        const claims = decodeJwt(token);
        expect(claims.aud).toBe(setup.archive);
        expect(claims.aud).not.toBe(setup.mcp);
        expect(claims).toMatchObject({
          sub: 'alice',
          client_id: setup.basic.clientId,
          act: { sub: setup.basic.clientId },
        });
      }
    } finally {
      await mcp.close();
    }
  });

  it('R24: the archive refuses the MCP token itself (401): forwarding it could never work', async () => {
    const token = await setup.userToken('alice');
    seen.push(token);
    const res = await request(app.getHttpServer())
      .post('/archive/exports')
      .set('Authorization', `Bearer ${token}`)
      .send({ items: [] });
    expect(res.status).toBe(401);
  });

  it('R42: a refused exchange is a clear MCP tool error (isError), not a crash, and names no token', async () => {
    const mcp = await connectWithOAuth(setup.mcp, {
      browser: (url) => setup.provider.authorize(url, { accountId: 'mallory' }),
    });
    try {
      const result = await mcp.callTool('export-todos');
      seen.push(mcp.oauth.tokens()!.access_token);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/downstream target "archive".*invalid_grant/);
      for (const secret of seen) expect(text(result)).not.toContain(secret);
    } finally {
      await mcp.close();
    }
  });
});

describe('DownstreamTokens against the real provider', () => {
  const apps: DownstreamApp[] = [];
  const start = async (downstream: DownstreamOptions) => {
    const started = await startDownstreamApp(setup, downstream, { logger });
    apps.push(started);
    return started;
  };
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  let main: DownstreamApp;
  beforeAll(async () => {
    main = await start({
      client: setup.basic,
      targets: {
        archive: { resource: setup.archive, scopes: ['archive:write'] },
        obo: { grant: 'on-behalf-of', scopes: [`${setup.archive}/.default`] },
        service: { grant: 'client-credentials', resource: setup.archive, scopes: ['archive:read'] },
        short: { resource: setup.shortLived, scopes: ['archive:read'] },
        post: {
          resource: setup.archive,
          scopes: ['archive:read'],
          client: { ...setup.post, authMethod: 'client_secret_post' },
        },
        jwt: { resource: setup.archive, scopes: ['archive:read'], client: setup.jwt },
        denied: { resource: setup.archive, client: setup.other },
        badSecret: {
          resource: setup.archive,
          client: { ...setup.basic, clientSecret: 'wrong-secret-0123456789' },
        },
      },
      cache: { margin: 1 },
    });
  });

  const caller = async (accountId: string) => {
    const token = await setup.userToken(accountId);
    seen.push(token);
    return main.verify(token);
  };
  const remember = <T extends { accessToken: string }>(token: T) => {
    seen.push(token.accessToken);
    return token;
  };

  it('R42: RFC 8693 token exchange — aud is the target, sub the caller, act the MCP server; the caller token is not it', async () => {
    const alice = await caller('alice');
    const token = remember(await main.tokens.getToken('archive', alice));
    expect(token).toMatchObject({
      tokenType: 'Bearer',
      scopes: ['archive:write'],
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
    });
    expect(token.accessToken).not.toBe(alice.token);
    expect(decodeJwt(token.accessToken)).toMatchObject({
      aud: setup.archive,
      sub: 'alice',
      client_id: setup.basic.clientId,
      act: { sub: setup.basic.clientId },
      scope: 'archive:write',
    });
    expect(token.expiresAt).toBe(decodeJwt(token.accessToken).exp);
  });

  it('R42: the on-behalf-of variant (jwt-bearer, requested_token_use=on_behalf_of, Entra-style .default scope)', async () => {
    const alice = await caller('alice');
    const token = remember(await main.tokens.getToken('obo', alice));
    expect(decodeJwt(token.accessToken)).toMatchObject({
      aud: setup.archive,
      sub: 'alice',
      azp: setup.basic.clientId,
    });
  });

  it('R42: client credentials — a token of the MCP server itself (sub = its client), no caller needed, one for all', async () => {
    const bob = await caller('bob');
    const before = exchanges();
    const token = remember(await main.tokens.getToken('service'));
    expect(decodeJwt(token.accessToken)).toMatchObject({
      aud: setup.archive,
      sub: setup.basic.clientId,
      scope: 'archive:read',
    });
    expect((await main.tokens.getToken('service', bob)).accessToken).toBe(token.accessToken);
    expect(exchanges() - before).toBe(1);
  });

  it.each([
    ['client_secret_basic', 'archive', (setup) => setup.basic.clientId],
    ['client_secret_post', 'post', (setup) => setup.post.clientId],
    ['private_key_jwt (signed with jose)', 'jwt', (setup) => setup.jwt.clientId],
  ] as Array<[string, string, (s: ExchangeProvider) => string]>)(
    'R42: client authentication %s is accepted by the provider',
    async (_method, target, clientId) => {
      const token = remember(await main.tokens.getToken(target, await caller('carol')));
      expect(decodeJwt(token.accessToken)).toMatchObject({ client_id: clientId(setup), sub: 'carol' });
    },
  );

  it('R42: cache hit — the same caller and target ask the provider once', async () => {
    const dave = await caller('dave');
    const before = exchanges();
    const first = remember(await main.tokens.getToken('archive', dave));
    const again = await main.tokens.getToken('archive', { auth: dave });
    expect(again.accessToken).toBe(first.accessToken);
    expect(exchanges() - before).toBe(1);
  });

  it('R42: single-flight — 100 concurrent calls of one caller make 1 exchange', async () => {
    const erin = await caller('erin');
    const before = exchanges();
    const tokens = await Promise.all(
      Array.from({ length: 100 }, () => main.tokens.getToken('archive', erin)),
    );
    remember(tokens[0]);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(exchanges() - before).toBe(1);
  });

  it('R42: per-caller isolation — two callers never share a token, even when concurrent', async () => {
    const [frank, grace] = await Promise.all([caller('frank'), caller('grace')]);
    const before = exchanges();
    const [a, b] = await Promise.all([
      main.tokens.getToken('archive', frank),
      main.tokens.getToken('archive', grace),
    ]);
    remember(a);
    remember(b);
    expect(a.accessToken).not.toBe(b.accessToken);
    expect(decodeJwt(a.accessToken).sub).toBe('frank');
    expect(decodeJwt(b.accessToken).sub).toBe('grace');
    expect(exchanges() - before).toBe(2);
  });

  it('R42: expiry — a token is reused until expires_in minus the margin, then exchanged again', async () => {
    const heidi = await caller('heidi');
    const before = exchanges();
    const first = remember(await main.tokens.getToken('short', heidi)); // 3 s tokens, 1 s margin
    expect((await main.tokens.getToken('short', heidi)).accessToken).toBe(first.accessToken);
    expect(exchanges() - before).toBe(1);
    await new Promise((r) => setTimeout(r, 2_100));
    const second = remember(await main.tokens.getToken('short', heidi));
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(exchanges() - before).toBe(2);
  });

  it.each([
    ['invalid_grant', 'archive', 'mallory'],
    ['unauthorized_client', 'denied', 'alice'],
    ['invalid_client', 'badSecret', 'alice'],
  ] as Array<[DownstreamTokenErrorCode, string, string]>)(
    'R42: the provider refuses → DownstreamTokenError %s (502), nothing cached',
    async (code, target, account) => {
      const auth = await caller(account);
      const error = await main.tokens.getToken(target, auth).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownstreamTokenError);
      expect(error).toMatchObject({ code, oauthError: code, target });
      expect((error as DownstreamTokenError).getStatus()).toBe(502);
      const before = exchanges();
      await expect(main.tokens.getToken(target, auth)).rejects.toMatchObject({ code });
      expect(exchanges() - before).toBe(1);
    },
  );

  it('R42: a REST route answers a refused exchange with 502 and the code, never 500', async () => {
    const res = await relay(main.app, 'mallory');
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ statusCode: 502, error: 'invalid_grant' });
    expect(res.headers['retry-after']).toBeUndefined();
    for (const secret of seen) expect(res.text).not.toContain(secret);
    expect((await relay(main.app, 'alice')).status).toBe(200);
  });

  it('R42: the provider is down → provider_unavailable (503, retryAfter)', async () => {
    const ivan = await caller('ivan');
    setup.provider.setDown(true);
    try {
      await expect(main.tokens.getToken('archive', ivan)).rejects.toMatchObject({
        code: 'provider_unavailable',
        retryAfter: 5,
        status: 503,
      });
    } finally {
      setup.provider.setDown(false);
    }
  });

  it('no caller: getToken without one (McpAuthContext off) → no_caller (403)', async () => {
    await expect(main.tokens.getToken('archive')).rejects.toMatchObject({ code: 'no_caller', status: 403 });
    await expect(main.tokens.getToken('archive', {})).rejects.toMatchObject({ code: 'no_caller' });
  });

  it('R42: without a caller argument, the caller of McpAuthContext is used (context on)', async () => {
    const withContext = await startDownstreamApp(
      setup,
      { client: setup.basic, targets: { archive: { resource: setup.archive } } },
      { logger, auth: { context: true } },
    );
    apps.push(withContext);
    const judy = await withContext.verify(await setup.userToken('judy').then((t) => (seen.push(t), t)));
    const context = withContext.app.get(McpAuthContext);
    const token = remember(await context.run(judy, () => withContext.tokens.getToken('archive')));
    expect(decodeJwt(token.accessToken)).toMatchObject({ sub: 'judy', aud: setup.archive });
  });

  it('an unknown target is a programming error naming the configured ones', async () => {
    await expect(main.tokens.getToken('nope')).rejects.toThrow(McpAuthConfigError);
    await expect(main.tokens.getToken('nope')).rejects.toThrow(/"archive"/);
  });

  it('R24: fetch() sends the target token to the target only: a URL outside its baseUrl is refused before any request', async () => {
    const alice = await caller('alice');
    await expect(main.tokens.fetch('archive', 'http://127.0.0.1:1/elsewhere', {}, alice)).rejects.toThrow(
      /not under the baseUrl/,
    );
    await expect(main.tokens.fetch('archive', `${setup.archive}-evil/x`, {}, alice)).rejects.toThrow(
      /not under the baseUrl/,
    );
  });
});

/** A fake token endpoint answering with `answer`, counting the requests it receives. */
async function fakeEndpoint(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    url,
    get count() {
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a faulty token endpoint → typed errors, never 500, nothing sent twice', () => {
  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
    (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

  it.each([
    ['provider_invalid_response', 502, json(200, '<html>Sign in</html>')],
    ['provider_invalid_response', 502, json(200, { token_type: 'Bearer', expires_in: 60 })],
    ['provider_invalid_response', 502, json(200, { access_token: 'x.y.z', token_type: 'N_A' })],
    ['provider_invalid_response', 502, json(400, 'not json')],
    ['provider_unavailable', 503, json(500, { error: 'server_error' })],
    ['provider_unavailable', 503, json(400, { error: 'temporarily_unavailable' })],
    ['provider_refused', 502, json(400, { error: 'invalid_request', error_description: 'bad' })],
    ['invalid_scope', 502, json(400, { error: 'invalid_scope' })],
    ['invalid_target', 502, json(400, { error: 'invalid_target' })],
  ] as Array<[DownstreamTokenErrorCode, number, (req: IncomingMessage, res: ServerResponse) => void]>)(
    'R42: an answer that is %s → status %i',
    async (code, status, answer) => {
      const endpoint = await fakeEndpoint(answer);
      const app = await startDownstreamApp(
        setup,
        {
          client: { ...setup.basic, tokenEndpoint: endpoint.url, authMethod: 'client_secret_basic' },
          targets: { archive: { resource: setup.archive } },
        },
        { logger },
      );
      try {
        const token = await setup.userToken('alice');
        seen.push(token);
        const error = await app.tokens.getToken('archive', await app.verify(token)).catch((e: unknown) => e);
        expect(error).toMatchObject({ code, status });
        expect(endpoint.count).toBe(1);
      } finally {
        await app.close();
        await endpoint.close();
      }
    },
  );

  it('R42: a REST route answers provider_unavailable with 503 and Retry-After (the module’s retryAfter), no filter to write', async () => {
    const endpoint = await fakeEndpoint(json(503, { error: 'temporarily_unavailable' }));
    const app = await startDownstreamApp(
      setup,
      {
        client: { ...setup.basic, tokenEndpoint: endpoint.url, authMethod: 'client_secret_basic' },
        targets: { archive: { resource: setup.archive } },
      },
      { logger, auth: { retryAfter: 7 } },
    );
    try {
      const res = await relay(app.app, 'alice');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.body).toMatchObject({ statusCode: 503, error: 'provider_unavailable' });
      for (const secret of seen) expect(res.text).not.toContain(secret);
    } finally {
      await app.close();
      await endpoint.close();
    }
  });

  it('R24, R42: a redirect is never followed with credentials → provider_redirect (502)', async () => {
    const elsewhere = await fakeEndpoint(json(200, { access_token: 'stolen', token_type: 'Bearer' }));
    const endpoint = await fakeEndpoint((_req, res) => {
      res.writeHead(307, { location: elsewhere.url });
      res.end();
    });
    const app = await startDownstreamApp(
      setup,
      {
        client: { ...setup.basic, tokenEndpoint: endpoint.url, authMethod: 'client_secret_post' },
        targets: { archive: { resource: setup.archive } },
      },
      { logger },
    );
    try {
      const token = await setup.userToken('alice');
      seen.push(token);
      await expect(app.tokens.getToken('archive', await app.verify(token))).rejects.toMatchObject({
        code: 'provider_redirect',
        status: 502,
      });
      expect(endpoint.count).toBe(1);
      expect(elsewhere.count).toBe(0);
    } finally {
      await app.close();
      await endpoint.close();
      await elsewhere.close();
    }
  });

  it('R42: a slow provider → provider_timeout (504); an unreachable one → provider_unavailable (503)', async () => {
    const slow = await fakeEndpoint(() => undefined); // never answers
    const app = await startDownstreamApp(
      setup,
      {
        client: { ...setup.basic, tokenEndpoint: slow.url, authMethod: 'client_secret_basic' },
        targets: {
          archive: { resource: setup.archive },
          down: {
            resource: setup.archive,
            client: {
              ...setup.basic,
              tokenEndpoint: 'http://127.0.0.1:1/token',
              authMethod: 'client_secret_basic',
            },
          },
        },
        timeout: 200,
      },
      { logger },
    );
    try {
      const auth: McpAuthInfo = await app.verify(
        await setup.userToken('alice').then((t) => (seen.push(t), t)),
      );
      await expect(app.tokens.getToken('archive', auth)).rejects.toMatchObject({
        code: 'provider_timeout',
        status: 504,
      });
      await expect(app.tokens.getToken('down', auth)).rejects.toMatchObject({
        code: 'provider_unavailable',
        status: 503,
      });
      expect(slow.count).toBe(1);
    } finally {
      await app.close();
      await slow.close();
    }
  });
});

describe('bad downstream options fail the boot, named by their path', () => {
  const bootError = (downstream: unknown) =>
    startDownstreamApp(setup, downstream as DownstreamOptions).then(
      async (app) => {
        await app.close();
        throw new Error('expected the boot to fail');
      },
      (error: unknown) => error as McpAuthConfigError,
    );

  it('a target option: McpAuthConfigError ERR_INVALID_OPTIONS naming downstream.targets.<name>.<option>', async () => {
    const error = await bootError({
      client: setup.basic,
      targets: {
        archive: { resource: 'not a uri', scopes: ['archive:write'] },
        graph: { grant: 'implicit' },
      },
    });
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect(error).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      option: 'downstream.targets.archive.resource',
    });
    expect(error.message).toContain('  - downstream.targets.archive.resource: must be an absolute URI');
    expect(error.message).toContain('  - downstream.targets.graph.grant: must be one of');
    expect(error.message).toContain(
      '  - downstream.targets.graph.resource: is required unless audience or scopes',
    );
  });

  it('a client whose issuer is not an authorization server of the module', async () => {
    const error = await bootError({
      client: { ...setup.basic, issuer: 'https://elsewhere.example' },
      targets: { archive: { resource: setup.archive } },
    });
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', option: 'downstream.client.issuer' });
    expect(error.message).toContain(setup.provider.issuer);
  });
});

describe('doctor', () => {
  it('R42: reports the downstream grants the provider advertises and its token endpoint authentication methods', async () => {
    const report = await runDoctor({ issuer: setup.provider.issuer, type: 'oidc' });
    const grants = report.checks.find((c) => c.title === 'Downstream grants')!;
    expect(grants.status).toBe('ok');
    expect(grants.detail).toContain(
      'RFC 8693 token exchange (urn:ietf:params:oauth:grant-type:token-exchange)',
    );
    expect(grants.detail).toContain(
      'on-behalf-of (jwt-bearer) (urn:ietf:params:oauth:grant-type:jwt-bearer)',
    );
    expect(grants.detail).toContain('client credentials (client_credentials)');
    expect(grants.detail).not.toContain('not advertised');
    const auth = report.checks.find((c) => c.title === 'Token endpoint client authentication')!;
    expect(auth.detail).toMatch(/\/token: client_secret_basic, client_secret_post, private_key_jwt$/);
  });
});

describe('R25: nothing secret is logged', () => {
  it('R24, R25: no caller token, downstream token or client secret in any log line', () => {
    expect(logger.lines.some((l) => /invalid_grant/.test(l))).toBe(true); // failures were logged
    const everything = logger.lines.join('\n');
    for (const secret of new Set(seen)) {
      if (secret.includes('.'))
        for (const segment of secret.split('.').filter((s) => s.length > 20))
          expect(everything).not.toContain(segment);
      else expect(everything).not.toContain(secret);
    }
  });
});
