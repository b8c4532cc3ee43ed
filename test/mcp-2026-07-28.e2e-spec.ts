/**
 * MCP 2026-07-28 (stateless: no `initialize`, no session, `server/discover`, the per-request `_meta` envelope,
 * `Mcp-Method` / `Mcp-Name` headers, list cache hints) served by the SDK 2.x line beside the 2025 revisions on the
 * same endpoint, with every auth guarantee unchanged — through the v2 client pinned to 2026-07-28 and raw requests.
 * What the SDK 1.x line answers a 2026-07-28 client is here too.
 */
import { Test } from '@nestjs/testing';
import request from 'supertest';

import { McpAuthModule, McpServerModule } from '../lib/index.js';
import { connectWithOAuthV2, type ConnectedMcpClientV2 } from './support/headless-oauth-client-v2.js';
import { MODERN } from './support/bearer-mcp-client.js';
import { formatFuzzReport, fuzzPassed, runFuzz } from './support/fuzz.js';
import { connectWithOAuth } from './support/mcp-oauth-client.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { startPipelineApp } from './support/pipeline-app.js';
import { ACCEPT, OTHER_RESOURCE, startSample, useSample, type Sample } from './support/sample-app.js';
import { SDK_LINES } from './support/sdk-lines.js';

const VERSION = '2026-07-28';
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const FUZZ_SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': VERSION,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
/** A 2026-07-28 JSON-RPC request: the envelope in `params._meta`. */
const modern = (method: string, params: Record<string, unknown> = {}, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method,
  params: { ...params, _meta: ENVELOPE },
});
const toolCall = (name: string, args: Record<string, unknown> = {}) =>
  modern('tools/call', { name, arguments: args });
/** The standard headers a 2026-07-28 client sends for `body`. */
const standardHeaders = (body: {
  method: string;
  params?: { name?: unknown; uri?: unknown; _meta?: unknown };
}): Record<string, string> => ({
  'MCP-Protocol-Version': VERSION,
  'Mcp-Method': body.method,
  ...(typeof body.params?.name === 'string' && { 'Mcp-Name': body.params.name }),
  ...(typeof body.params?.uri === 'string' && { 'Mcp-Name': body.params.uri }),
});

const text = (result: { content: unknown }) =>
  (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('');
const json = (result: { content: unknown }) => JSON.parse(text(result));

/** A Streamable HTTP response body (SSE or JSON) as the JSON-RPC message it carries. */
function rpc(res: { text: string; headers: Record<string, string> }): any {
  if (res.headers['content-type']?.startsWith('text/event-stream')) {
    const data = res.text.split('\n').find((l) => l.startsWith('data: '));
    return JSON.parse(data!.slice(6));
  }
  return JSON.parse(res.text);
}

/** POSTs `body` to `/mcp` of `app` with `headers` (and the bearer, when given). */
function post(
  server: unknown,
  body: unknown,
  headers: Record<string, string>,
  bearer?: string,
  path = '/mcp',
) {
  const r = request(server as never)
    .post(path)
    .set('Accept', ACCEPT)
    .set('Content-Type', 'application/json');
  for (const [name, value] of Object.entries(headers)) r.set(name, value);
  return (bearer ? r.set('Authorization', `Bearer ${bearer}`) : r).send(JSON.stringify(body));
}

describe('MCP 2026-07-28 and the 2025 revisions on one endpoint (SDK 2.x server)', () => {
  const suite = useSample(
    (resource, browser) => connectWithOAuthV2(resource, { browser, ...MODERN }),
    'express',
    'v2',
  );
  let sample: Sample;
  beforeAll(() => {
    sample = suite.sample;
  });
  const send = (
    body: { method: string },
    bearer?: string,
    headers: Record<string, string> = standardHeaders(body),
  ) => post(sample.app.getHttpServer(), body, headers, bearer);

  it('R43: a 2026-07-28 client completes the OAuth flow; server/discover instead of initialize; never a session', async () => {
    const mcp: ConnectedMcpClientV2 = await suite.connect();
    expect(mcp.client.getProtocolEra()).toBe('modern');
    expect(mcp.oauth.challenges[0].status).toBe(401);
    expect(parseBearerChallenge(mcp.oauth.challenges[0].header)).toMatchObject({
      resource_metadata: sample.prmUrl,
    });
    expect((await mcp.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'create-todo',
      'delete-todo',
      'get-todos',
      'whoami',
    ]);
    expect(json(await mcp.callTool('whoami'))).toMatchObject({ subject: 'alice', scopes: ['read:todos'] });
    const methods = mcp.oauth.rpcExchanges.map((e) => e.method);
    expect(methods).toContain('server/discover');
    expect(methods).not.toContain('initialize');
    expect(mcp.oauth.rpcExchanges.every((e) => e.sessionId === null)).toBe(true);
  });

  it('R43, R13, R14: step-up on 2026-07-28 — HTTP 403 insufficient_scope from the body → re-authorization → success; no flip-flop', async () => {
    const mcp = await suite.connect('bob');
    for (let i = 0; i < 3; i++) {
      await mcp.callTool('get-todos');
      expect(json(await mcp.callTool('create-todo', { content: `todo ${i}` }))).toMatchObject({
        owner: 'bob',
      });
    }
    const stepUps = mcp.oauth.challenges.filter((c) => c.status === 403);
    expect(stepUps).toHaveLength(1);
    expect(stepUps[0]).toMatchObject({ error: 'insufficient_scope', scope: 'read:todos create:todos' });
    expect(mcp.authorizations).toHaveLength(2);
  });

  it('R43: older clients on the same endpoint complete their flow (SDK 1.x client; SDK 2.x client, 2025 handshake)', async () => {
    const browser = (url: URL) => sample.provider.authorize(url, { accountId: 'carol' });
    const v1 = await connectWithOAuth(sample.resource, { browser });
    const legacy = await connectWithOAuthV2(sample.resource, { browser });
    try {
      expect(json(await v1.callTool('create-todo', { content: 'from 2025' }))).toMatchObject({
        owner: 'carol',
      });
      expect(legacy.client.getProtocolEra()).toBe('legacy');
      const todos = json(await legacy.callTool('get-todos')).todos as Array<{ content: string }>;
      expect(todos.map((t) => t.content)).toContain('from 2025');
    } finally {
      await v1.close();
      await legacy.close();
    }
  });

  it('R43, R7, R9, R14: raw 2026-07-28 requests — 401 challenge; server/discover and tools/call answered without a session; 403 from the body', async () => {
    const unauthenticated = await send(toolCall('create-todo', { content: 'x' })).expect(401);
    expect(parseBearerChallenge(unauthenticated.headers['www-authenticate'])).toEqual({
      scope: 'read:todos create:todos',
      resource_metadata: sample.prmUrl,
    });
    const reader = await sample.token('read:todos');
    const discover = await send(modern('server/discover'), reader).expect(200);
    expect(discover.headers['mcp-session-id']).toBeUndefined();
    expect(rpc(discover).result).toMatchObject({
      supportedVersions: expect.arrayContaining([VERSION]),
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'todo-manager' } },
    });
    const call = await send(toolCall('whoami'), reader).expect(200);
    expect(call.headers['mcp-session-id']).toBeUndefined();
    expect(JSON.parse(rpc(call).result.content[0].text)).toMatchObject({ subject: 'svc' });
    const denied = await send(toolCall('delete-todo', { id: '1' }), reader).expect(403);
    expect(parseBearerChallenge(denied.headers['www-authenticate'])).toMatchObject({
      error: 'insufficient_scope',
      scope: 'read:todos delete:todos',
    });
  });

  it('R44: Mcp-Method / Mcp-Name disagreeing with the body → 400 HeaderMismatch (-32020), before authentication', async () => {
    const reader = await sample.token('read:todos');
    const forbidden = toolCall('delete-todo', { id: '1' });
    const cases: Array<[string, Record<string, string>, string | undefined]> = [
      ['Mcp-Name names an allowed tool', { ...standardHeaders(forbidden), 'Mcp-Name': 'get-todos' }, reader],
      [
        'Mcp-Method names another method',
        { ...standardHeaders(forbidden), 'Mcp-Method': 'tools/list' },
        reader,
      ],
      ['no token at all', { ...standardHeaders(forbidden), 'Mcp-Name': 'get-todos' }, undefined],
      [
        'a base64 Mcp-Name of another tool',
        { ...standardHeaders(forbidden), 'Mcp-Name': '=?base64?Z2V0LXRvZG9z?=' },
        reader,
      ],
    ];
    for (const [name, headers, bearer] of cases) {
      const res = await send(forbidden, bearer, headers);
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({
        name,
        status: 400,
        code: -32020,
      });
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('R44: agreeing headers are served; the step-up 403 is still derived from the body', async () => {
    const reader = await sample.token('read:todos');
    const get = toolCall('get-todos');
    expect((await send(get, reader)).status).toBe(200);
    const b64 = `=?base64?${Buffer.from('get-todos').toString('base64')}?=`;
    expect((await send(get, reader, { ...standardHeaders(get), 'Mcp-Name': b64 })).status).toBe(200);
    const create = toolCall('create-todo', { content: 'x' });
    const stepUp = await send(create, reader).expect(403);
    expect(parseBearerChallenge(stepUp.headers['www-authenticate']).scope).toBe('read:todos create:todos');
  });
  it('R43, R44, R7, R34: hostile 2026-07-28 requests — each refused with its 4xx, none accepted, no 5xx, the app keeps serving', async () => {
    const reader = await sample.token('read:todos');
    const elsewhere = await sample.token('read:todos', OTHER_RESOURCE);
    const del = toolCall('delete-todo', { id: '1' });
    const hostile: Array<[string, unknown, Record<string, string>, string | undefined, number]> = [
      ['no token', del, standardHeaders(del), undefined, 401],
      [
        'a token for another resource',
        toolCall('whoami'),
        standardHeaders(toolCall('whoami')),
        elsewhere,
        401,
      ],
      [
        'Mcp-Name of an allowed tool on a forbidden call',
        del,
        { ...standardHeaders(del), 'Mcp-Name': 'get-todos' },
        reader,
        400,
      ],
      [
        'Mcp-Name listing two names',
        del,
        { ...standardHeaders(del), 'Mcp-Name': 'get-todos, delete-todo' },
        reader,
        400,
      ],
      ['headers on a batch', [del, toolCall('get-todos')], { 'Mcp-Method': 'tools/call' }, reader, 400],
      ['a batch hiding a forbidden call', [toolCall('get-todos', {}), del], {}, reader, 403],
      [
        'a non-string tool name',
        modern('tools/call', { name: { toString: 'delete-todo' } }),
        { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'delete-todo' },
        reader,
        400,
      ],
      [
        'invalid base64 Mcp-Name',
        del,
        { ...standardHeaders(del), 'Mcp-Name': '=?base64?***?=' },
        reader,
        400,
      ],
    ];
    for (const [name, body, headers, bearer, status] of hostile) {
      const res = await post(sample.app.getHttpServer(), body, headers, bearer);
      expect({ name, status: res.status }).toEqual({ name, status });
    }
    const typed = await request(sample.app.getHttpServer() as never)
      .post('/mcp')
      .set('Content-Type', 'text/plain')
      .set('Authorization', `Bearer ${reader}`)
      .send(JSON.stringify(toolCall('whoami')));
    expect(typed.status).toBe(415);
    expect((await send(toolCall('whoami'), reader)).status).toBe(200);
  });

  it('R43, R8, R10, R20: the fuzz slice against the 2026-07-28 endpoint — 0 accepted besides valid tokens, 0 5xx, always a challenge', async () => {
    const body = JSON.stringify(toolCall('whoami'));
    const headers = Object.entries(standardHeaders(toolCall('whoami'))).flat();
    const report = await runFuzz({
      baseUrl: new URL(sample.resource).origin,
      path: '/mcp',
      request: {
        method: 'POST',
        body,
        headers: [...headers, 'Accept', ACCEPT, 'Content-Type', 'application/json'],
      },
      validTokens: [await sample.token('read:todos'), await sample.token('read:todos create:todos')],
      trustedSign: (claims) => sample.provider.signToken(claims),
      resourceMetadata: sample.prmUrl,
      providerKids: sample.provider.jwks.keys.map((k) => k.kid!),
      numRuns: FUZZ_RUNS,
      seed: FUZZ_SEED,
      concurrency: 4,
    });
    if (!fuzzPassed(report)) {
      throw new Error(`fuzz invariants violated (FUZZ_SEED=${report.seed}):\n${formatFuzzReport(report)}`);
    }
    expect(report.cases).toBe(FUZZ_RUNS);
    expect(report.statuses[500] ?? 0).toBe(0);
    expect(report.controls).toBeGreaterThan(0);
    expect(report.accepted).toBe(report.controls);
  }, 60_000);
});

describe('R43, R15: the scope hierarchy on 2026-07-28 requests (SDK 2.x server)', () => {
  it('R15: a broader granted scope implies the narrower one a tool needs', async () => {
    const sample = await startSample(
      {},
      { scopeHierarchy: { 'create:todos': ['read:todos'] } },
      'express',
      'v2',
    );
    try {
      const writer = await sample.token('create:todos');
      const body = toolCall('get-todos');
      const res = await post(sample.app.getHttpServer(), body, standardHeaders(body), writer).expect(200);
      expect(rpc(res).result.isError).toBeFalsy();
    } finally {
      await sample.close();
    }
  });
});

describe('R45: list cache hints of 2026-07-28 answers (SDK 2.x server)', () => {
  const list = modern('tools/list');
  it.each([
    ['all', 'public'],
    ['callable', 'private'],
  ] as const)(
    "R45: visibility '%s' → tools/list carries cacheScope %s; a 2025 answer carries none",
    async (visibility, scope) => {
      const pipeline = await startPipelineApp({ sdk: 'v2', visibility });
      try {
        const server = pipeline.app.getHttpServer();
        const token = await pipeline.token('notes:read');
        const res = await post(server, list, standardHeaders(list), token).expect(200);
        expect(rpc(res).result).toMatchObject({ cacheScope: scope, ttlMs: expect.any(Number) });
        for (const method of ['resources/list', 'resources/templates/list', 'prompts/list']) {
          const other = modern(method);
          expect(rpc(await post(server, other, standardHeaders(other), token)).result.cacheScope).toBe(scope);
        }
        const legacy = await post(server, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, {}, token).expect(
          200,
        );
        expect(rpc(legacy).result).not.toHaveProperty('cacheScope');
      } finally {
        await pipeline.close();
      }
    },
  );
});

describe('a 2026-07-28 client and the SDK 1.x line (2025 revisions only)', () => {
  it('R43: server/discover is answered HTTP 400 and the v2 client in auto mode falls back to initialize', async () => {
    const sample = await startSample({}, undefined, 'express', 'v1');
    const mcp = await connectWithOAuthV2(sample.resource, {
      browser: (url) => sample.provider.authorize(url),
      versionNegotiation: { mode: 'auto' },
    });
    try {
      expect(mcp.client.getProtocolEra()).toBe('legacy');
      // Unauthenticated first (401, then the OAuth flow); authenticated, the 1.x line answers it 400.
      const discovers = mcp.oauth.rpcExchanges.filter((e) => e.method === 'server/discover');
      expect(discovers.map((e) => e.status)).toEqual([401, 400]);
      expect(json(await mcp.callTool('whoami'))).toMatchObject({ subject: 'alice' });
      const discover = modern('server/discover');
      const reader = await sample.token('read:todos');
      expect(
        (await post(sample.app.getHttpServer(), discover, standardHeaders(discover), reader)).status,
      ).toBe(400);
    } finally {
      await mcp.close();
      await sample.close();
    }
  });
});

describe.each(SDK_LINES)(
  'R44 on the SDK %s line: the endpoint guard checks the headers whatever the line',
  (sdk) => {
    it('R44: a mismatching Mcp-Method → 400 -32020; a matching one is served', async () => {
      const sample = await startSample({}, undefined, 'express', sdk);
      try {
        const reader = await sample.token('read:todos');
        const legacyCall = {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'whoami', arguments: {} },
        };
        const server = sample.app.getHttpServer();
        const mismatch = await post(server, legacyCall, { 'Mcp-Method': 'tools/list' }, reader).expect(400);
        expect(mismatch.body.error.code).toBe(-32020);
        await post(server, legacyCall, { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'whoami' }, reader).expect(
          200,
        );
      } finally {
        await sample.close();
      }
    });
  },
);

describe('the SDK 2.x line has no HTTP+SSE transport', () => {
  it("sse with sdk: 'v2' fails the boot naming the option", async () => {
    const boot = Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({
          resource: 'http://127.0.0.1/mcp',
          authorizationServers: [
            { metadata: { issuer: 'http://127.0.0.1:1', jwks_uri: 'http://127.0.0.1:1/jwks' } },
          ],
        }),
        McpServerModule.forRoot({ name: 't', version: '1', sdk: 'v2', sse: true }),
      ],
    }).compile();
    await expect(boot).rejects.toMatchObject({
      name: 'McpAuthConfigError',
      code: 'ERR_INVALID_OPTIONS',
      option: 'sse',
    });
  });
});
