import { Injectable, type INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { z } from 'zod';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ReadResourceRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Server as ServerV2 } from '@modelcontextprotocol/server';
import {
  AuthInfo,
  McpArgs,
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthInfo,
} from '../lib/index.js';
import { ADAPTERS, createApp, type AdapterName } from './support/adapters.js';
import { connectWithOAuth, type ConnectedMcpClient } from './support/mcp-oauth-client.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { ACCEPT, OTHER_RESOURCE, startSample, useSample, type Sample } from './support/sample-app.js';
import type { SdkLine } from './support/sdk-lines.js';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const call = (name: string, args: Record<string, unknown> = {}, id = 2) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
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

/** Each SDK server line on Express, and the 1.x line on Fastify (the SDK v2 client suite covers Fastify with 2.x). */
const CELLS: ReadonlyArray<readonly [AdapterName, SdkLine]> = [
  ['express', 'v1'],
  ['express', 'v2'],
  ['fastify', 'v1'],
];

describe.each(CELLS)(
  'the sample MCP server on %s (SDK %s) with the official SDK 1.x client, through the real OAuth flow',
  (adapter, sdk) => {
    const suite = useSample((resource, browser) => connectWithOAuth(resource, { browser }), adapter, sdk);
    const connect = (accountId?: string) => suite.connect(accountId);
    let sample: Sample;
    beforeAll(() => {
      sample = suite.sample;
    });

    it('R7, R9: an unauthenticated initialize → 401 with resource_metadata and the default scope', async () => {
      const res = await sample.post(INIT).expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate'])).toEqual({
        scope: 'read:todos',
        resource_metadata: `http://127.0.0.1:${sample.port}/.well-known/oauth-protected-resource/mcp`,
      });
    });

    it('R1-R5, R26-R30: discovery → registration → PKCE S256 + resource → token → tools/list and tools/call', async () => {
      const registrations = sample.provider.requestCount('/reg');
      const mcp = await connect();
      expect(mcp.oauth.authorizations).toHaveLength(1);
      const authorization = mcp.oauth.authorizations[0];
      expect(authorization.searchParams.get('resource')).toBe(sample.resource);
      expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorization.searchParams.get('scope')).toBe('read:todos');
      expect(sample.provider.requestCount('/.well-known/oauth-protected-resource/mcp')).toBe(0); // served by the app
      expect(sample.provider.requestCount('/reg')).toBe(registrations + 1);
      const access = decodeJwt(mcp.oauth.tokens()!.access_token);
      expect(access).toMatchObject({ aud: sample.resource, iss: sample.provider.issuer, sub: 'alice' });

      const { tools } = await mcp.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['create-todo', 'delete-todo', 'get-todos', 'whoami']);
      const me = json(await mcp.callTool('whoami'));
      expect(me).toMatchObject({ subject: 'alice', issuer: sample.provider.issuer, scopes: ['read:todos'] });
      expect(json(await mcp.callTool('get-todos'))).toEqual({ todos: [] });
    });

    it('R13, R14: a tool needing a scope the token lacks → HTTP 403 insufficient_scope → the client steps up and the call succeeds', async () => {
      const mcp = await connect();
      const created = json(await mcp.callTool('create-todo', { content: 'buy milk' }));
      expect(created).toMatchObject({ content: 'buy milk', owner: 'alice' });
      expect(mcp.oauth.authorizations).toHaveLength(2);
      expect(mcp.oauth.authorizations[1].searchParams.get('scope')).toBe('read:todos create:todos');
      const stepUp = mcp.oauth.challenges.find((c) => c.status === 403)!;
      expect(stepUp).toMatchObject({ error: 'insufficient_scope', scope: 'read:todos create:todos' });
      expect(parseBearerChallenge(stepUp.header).resource_metadata).toBe(
        `http://127.0.0.1:${sample.port}/.well-known/oauth-protected-resource/mcp`,
      );
    });

    it('R13: alternating a read tool and a write tool after one step-up authorizes exactly twice (no flip-flop)', async () => {
      const mcp = await connect();
      for (let i = 0; i < 3; i++) {
        await mcp.callTool('get-todos');
        await mcp.callTool('create-todo', { content: `todo ${i}` });
      }
      expect(mcp.oauth.authorizations).toHaveLength(2);
    });

    it('todos belong to the token subject: a service reads the caller through McpAuthContext', async () => {
      const alice = await connect('alice');
      await alice.callTool('create-todo', { content: 'alice only' });
      const bob = await connect('bob');
      expect(json(await bob.callTool('whoami')).subject).toBe('bob');
      expect(json(await bob.callTool('get-todos'))).toEqual({ todos: [] });
      const mine = json(await alice.callTool('get-todos')).todos.map((t: { content: string }) => t.content);
      expect(mine).toContain('alice only');
    });

    it('a tool that throws returns an MCP error result, not a crash', async () => {
      const mcp = await connect();
      await mcp.callTool('get-todos');
      const result = await mcp.callTool('delete-todo', { id: 'nope' });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('No todo nope of yours');
      expect(mcp.oauth.authorizations).toHaveLength(2); // stepped up to delete:todos, then the tool failed
    });

    it('R40: the sample — create-todo validates its DTO field by field; only the owner deletes (a custom guard)', async () => {
      const alice = await connect('alice');
      const bad = await alice.callTool('create-todo', { content: '', priority: 'urgent' });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toContain('- content (isNotEmpty): content should not be empty');
      expect(text(bad)).toContain(
        '- priority (isIn): priority must be one of the following values: low, normal, high',
      );
      const { id } = json(await alice.callTool('create-todo', { content: 'mine', priority: 'high' }));
      const bob = await connect('bob');
      const denied = await bob.callTool('delete-todo', { id });
      expect(denied).toMatchObject({
        isError: true,
        content: [{ text: `Only the owner of todo ${id} may delete it` }],
      });
      expect(json(await alice.callTool('delete-todo', { id }))).toMatchObject({ id, owner: 'alice' });
    });

    it('R40: the sample — resource todo://{id} and prompt summarize-todos (read:todos), through the same client', async () => {
      const mcp = await connect('erin');
      const { id } = json(await mcp.callTool('create-todo', { content: 'read me' }));
      const read = await mcp.readResource(`todo://${id}`);
      expect(read.contents[0]).toMatchObject({ uri: `todo://${id}`, mimeType: 'application/json' });
      expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({
        id,
        content: 'read me',
      });
      // MCP 2026-07-28 made an unknown resource -32602 (Invalid Params) on every revision: the 2.x line sends that.
      const notFound = sdk === 'v1' ? -32002 : -32602;
      await expect(mcp.readResource('todo://nope')).rejects.toMatchObject({ code: notFound });
      const prompt = await mcp.getPrompt('summarize-todos', { style: 'detailed' });
      expect(prompt.messages[0].content).toEqual({
        type: 'text',
        text: 'Summarize my todos (detailed):\n- [normal] read me',
      });
    });

    it('R18: a token of the same provider for a different resource is rejected', async () => {
      const other = await sample.token('read:todos', OTHER_RESOURCE);
      const res = await sample.post(INIT, other).expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_token');
    });

    it('R14: tools/call arguments are validated after the scope check, naming the field', async () => {
      const token = await sample.token('read:todos create:todos');
      const bad = rpc(await sample.post(call('create-todo', { content: 42 }), token).expect(200));
      expect(bad.result.isError).toBe(true);
      expect(bad.result.content[0].text).toMatch(/^Invalid arguments for tool "create-todo":\n- content \(/);
    });

    it('R14: a batch calling a tool the token may not call → 403 before anything runs', async () => {
      const token = await sample.token('read:todos');
      const res = await sample
        .post([call('get-todos', {}, 5), call('delete-todo', { id: 'x' }, 6)], token)
        .expect(403);
      expect(parseBearerChallenge(res.headers['www-authenticate'])).toMatchObject({
        error: 'insufficient_scope',
        scope: 'read:todos delete:todos',
      });
    });

    it('R9: a 401 on a tools/call names the default scope plus the tool scope', async () => {
      const res = await sample.post(call('create-todo', { content: 'x' })).expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate']).scope).toBe('read:todos create:todos');
    });

    it('unknown tool, malformed JSON, wrong content type, oversize body: JSON-RPC / HTTP errors, never 500', async () => {
      const token = await sample.token('read:todos');
      const unknown = rpc(await sample.post(call('nope'), token).expect(200));
      expect(unknown.result?.isError ?? unknown.error).toBeTruthy();
      const server = sample.app.getHttpServer();
      const malformed = await request(server)
        .post('/mcp')
        .set('Authorization', `Bearer ${token}`)
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .send('{"jsonrpc": "2.0", ');
      expect(malformed.status).toBe(400);
      const plain = await request(server)
        .post('/mcp')
        .set('Authorization', `Bearer ${token}`)
        .set('Accept', ACCEPT)
        .set('Content-Type', 'text/plain')
        .send('hello');
      expect(plain.status).toBe(415);
      const huge = await request(server)
        .post('/mcp')
        .set('Authorization', `Bearer ${token}`)
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(call('create-todo', { content: 'x'.repeat(5_000_000) })));
      expect(huge.status).toBe(413);
      const notRpc = await sample.post({ hello: 'world' }, token);
      expect(notRpc.status).toBe(400);
      for (const r of [malformed, plain, huge, notRpc]) {
        expect(r.status).toBeLessThan(500);
        expect(r.headers['content-type']).toMatch(/^application\/json/);
      }
    });

    it('stateless: GET and DELETE on the endpoint → 405', async () => {
      const token = await sample.token('read:todos');
      await request(sample.app.getHttpServer())
        .get('/mcp')
        .set('Authorization', `Bearer ${token}`)
        .expect(405);
      await request(sample.app.getHttpServer())
        .delete('/mcp')
        .set('Authorization', `Bearer ${token}`)
        .expect(405);
    });
  },
);

describe('an issuer with a path (/tenant-a)', () => {
  it('R26-R29: the SDK client completes the same flow', async () => {
    const sample = await startSample({ issuerPath: '/tenant-a' });
    let mcp: ConnectedMcpClient | undefined;
    try {
      expect(sample.provider.issuer).toMatch(/\/tenant-a$/);
      mcp = await connectWithOAuth(sample.resource, { browser: (url) => sample.provider.authorize(url) });
      expect(json(await mcp.callTool('whoami'))).toMatchObject({
        subject: 'alice',
        issuer: sample.provider.issuer,
      });
      await mcp.callTool('create-todo', { content: 'tenant' });
      expect(mcp.oauth.authorizations).toHaveLength(2);
    } finally {
      await mcp?.close();
      await sample.close();
    }
  });
});

@Injectable()
class ExtraTools {
  @McpTool({ name: 'subject-only', input: { shout: z.boolean().optional() } })
  subject(@McpArgs() args: { shout?: boolean }, @AuthInfo('subject') subject: string) {
    return args.shout ? subject.toUpperCase() : subject;
  }

  @McpTool({ name: 'admin-only' })
  @RequireScopes('admin')
  admin() {
    return 'admin';
  }
}

@Injectable()
class DuplicateTools {
  @McpTool({ name: 'subject-only' })
  again() {
    return 'again';
  }
}

describe.each(ADAPTERS)('McpServerModule options — %s', (adapter) => {
  let provider: TestProvider;
  const RESOURCE = 'http://127.0.0.1/mcp';

  beforeAll(async () => {
    provider = await startTestProvider({
      resources: { [RESOURCE]: { scopes: ['read', 'admin'] } },
      clients: [{ clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' }],
    });
  });
  afterAll(() => provider?.close());

  const token = (scope: string) =>
    provider.clientCredentialsToken({
      clientId: 'svc',
      clientSecret: 'svc-secret-0123456789abcdef',
      scope,
      resource: RESOURCE,
    });

  async function boot(
    server: Parameters<typeof McpServerModule.forRoot>[0],
    providers: any[] = [ExtraTools],
  ) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
        }),
        McpServerModule.forRoot(server),
      ],
      providers,
    }).compile();
    const app = await createApp(adapter, moduleRef);
    await app.listen(0, '127.0.0.1');
    return app;
  }

  async function sdkClient(app: INestApplication, bearer: string, path = '/mcp') {
    const { port } = app.getHttpServer().address();
    const client = new Client({ name: 't', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}${path}`), {
        requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
      }),
    );
    return client;
  }

  it("R45: tools receive @AuthInfo(field) and validated arguments; visibility: 'callable' hides tools the token may not call", async () => {
    const app = await boot({ name: 't', version: '1', visibility: 'callable' });
    const client = await sdkClient(app, await token('read'));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['subject-only']);
      expect(
        text((await client.callTool({ name: 'subject-only', arguments: { shout: true } })) as never),
      ).toBe('SVC');
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('R45: by default tools/list lists every tool, the same for everyone (calls stay scope-checked)', async () => {
    const app = await boot({ name: 't', version: '1' });
    const client = await sdkClient(app, await token('read'));
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
        'admin-only',
        'subject-only',
      ]);
      await expect(client.callTool({ name: 'admin-only', arguments: {} })).rejects.toThrow(
        /insufficient_scope/,
      );
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('the configureServer escape hatch (SDK 1.x): a raw handler on the low-level Server gets extra.authInfo', async () => {
    const app = await boot({
      name: 't',
      version: '1',
      sdk: 'v1',
      configureServer: (sdkServer) => {
        const server = sdkServer as Server;
        server.registerCapabilities({ resources: {} });
        server.setRequestHandler(ReadResourceRequestSchema, ({ params }, extra) => ({
          contents: [{ uri: params.uri, text: (extra.authInfo as McpAuthInfo).subject ?? '' }],
        }));
      },
    });
    const client = await sdkClient(app, await token('read'));
    try {
      const res = await client.readResource({ uri: 'me://caller' });
      expect(res.contents[0]).toMatchObject({ text: 'svc' });
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('the configureServer escape hatch (SDK 2.x): a raw handler on the low-level Server gets ctx.http.authInfo', async () => {
    const app = await boot({
      name: 't',
      version: '1',
      sdk: 'v2',
      configureServer: (sdkServer) => {
        const server = sdkServer as ServerV2;
        server.registerCapabilities({ resources: {} });
        server.setRequestHandler('resources/read', ({ params }, ctx) => ({
          contents: [{ uri: params.uri, text: (ctx.http?.authInfo as McpAuthInfo).subject ?? '' }],
        }));
      },
    });
    const client = await sdkClient(app, await token('read'));
    try {
      const res = await client.readResource({ uri: 'me://caller' });
      expect(res.contents[0]).toMatchObject({ text: 'svc' });
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('forRootAsync: options from a factory (ConfigService), the path given statically', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ MCP_NAME: 'from-config' })] }),
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
        }),
        McpServerModule.forRootAsync({
          path: '/tools',
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            name: config.getOrThrow<string>('MCP_NAME'),
            version: '2.0.0',
          }),
        }),
      ],
      providers: [ExtraTools],
    }).compile();
    const app = await createApp(adapter, moduleRef);
    await app.listen(0, '127.0.0.1');
    const client = await sdkClient(app, await token('read'), '/tools');
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'from-config', version: '2.0.0' });
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['subject-only', 'admin-only']);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('duplicate tool names fail boot naming both places', async () => {
    await expect(boot({ name: 't', version: '1' }, [ExtraTools, DuplicateTools])).rejects.toThrow(
      /@McpTool name "subject-only" is used twice: ExtraTools.subject and DuplicateTools.again/,
    );
  });

  it('R17: stateful sessions — the session id is no credential; a session belongs to its opener', async () => {
    const app = await boot({ name: 't', version: '1', stateful: true });
    const client = await sdkClient(app, await token('read'));
    try {
      const transport = (client as unknown as { _transport: StreamableHTTPClientTransport })._transport;
      const sessionId = transport.sessionId!;
      expect(sessionId).toBeTruthy();
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['subject-only', 'admin-only']);
      const server = app.getHttpServer();
      const list = { jsonrpc: '2.0', id: 9, method: 'tools/list' };
      const anonymous = await request(server)
        .post('/mcp')
        .set('Accept', ACCEPT)
        .set('Mcp-Session-Id', sessionId)
        .set('Mcp-Protocol-Version', '2025-06-18')
        .send(list);
      expect(anonymous.status).toBe(401);
      const otherSubject = await provider.signToken({
        iss: provider.issuer,
        sub: 'mallory',
        aud: RESOURCE,
        scope: 'read',
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      const hijack = await request(server)
        .post('/mcp')
        .set('Authorization', `Bearer ${otherSubject}`)
        .set('Accept', ACCEPT)
        .set('Mcp-Session-Id', sessionId)
        .set('Mcp-Protocol-Version', '2025-06-18')
        .send(list);
      expect(hijack.status).toBe(404);
      // The opener's GET stream (server-sent events on the session) is open: the SDK client opened it after
      // initialize, so a second one is refused (one per session); then DELETE ends the session.
      const { port } = server.address();
      const opener = {
        Authorization: `Bearer ${await token('read')}`,
        'Mcp-Session-Id': sessionId,
        'Mcp-Protocol-Version': '2025-06-18',
      };
      const stream = await fetch(`http://127.0.0.1:${port}/mcp`, {
        headers: { ...opener, Accept: 'text/event-stream' },
      });
      expect(stream.status).toBe(409);
      await stream.body?.cancel();
      await transport.terminateSession();
      const ended = await request(server)
        .post('/mcp')
        .set('Authorization', opener.Authorization)
        .set('Accept', ACCEPT)
        .set('Mcp-Session-Id', sessionId)
        .set('Mcp-Protocol-Version', '2025-06-18')
        .send(list);
      expect(ended.status).toBe(404);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('R32: a disallowed Origin → 403; an allowed one passes', async () => {
    const app = await boot({ name: 't', version: '1', allowedOrigins: ['https://good.example'] });
    try {
      const bearer = await token('read');
      const send = (origin: string) =>
        request(app.getHttpServer())
          .post('/mcp')
          .set('Origin', origin)
          .set('Authorization', `Bearer ${bearer}`)
          .set('Accept', ACCEPT)
          .send(INIT);
      expect((await send('https://evil.example')).status).toBe(403);
      expect((await send('https://good.example')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('the legacy HTTP+SSE transport is protected and scope-checked like Streamable HTTP', async () => {
    const app = await boot({ name: 't', version: '1' });
    await app.close();
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
        }),
        McpServerModule.forRoot({ name: 't', version: '1', sse: true, sdk: 'v1' }),
      ],
      providers: [ExtraTools],
    }).compile();
    const sseApp = await createApp(adapter, moduleRef);
    await sseApp.listen(0, '127.0.0.1');
    const { port } = sseApp.getHttpServer().address();
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    const bearer = await token('read');
    const client = new Client({ name: 't', version: '1' });
    try {
      const unauthenticated = await fetch(`http://127.0.0.1:${port}/sse`);
      expect(unauthenticated.status).toBe(401);
      await unauthenticated.body?.cancel();
      const headers = { Authorization: `Bearer ${bearer}` };
      await client.connect(
        new SSEClientTransport(new URL(`http://127.0.0.1:${port}/sse`), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...headers } }),
          },
        }),
      );
      expect(text((await client.callTool({ name: 'subject-only', arguments: {} })) as never)).toBe('svc');
      await expect(client.callTool({ name: 'admin-only', arguments: {} })).rejects.toThrow(/403/);
    } finally {
      await client.close();
      await sseApp.close();
    }
  });
});
