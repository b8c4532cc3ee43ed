/**
 * R40, R41, R45: MCP tools, resources and prompts are Nest handlers — through both official SDK client lines (v1
 * `@modelcontextprotocol/sdk`, v2 `@modelcontextprotocol/client`) against `test/support/pipeline-app.ts`.
 */
import { HttpAdapterHost } from '@nestjs/core';
import { ADAPTERS, type AdapterName } from './support/adapters.js';
import { connectWithOAuthV2 } from './support/headless-oauth-client-v2.js';
import { connectWithOAuth } from './support/mcp-oauth-client.js';
import {
  bearerClient,
  recordListChanges,
  type ClientLine,
  type McpTestClient,
} from './support/bearer-mcp-client.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { SDK_LINES, type SdkLine } from './support/sdk-lines.js';
import {
  AllExceptionsFilter,
  log,
  PIPELINE_SCOPES,
  startPipelineApp,
  TrimPipe,
  type PipelineApp,
} from './support/pipeline-app.js';

const text = (result: { content: unknown }) =>
  (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('');
const json = (result: { content: unknown }) => JSON.parse(text(result));
const ALL = PIPELINE_SCOPES.join(' ');

/** The JSON-RPC error a client call was rejected with (both lines surface `code` and `message`). */
async function rpcError(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code: number; message: string } | undefined;
  if (!error) throw new Error('expected a JSON-RPC error');
  return error;
}

type Cell = readonly [AdapterName, SdkLine, ClientLine];
/**
 * On Express, each server line with both client lines and the 2.x server also with a 2026-07-28 client; on Fastify,
 * each server line with its own client line and the 2026-07-28 client (the HTTP boundary is the adapter's, the
 * protocol the SDK line's: the cells that cross both).
 */
const MATRIX: Cell[] = [
  ...SDK_LINES.flatMap((sdk) => (['v1', 'v2'] as const).map((client): Cell => ['express', sdk, client])),
  ['express', 'v2', '2026-07-28'],
  ['fastify', 'v1', 'v1'],
  ['fastify', 'v2', 'v2'],
  ['fastify', 'v2', '2026-07-28'],
];

describe.each<Cell>(MATRIX)(
  'R40: MCP handlers through Nest’s pipeline — on %s, SDK %s server, SDK client %s',
  (adapter, sdk, line) => {
    let pipeline: PipelineApp;
    let mcp: McpTestClient;
    // MCP 2026-07-28 made an unknown resource -32602 (Invalid Params) on every revision: the 2.x line sends that.
    const notFound = sdk === 'v1' ? -32002 : -32602;

    beforeAll(async () => {
      pipeline = await startPipelineApp({ sdk }, undefined, adapter);
      mcp = await bearerClient(line, pipeline.resource, await pipeline.token(ALL));
    });
    afterAll(async () => {
      await mcp?.close();
      await pipeline?.close();
    });
    beforeEach(() => {
      log.length = 0;
    });

    it('R40: a custom guard denies a tool (a tool error, the handler never runs); it knows the caller', async () => {
      const denied = await mcp.callTool('guarded', { text: 'forbidden' });
      expect(denied).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'Forbidden resource' }],
      });
      expect(log).toContain('guard:tool:guarded:svc');
      expect(log).not.toContain('handler:guarded');
      expect(text(await mcp.callTool('guarded', { text: 'fine' }))).toBe('ran with fine');
    });

    it('R40: a method interceptor wraps a tool; the global interceptor (APP_INTERCEPTOR) runs first', async () => {
      expect(json(await mcp.callTool('wrapped'))).toEqual({ wrapped: 'inner' });
      expect(log).toEqual(['global-interceptor:tool:wrapped', 'wrap:before:tool:wrapped']);
    });

    it('R40: a global pipe (app.useGlobalPipes) sees @McpArgs as "body" and transforms the argument', async () => {
      expect(text(await mcp.callTool('echo', { text: '  hi  ' }))).toBe('[hi]');
      expect(log).toEqual(['global-interceptor:tool:echo', 'global-pipe:text', 'handler:echo']);
    });

    it('R40: a DTO tool lists its class-validator JSON Schema, refuses bad input naming each field and constraint, accepts good input', async () => {
      const tools = await listedTools(pipeline);
      const create = tools.find((t) => t.name === 'create-note')!;
      expect(create.inputSchema).toMatchObject({
        type: 'object',
        properties: { title: { type: 'string', minLength: 3, maxLength: 40 }, priority: { type: 'integer' } },
        required: ['title'],
      });
      const bad = await mcp.callTool('create-note', { title: 'x', priority: 9, tags: [{ name: '' }] });
      expect(bad.isError).toBe(true);
      const lines = text(bad).split('\n');
      expect(lines[0]).toBe('Invalid arguments for tool "create-note":');
      expect(lines).toEqual(
        expect.arrayContaining([
          '- title (isLength): title must be longer than or equal to 3 characters',
          '- priority (max): priority must not be greater than 5',
          '- tags.0.name (isLength): name must be longer than or equal to 1 characters',
        ]),
      );
      const good = json(
        await mcp.callTool('create-note', { title: 'Buy milk', priority: 2, tags: [{ name: 'home' }] }),
      );
      expect(good).toEqual({
        isDto: true,
        title: 'Buy milk',
        priority: 2,
        tags: [{ name: 'home' }],
        owner: 'svc',
      });
    });

    it('R40: exception filters shape a tool error (Observables unwrapped); a non-HttpException answers a generic error, no detail, no stack', async () => {
      expect(await mcp.callTool('shaped')).toEqual({
        isError: true,
        content: [{ type: 'text', text: 'shaped shaped: a note with this title exists' }],
      });
      expect(await mcp.callTool('observed', { mode: 'as-value' })).toEqual({
        content: [{ type: 'text', text: 'observed: as-value' }],
      });
      expect(await mcp.callTool('observed', { mode: 'as-error' })).toEqual({
        isError: true,
        content: [{ type: 'text', text: 'rethrown by a filter' }],
      });
      const crash = await mcp.callTool('crash');
      expect(crash).toEqual({ isError: true, content: [{ type: 'text', text: 'Internal error' }] });
    });

    it('R40: a tool on a controller runs its class guard and method interceptor (getType() "mcp")', async () => {
      expect(json(await mcp.callTool('controller-tool', { text: 'hi' }))).toEqual({
        wrapped: 'controller says hi',
      });
      expect(log).toContain('controller-guard:mcp');
    });

    it('R40: a tool on a request-scoped provider: one instance per HTTP request, REQUEST is the HTTP request', async () => {
      const first = json(await mcp.callTool('request-scoped'));
      const second = json(await mcp.callTool('request-scoped'));
      expect(first).toMatchObject({ method: 'POST', url: '/mcp' });
      expect(second.instance).not.toBe(first.instance);
    });

    it('R40: @AuthInfo, @McpExtra, @McpCall — the positional form (args, extra, invocation), and the two mixed', async () => {
      expect(json(await mcp.callTool('who'))).toEqual({
        subject: 'svc',
        signal: true,
        kind: 'tool',
        method: 'POST',
      });
      expect(json(await mcp.callTool('positional', { n: 4 }))).toEqual({
        n: 4,
        signal: true,
        name: 'positional',
      });
    });

    it('output schemas: structuredContent for a conforming result, a tool error for one that does not conform', async () => {
      expect((await mcp.callTool('structured')).structuredContent).toEqual({ total: 3 });
      expect(await mcp.callTool('bad-output')).toMatchObject({ isError: true });
    });

    it('R40: unknown tool → JSON-RPC -32602', async () => {
      expect(await rpcError(mcp.callTool('nope'))).toMatchObject({ code: -32602 });
    });

    it('R40: resources — fixed and templated, listed; read through the pipeline; a 404 → JSON-RPC -32002 (1.x) / -32602 (2.x)', async () => {
      expect(await mcp.listResources()).toEqual(['config://app']);
      expect(await mcp.listResourceTemplates()).toEqual(['file:///{name}']);
      expect(await mcp.readResource('file:///a.txt')).toEqual({
        contents: [
          { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'contents of a.txt at file:///a.txt' },
        ],
      });
      expect(log).toContain('global-interceptor:resource:file');
      expect((await mcp.readResource('config://app')).contents[0]).toMatchObject({
        mimeType: 'application/json',
        text: '{"theme":"dark"}',
      });
      expect(await rpcError(mcp.readResource('file:///missing'))).toMatchObject({ code: notFound });
      expect(await rpcError(mcp.readResource('nothing://here'))).toMatchObject({ code: notFound });
    });

    it('R40: prompts — arguments listed from the schema; invalid arguments → JSON-RPC -32602 naming the field', async () => {
      const [prompt] = await mcp.listPrompts();
      expect(prompt).toMatchObject({
        name: 'draft-note',
        arguments: [
          { name: 'topic', description: 'What about', required: true },
          { name: 'tone', required: false },
        ],
      });
      const got = await mcp.getPrompt('draft-note', { topic: 'cats', tone: 'warm' });
      expect(got.messages).toEqual([
        { role: 'user', content: { type: 'text', text: 'Draft a warm note about cats' } },
      ]);
      const invalid = await rpcError(mcp.getPrompt('draft-note', { topic: 'x' }));
      expect(invalid.code).toBe(-32602);
      expect(invalid.message).toContain('topic (too_small)');
      expect(await rpcError(mcp.getPrompt('nope'))).toMatchObject({ code: -32602 });
    });
  },
);

/** tools/list with the full tool objects (the test client keeps names only). */
async function listedTools(pipeline: PipelineApp) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } =
    await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 'lister', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(pipeline.resource), {
      requestInit: { headers: { Authorization: `Bearer ${await pipeline.token('notes:read')}` } },
    }),
  );
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}

describe.each(ADAPTERS)(
  'R40: a global HTTP exception filter (BaseExceptionFilter) cannot turn an MCP call into a 500 — %s',
  (adapter) => {
    let pipeline: PipelineApp;
    beforeAll(async () => {
      pipeline = await startPipelineApp(
        {},
        (app) => {
          app.useGlobalPipes(new TrimPipe());
          app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost).httpAdapter));
        },
        adapter,
      );
    });
    afterAll(() => pipeline?.close());

    it.each<ClientLine>(['v1', 'v2'])(
      '%s: the filter runs (and fails) in the mcp context; the client gets MCP errors',
      async (line) => {
        const mcp = await bearerClient(line, pipeline.resource, await pipeline.token(ALL));
        try {
          log.length = 0;
          const denied = await mcp.callTool('guarded', { text: 'forbidden' });
          expect(denied).toEqual({ isError: true, content: [{ type: 'text', text: 'Internal error' }] });
          expect(log).toContain('all-exceptions-filter:mcp');
          expect(await mcp.callTool('crash')).toMatchObject({ isError: true });
          expect(await rpcError(mcp.readResource('file:///missing'))).toMatchObject({ code: -32603 });
          expect(text(await mcp.callTool('echo', { text: 'ok' }))).toBe('[ok]');
        } finally {
          await mcp.close();
        }
      },
    );
  },
);

const connectors = {
  v1: (resource: string, browser: (url: URL) => Promise<URL>) => connectWithOAuth(resource, { browser }),
  v2: (resource: string, browser: (url: URL) => Promise<URL>) => connectWithOAuthV2(resource, { browser }),
};

type OAuthCell = readonly [AdapterName, SdkLine, 'v1' | 'v2'];
/** On Express every server line × client line; on Fastify each server line with its own client line. */
const OAUTH_MATRIX: OAuthCell[] = [
  ...SDK_LINES.flatMap((sdk) => (['v1', 'v2'] as const).map((client): OAuthCell => ['express', sdk, client])),
  ['fastify', 'v1', 'v1'],
  ['fastify', 'v2', 'v2'],
];

describe.each<OAuthCell>(OAUTH_MATRIX)(
  'R41, R45 with the real OAuth flow — on %s, SDK %s server, SDK client %s',
  (adapter, sdk, line) => {
    it('R41: resources/read and prompts/get beyond the token → HTTP 403 insufficient_scope step-up, then success', async () => {
      const pipeline = await startPipelineApp({ sdk }, undefined, adapter);
      const mcp = await connectors[line](pipeline.resource, (url) => pipeline.provider.authorize(url));
      try {
        const read = await mcp.readResource('file:///plan.txt');
        expect(read.contents[0]).toMatchObject({ text: 'contents of plan.txt at file:///plan.txt' });
        const got = await mcp.getPrompt('draft-note', { topic: 'step-up' });
        expect(got.messages[0].content).toEqual({ type: 'text', text: 'Draft a dry note about step-up' });
        const stepUps = mcp.oauth.challenges.filter((c) => c.status === 403);
        expect(stepUps.map((c) => parseBearerChallenge(c.header))).toEqual([
          expect.objectContaining({ error: 'insufficient_scope', scope: 'notes:read files:read' }),
          expect.objectContaining({
            error: 'insufficient_scope',
            scope: 'notes:read files:read prompts:use',
          }),
        ]);
        expect(mcp.oauth.authorizations).toHaveLength(3);
      } finally {
        await mcp.close();
        await pipeline.close();
      }
    });

    it("R45: visibility 'all' (default) lists every handler to a read-only token; 'callable' only what it may call, and a stateful session is told when its lists change", async () => {
      const all = await startPipelineApp({ sdk }, undefined, adapter);
      try {
        const reader = await bearerClient(line, all.resource, await all.token('notes:read'));
        expect(await reader.listTools()).toContain('create-note');
        expect(await reader.listResourceTemplates()).toEqual(['file:///{name}']);
        expect((await reader.listPrompts()).map((p) => p.name)).toEqual(['draft-note']);
        await reader.close();
      } finally {
        await all.close();
      }

      const callable = await startPipelineApp(
        { visibility: 'callable', stateful: true, sdk },
        undefined,
        adapter,
      );
      const mcp = await connectors[line](callable.resource, (url) => callable.provider.authorize(url));
      try {
        const changes = recordListChanges(line, mcp.client);
        const names = async () => (await mcp.listTools()).tools.map((t) => t.name);
        expect(await names()).not.toContain('create-note');
        expect(await names()).toContain('echo');
        expect((await mcp.client.listResourceTemplates()).resourceTemplates).toEqual([]);
        await mcp.callTool('create-note', { title: 'after step-up' }); // 403 → re-authorize → retried
        expect(mcp.oauth.authorizations).toHaveLength(2);
        await waitFor(() => changes.includes('tools'));
        expect(changes).toEqual(['tools']);
        expect(await names()).toContain('create-note');
      } finally {
        await mcp.close();
        await callable.close();
      }
    });
  },
);

async function waitFor(condition: () => boolean, timeout = 3000): Promise<void> {
  const end = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for a notification');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fetch that copies a tools/call's `tag` argument into an `x-tag` header of the HTTP request carrying it. */
const taggingFetch: typeof fetch = (input, init) => {
  const body =
    typeof init?.body === 'string'
      ? (JSON.parse(init.body) as { params?: { arguments?: { tag?: string } } })
      : undefined;
  const tag = body?.params?.arguments?.tag;
  if (tag === undefined) return fetch(input, init);
  const headers = new Headers(init?.headers);
  headers.set('x-tag', tag);
  return fetch(input, { ...init, headers });
};

type Transport = 'streamable' | 'sse';
const SESSION_CELLS: Array<readonly [AdapterName, SdkLine, Transport]> = ADAPTERS.flatMap((adapter) => [
  ...SDK_LINES.map((sdk) => [adapter, sdk, 'streamable'] as const),
  [adapter, 'v1', 'sse'] as const, // the HTTP+SSE transport: SDK 1.x only
]);

describe.each(SESSION_CELLS)(
  'R40: a session’s handlers see the HTTP request that carried their call — %s, SDK %s server, %s',
  (adapter, sdk, transport) => {
    let pipeline: PipelineApp;
    let close: () => Promise<void>;
    let call: (name: string, args: Record<string, unknown>) => Promise<{ content: unknown }>;

    beforeAll(async () => {
      pipeline = await startPipelineApp(
        transport === 'sse' ? { sdk, sse: true } : { sdk, stateful: true },
        undefined,
        adapter,
      );
      const headers = { Authorization: `Bearer ${await pipeline.token(ALL)}` };
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const client = new Client({ name: 'tagger', version: '1' });
      if (transport === 'sse') {
        const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
        const url = new URL('/sse', pipeline.resource);
        await client.connect(
          new SSEClientTransport(url, {
            requestInit: { headers },
            eventSourceInit: { fetch: withHeaders(headers) },
            fetch: taggingFetch,
          }),
        );
      } else {
        const { StreamableHTTPClientTransport } =
          await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
        await client.connect(
          new StreamableHTTPClientTransport(new URL(pipeline.resource), {
            requestInit: { headers },
            fetch: taggingFetch,
          }),
        );
      }
      close = () => client.close();
      call = (name, args) => client.callTool({ name, arguments: args }) as Promise<{ content: unknown }>;
    });
    afterAll(async () => {
      await close?.();
      await pipeline?.close();
    });

    it('R40: concurrent calls on one session each get their own request (REQUEST, McpCall, McpExecutionContext)', async () => {
      const tags = ['first', 'second', 'third', 'fourth'];
      const results = await Promise.all(tags.map((tag) => call('request-tag', { tag })));
      expect(results.map(json)).toEqual(
        tags.map((tag) => ({ tag, injected: tag, invocation: tag, context: tag })),
      );
    });
  },
);

/** A fetch that sets `headers` (the SSE stream's GET: its EventSource takes no request headers of its own). */
function withHeaders(headers: Record<string, string>): typeof fetch {
  return (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) merged.set(name, value);
    return fetch(input, { ...init, headers: merged });
  };
}

describe.each(ADAPTERS.flatMap((adapter) => SDK_LINES.map((sdk) => [adapter, sdk] as const)))(
  'R40: a request id in flight on a session is not accepted twice — %s, SDK %s server, Streamable HTTP',
  (adapter, sdk) => {
    let pipeline: PipelineApp;
    beforeAll(async () => {
      pipeline = await startPipelineApp({ sdk, stateful: true }, undefined, adapter);
    });
    afterAll(() => pipeline?.close());

    it('R40: a second POST reusing an in-flight id gets 400 Invalid Request; the first completes with its own request', async () => {
      const authorization = `Bearer ${await pipeline.token(ALL)}`;
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(pipeline.resource, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-06-18',
            ...headers,
          },
          body: JSON.stringify(body),
        });
      const opened = await post({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });
      const session = opened.headers.get('mcp-session-id')!;
      await opened.text();
      expect(session).toBeTruthy();
      const inSession = { 'mcp-session-id': session };
      await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, inSession)).text();
      const tagCall = (tag: string) => ({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'request-tag', arguments: { tag } },
      });
      // The tool pauses 40 ms: the second POST arrives while the first is in flight.
      const first = post(tagCall('first'), { ...inSession, 'x-tag': 'first' });
      await new Promise((resolve) => setTimeout(resolve, 10));
      const second = await post(tagCall('second'), { ...inSession, 'x-tag': 'second' });
      expect(second.status).toBe(400);
      expect(await second.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
      const answered = await first;
      expect(answered.status).toBe(200);
      const text = await answered.text();
      expect(text).toContain('\\"injected\\":\\"first\\"');
      expect(text).not.toContain('second');
      // Once answered, the id may be used again; and a batch naming one id twice is refused.
      const again = await post(tagCall('again'), { ...inSession, 'x-tag': 'again' });
      expect(again.status).toBe(200);
      await again.text();
      const batch = await post([tagCall('a'), tagCall('b')], inSession);
      expect(batch.status).toBe(400);
    });
  },
);
