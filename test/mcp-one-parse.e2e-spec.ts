import { Injectable, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTransport as InMemoryTransportV2 } from '@modelcontextprotocol/server';
import request from 'supertest';
import {
  McpAuthenticator,
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthInfo,
} from '../lib/index.js';
import { McpProtocolServerFactory } from '../lib/mcp/mcp-protocol-server.js';
import { McpRequestBinding } from '../lib/mcp/mcp-request-binding.js';
import { ADAPTERS, createApp, type AdapterName } from './support/adapters.js';
import { createV1Server } from '../lib/mcp/sdk-v1/v1-server.js';
import { createV2Server } from '../lib/mcp/sdk-v2/v2-server.js';
import { SDK_LINES } from './support/sdk-lines.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { ACCEPT } from './support/sample-app.js';

// R34: the scope decision and the dispatch read the same bytes; a tool never runs for a caller without its scopes.

const RESOURCE = 'http://127.0.0.1/mcp';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
const call = (name: string, id = 2) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {} },
});

/** Counts the runs of the destructive tool: the proof that it never ran. */
const runs = { delete: 0 };

@Injectable()
class TodoTools {
  @McpTool({ name: 'read-todos' })
  @RequireScopes('read:todos')
  read() {
    return 'todos';
  }

  @McpTool({ name: 'delete-todos' })
  @RequireScopes('delete:todos')
  delete() {
    runs.delete++;
    return 'deleted';
  }
}

/**
 * How an app parses an MCP request's body. `framework`: its JSON parser (Express: body-parser; Fastify: its own).
 * `none`: not at all — Express with `bodyParser: false`; Fastify with its JSON parser removed and a parser for any
 * type that leaves the stream alone (Fastify answers 415 to a type it has no parser for). `text` / `raw`: a custom
 * parser for `application/json` that hands over the text or the bytes.
 */
type Parsing = 'framework' | 'none' | 'text' | 'raw';
type Configure = (app: INestApplication) => void;

/** What stands between a fastify instance and the test: the calls that change its content-type parsers. */
interface FastifyParsers {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(type: string, parser: (req: unknown, payload: unknown, done: Done) => void): void;
}
type Done = (error: Error | null, body?: unknown) => void;

const PARSING: Record<AdapterName, Record<Exclude<Parsing, 'framework'>, Configure | undefined>> = {
  express: {
    none: undefined,
    text: (app) => (app as NestExpressApplication).useBodyParser('text', { type: 'application/json' }),
    raw: (app) => (app as NestExpressApplication).useBodyParser('raw', { type: 'application/json' }),
  },
  fastify: {
    none: (app) => {
      const fastify = app.getHttpAdapter().getInstance() as FastifyParsers;
      fastify.removeAllContentTypeParsers();
      fastify.addContentTypeParser('*', (_req, _payload, done) => done(null));
    },
    text: (app) =>
      (app as NestFastifyApplication).useBodyParser('application/json', {}, (_req, body, done) =>
        done(null, body.toString()),
      ),
    raw: (app) =>
      (app as NestFastifyApplication).useBodyParser('application/json', {}, (_req, body, done) =>
        done(null, body),
      ),
  },
};

/** Every adapter with every SDK server line: the body arrives through the one, is dispatched by the other. */
const CELLS = ADAPTERS.flatMap((adapter) => SDK_LINES.map((sdk) => [adapter, sdk] as const));

describe.each(CELLS)(
  'R34: one parse — the scope check judges the body the MCP SDK dispatches — %s, SDK %s',
  (adapter, sdk) => {
    let provider: TestProvider;
    let readToken: string;
    const apps: INestApplication[] = [];

    beforeAll(async () => {
      provider = await startTestProvider({
        resources: { [RESOURCE]: { scopes: ['read:todos', 'delete:todos'] } },
        clients: [CLIENT],
      });
      readToken = await provider.clientCredentialsToken({
        ...CLIENT,
        scope: 'read:todos',
        resource: RESOURCE,
      });
    });
    beforeEach(() => {
      runs.delete = 0;
    });
    afterAll(async () => {
      await Promise.allSettled(apps.map((a) => a.close()));
      await provider?.close();
    });

    /** The app on this adapter, parsing bodies as `parsing` says. */
    async function start(
      parsing: Parsing,
      server: Partial<Parameters<typeof McpServerModule.forRoot>[0]> = {},
    ) {
      const moduleRef = await Test.createTestingModule({
        imports: [
          McpAuthModule.forRoot({
            resource: RESOURCE,
            authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          }),
          McpServerModule.forRoot({
            name: 'one-parse',
            version: '1',
            sdk,
            sse: sdk === 'v1', // the HTTP+SSE transport: SDK 1.x only
            ...server,
          }),
        ],
        providers: [TodoTools],
      }).compile();
      const app = await createApp(adapter, moduleRef, {
        bodyParser: parsing === 'framework',
        configure: (created) => {
          apps.push(created);
          if (parsing !== 'framework') PARSING[adapter][parsing]?.(created);
        },
      });
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as { port: number };
      return { app, url: `http://127.0.0.1:${port}` };
    }

    const post = (app: INestApplication, body: string, type = 'application/json', bearer = readToken) => {
      const r = request(app.getHttpServer()).post('/mcp').set('Accept', ACCEPT).set('Content-Type', type);
      return (bearer ? r.set('Authorization', `Bearer ${bearer}`) : r).send(body);
    };

    it('R34: not parsed by the framework — a read:todos token calling a delete:todos tool gets 403 insufficient_scope; the tool never runs', async () => {
      const { app } = await start('none');
      const res = await post(app, JSON.stringify(call('delete-todos')));
      expect(res.status).toBe(403);
      expect(parseBearerChallenge(res.headers['www-authenticate'])).toMatchObject({
        error: 'insufficient_scope',
        scope: 'read:todos delete:todos',
      });
      expect(runs.delete).toBe(0);
      const allowed = await post(app, JSON.stringify(call('read-todos'))).expect(200);
      expect(allowed.text).toContain('todos');
    });

    it('R34: not parsed by the framework — a batch with one forbidden call → 403, nothing runs', async () => {
      const { app } = await start('none');
      const res = await post(app, JSON.stringify([call('read-todos', 5), call('delete-todos', 6)]));
      expect(res.status).toBe(403);
      expect(runs.delete).toBe(0);
    });

    it('R34: not parsed by the framework — the official SDK client: the forbidden call is refused, the allowed one works', async () => {
      const { url } = await start('none');
      const client = new Client({ name: 't', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${readToken}` } },
        }),
      );
      try {
        await expect(client.callTool({ name: 'delete-todos', arguments: {} })).rejects.toThrow(
          /insufficient_scope|403/,
        );
        const read = await client.callTool({ name: 'read-todos', arguments: {} });
        expect(read.content).toEqual([{ type: 'text', text: 'todos' }]);
        expect(runs.delete).toBe(0);
      } finally {
        await client.close();
      }
    });

    const onV1 = sdk === 'v1' ? it : () => undefined; // the HTTP+SSE transport: SDK 1.x only

    onV1(
      'R34: not parsed by the framework — the legacy SSE transport refuses the forbidden call too',
      async () => {
        const { url } = await start('none');
        const headers = { Authorization: `Bearer ${readToken}` };
        const client = new Client({ name: 't', version: '1' });
        await client.connect(
          new SSEClientTransport(new URL(`${url}/sse`), {
            requestInit: { headers },
            eventSourceInit: {
              fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }),
            },
          }),
        );
        try {
          await expect(client.callTool({ name: 'delete-todos', arguments: {} })).rejects.toThrow(/403/);
          expect((await client.callTool({ name: 'read-todos', arguments: {} })).content).toEqual([
            { type: 'text', text: 'todos' },
          ]);
          expect(runs.delete).toBe(0);
        } finally {
          await client.close();
        }
      },
    );

    it('R34: the endpoint answers a body the same whether the framework parsed it or not (content type, size, JSON; with and without a token)', async () => {
      const parsed = (await start('framework')).app;
      const raw = (await start('none')).app;
      const forbidden = JSON.stringify(call('delete-todos'));
      const oversized = JSON.stringify({ ...call('delete-todos'), pad: 'x'.repeat(150 * 1024) });
      // [name, body, content type, status with a token, status without]
      const variants: Array<[string, string, string, number, number]> = [
        ['text/plain', forbidden, 'text/plain', 415, 415],
        ['a form', 'jsonrpc=2.0&method=tools%2Fcall', 'application/x-www-form-urlencoded', 415, 415],
        ['over 100 kB', oversized, 'application/json', 413, 413],
        ['invalid JSON', '{"jsonrpc": "2.0", ', 'application/json', 400, 400],
        ['a JSON string', JSON.stringify(forbidden), 'application/json', 400, 400],
        ['a JSON number', '42', 'application/json', 400, 400],
        ['an empty body (body-parser reads {})', '', 'application/json', 400, 401],
        ['the forbidden call', forbidden, 'application/json', 403, 401],
      ];
      for (const bearer of [readToken, '']) {
        for (const [name, body, type, withToken, without] of variants) {
          const status = bearer ? withToken : without;
          // Fastify's own JSON parser answers an empty body 400 before any guard; body-parser reads it as {}.
          const parsedStatus = adapter === 'fastify' && body === '' ? 400 : status;
          const viaFramework = await post(parsed, body, type, bearer);
          const viaEndpoint = await post(raw, body, type, bearer);
          expect({
            name,
            bearer: !!bearer,
            framework: viaFramework.status,
            endpoint: viaEndpoint.status,
          }).toEqual({
            name,
            bearer: !!bearer,
            framework: parsedStatus,
            endpoint: status,
          });
          expect(viaEndpoint.headers['content-type']).toMatch(/^application\/json/);
          if (status === 400 && name !== 'an empty body (body-parser reads {})') {
            expect(viaEndpoint.body.error.code).toBe(-32700);
          }
        }
      }
      expect(runs.delete).toBe(0);
    });

    it('R34: maxBodySize bounds the body the endpoint reads itself', async () => {
      const { app } = await start('none', { maxBodySize: 1024 });
      const padded = JSON.stringify({ ...call('read-todos'), pad: 'x'.repeat(2048) });
      const res = await post(app, padded).expect(413);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
      await post(app, JSON.stringify(call('read-todos'))).expect(200);
      for (const maxBodySize of [0, -1, 1.5, Number.NaN]) {
        await expect(start('none', { maxBodySize })).rejects.toMatchObject({
          name: 'McpAuthConfigError',
          code: 'ERR_INVALID_OPTIONS',
          option: 'maxBodySize',
        });
      }
    });

    it.each(['text', 'raw'] as const)(
      'R34: a body parsed by a custom %s parser (a string or Buffer) is judged and dispatched as the same JSON',
      async (parsing) => {
        const { app, url } = await start(parsing);
        expect((await post(app, JSON.stringify(call('delete-todos')))).status).toBe(403);
        const allowed = await post(app, JSON.stringify(call('read-todos'))).expect(200);
        expect(allowed.text).toContain('todos');
        if (sdk !== 'v1') return;
        // The legacy SSE transport would JSON.parse a string body itself: the same decision there.
        const headers = { Authorization: `Bearer ${readToken}` };
        const client = new Client({ name: 't', version: '1' });
        await client.connect(
          new SSEClientTransport(new URL(`${url}/sse`), {
            requestInit: { headers },
            eventSourceInit: {
              fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }),
            },
          }),
        );
        try {
          await expect(client.callTool({ name: 'delete-todos', arguments: {} })).rejects.toThrow(/403/);
          expect(runs.delete).toBe(0);
        } finally {
          await client.close();
        }
      },
    );

    it('R34: defence in depth — a tool called past the HTTP layer by a caller without its scopes answers an MCP error and never runs', async () => {
      const { app } = await start('framework');
      const authenticator = app.get(McpAuthenticator);
      const resource = authenticator.options.resources[0];
      // The request as the adapter hands it to guards: Express's is the Node request, Fastify's wraps it (`raw`).
      const node = { headers: { authorization: `Bearer ${readToken}` }, url: '/mcp' };
      const verified = await authenticator.authenticate(
        (adapter === 'fastify' ? { raw: node, headers: node.headers } : node) as never,
        resource,
      );
      const factory = app.get(McpProtocolServerFactory);
      // The line's own server and in-memory transport (the two lines' transports have the same shape).
      const server: { connect(transport: never): Promise<void>; close(): Promise<void> } =
        sdk === 'v1'
          ? createV1Server(factory, McpRequestBinding.of(undefined))
          : createV2Server(factory, McpRequestBinding.of(undefined));
      const [client, serverSide] = (
        sdk === 'v1' ? InMemoryTransport.createLinkedPair() : InMemoryTransportV2.createLinkedPair()
      ) as ReturnType<typeof InMemoryTransport.createLinkedPair>;
      await server.connect(serverSide as never);
      const answers = new Map<unknown, JSONRPCMessage>();
      client.onmessage = (message) => void answers.set((message as { id?: unknown }).id, message);
      await client.start();
      const send = async (id: number, name: string, authInfo?: McpAuthInfo) => {
        await client.send(call(name, id) as JSONRPCMessage, { authInfo });
        await new Promise((resolve) => setTimeout(resolve, 50));
        return answers.get(id) as unknown as {
          result: { isError?: boolean; content: Array<{ text: string }> };
        };
      };
      try {
        const denied = await send(1, 'delete-todos', verified);
        expect(denied.result.isError).toBe(true);
        expect(denied.result.content[0].text).toMatch(/insufficient_scope.*delete:todos/);
        const anonymous = await send(2, 'delete-todos');
        expect(anonymous.result.isError).toBe(true);
        expect(runs.delete).toBe(0);
        const allowed = await send(3, 'read-todos', verified);
        expect(allowed.result).toMatchObject({ content: [{ type: 'text', text: 'todos' }] });
        expect(allowed.result.isError).toBeFalsy();
      } finally {
        await server.close();
      }
    });
  },
);
