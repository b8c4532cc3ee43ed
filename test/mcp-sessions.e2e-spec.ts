import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { AuthInfo, McpAuthModule, McpServerModule, McpTool } from '../lib/index.js';
import { ADAPTERS, createApp } from './support/adapters.js';
import { freePort } from './support/free-port.js';
import { connectWithOAuth, type ConnectedMcpClient } from './support/mcp-oauth-client.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { ACCEPT } from './support/sample-app.js';

type ServerOptions = Parameters<typeof McpServerModule.forRoot>[0];
const LIST = { jsonrpc: '2.0', id: 9, method: 'tools/list' };
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
/** A confidential client whose id is a user's subject: oidc-provider gives its tokens `sub` = the client id. */
const ALICE_CLIENT = { clientId: 'alice', clientSecret: 'alice-secret-0123456789abcdef' };
const SVC = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };

@Injectable()
class WhoTools {
  @McpTool({ name: 'whoami' })
  whoami(@AuthInfo('subject') subject: string | undefined, @AuthInfo('clientId') clientId: string) {
    return { subject, clientId };
  }
}

describe.each(ADAPTERS)('stateful sessions and their limits — %s', (adapter) => {
  let provider: TestProvider;
  let resource: string;
  let port: number;
  const apps: INestApplication[] = [];
  const clients: ConnectedMcpClient[] = [];

  beforeAll(async () => {
    port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    provider = await startTestProvider({
      resources: { [resource]: { scopes: ['read'] } },
      clients: [ALICE_CLIENT, SVC],
    });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(apps.map((a) => a.close()));
    await provider?.close();
  });

  async function start(server: Partial<ServerOptions>, listenPort = 0) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({
          resource,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          defaultScopes: ['read'],
        }),
        McpServerModule.forRoot({ name: 'sessions', version: '1', ...server }),
      ],
      providers: [WhoTools],
    }).compile();
    const app = await createApp(adapter, moduleRef, { configure: (created) => void apps.push(created) });
    await app.listen(listenPort, '127.0.0.1');
    return app;
  }

  const ccToken = (client: typeof SVC) =>
    provider.clientCredentialsToken({ ...client, scope: 'read', resource });
  const inSession = (app: INestApplication, sessionId: string, bearer: string) =>
    request(app.getHttpServer())
      .post('/mcp')
      .set('Authorization', `Bearer ${bearer}`)
      .set('Accept', ACCEPT)
      .set('Content-Type', 'application/json')
      .set('Mcp-Session-Id', sessionId)
      .set('Mcp-Protocol-Version', '2025-06-18')
      .send(JSON.stringify(LIST));

  describe('R37: a session belongs to issuer + subject + client', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await start({ stateful: true }, port);
    });

    it("R37: a client-credentials token whose sub equals the user's sub cannot ride the user's session", async () => {
      const user = await connectWithOAuth(resource, {
        browser: (url) => provider.authorize(url, { accountId: 'alice' }),
      });
      clients.push(user);
      const sessionId = user.transport.sessionId!;
      expect(sessionId).toBeTruthy();
      const userToken = decodeJwt(user.oauth.tokens()!.access_token);
      const impostor = await ccToken(ALICE_CLIENT);
      const impostorClaims = decodeJwt(impostor);
      expect(impostorClaims.sub).toBe('alice'); // the same subject as the user…
      expect(userToken.sub).toBe('alice');
      expect(impostorClaims.client_id).not.toBe(userToken.client_id); // …another client
      expect((await inSession(app, sessionId, impostor)).status).toBe(404);
      // The user keeps her session.
      expect((await user.listTools()).tools.map((t) => t.name)).toEqual(['whoami']);
    });

    it('R37: the same caller (issuer, subject, client) with a new token keeps its session', async () => {
      const first = await ccToken(SVC);
      const opened = await request(app.getHttpServer())
        .post('/mcp')
        .set('Authorization', `Bearer ${first}`)
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(INIT))
        .expect(200);
      const sessionId = opened.headers['mcp-session-id'];
      const second = await ccToken(SVC);
      expect(second).not.toBe(first);
      expect((await inSession(app, sessionId, second)).status).toBe(200);
    });

    it('R37: a caller with no identity (no sub, no client id) gets no session: 403 with a JSON-RPC error', async () => {
      const anonymousToken = () =>
        provider.signToken({
          iss: provider.issuer,
          aud: resource,
          scope: 'read',
          exp: Math.floor(Date.now() / 1000) + 60,
        });
      const res = await request(app.getHttpServer())
        .post('/mcp')
        .set('Authorization', `Bearer ${await anonymousToken()}`)
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(INIT));
      expect(res.status).toBe(403);
      expect(res.headers['mcp-session-id']).toBeUndefined();
      expect(res.body).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32000, message: expect.stringMatching(/neither a subject \(sub\) nor a client id/) },
        id: null,
      });
      // Stateless requests of such a caller are not affected.
      const stateless = await start({ stateful: false });
      await request(stateless.getHttpServer())
        .post('/mcp')
        .set('Authorization', `Bearer ${await anonymousToken()}`)
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(INIT))
        .expect(200);
    });
  });

  describe('the legacy SSE transport honours maxSessions', () => {
    it('one stream more than maxSessions → 503 with Retry-After, shared with Streamable HTTP sessions', async () => {
      const app = await start({ sse: true, stateful: true, maxSessions: 1, sdk: 'v1' });
      const { port: appPort } = app.getHttpServer().address();
      const bearer = await ccToken(SVC);
      const open = new AbortController();
      const sse = (signal?: AbortSignal) =>
        fetch(`http://127.0.0.1:${appPort}/sse`, { headers: { Authorization: `Bearer ${bearer}` }, signal });
      const first = await sse(open.signal);
      expect(first.status).toBe(200);
      const second = await sse();
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toBe('30');
      expect(await second.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
      const init = await request(app.getHttpServer())
        .post('/mcp')
        .set('Authorization', `Bearer ${bearer}`)
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(INIT));
      expect(init.status).toBe(503);
      expect(init.headers['retry-after']).toBe('30');
      open.abort();
      await first.body?.cancel().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await sse();
      expect(again.status).toBe(200);
      await again.body?.cancel();
    });

    it('R37: a caller with no identity cannot open an SSE stream either', async () => {
      const app = await start({ sse: true, sdk: 'v1' });
      const { port: appPort } = app.getHttpServer().address();
      const token = await provider.signToken({
        iss: provider.issuer,
        aud: resource,
        scope: 'read',
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      const res = await fetch(`http://127.0.0.1:${appPort}/sse`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(403);
      await res.body?.cancel();
    });
  });
});
