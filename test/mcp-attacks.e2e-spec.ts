/**
 * The attack corpus (test/support/attack-corpus.ts) against the MCP endpoint of McpServerModule, on each HTTP
 * adapter: every case that attacks the token or the `Authorization` header (R7–R13, R18–R25) is sent as a POST of
 * a JSON-RPC message to `/api/mcp` — the corpus' guarded route `GET /api/me` becomes an `initialize`, its scoped
 * `POST /api/todos` a `tools/call` of a tool with the same scopes — and must get the same status and challenge:
 * 0 accepted (except the controls), 0 5xx, the token never echoed, no key or URL named by a token fetched.
 * The cases whose token travels in a form or JSON body are the HTTP routes' concern (the MCP endpoint answers
 * them 415 or reads only JSON-RPC): they are left out here.
 */
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { McpAuthModule, McpServerModule, McpTool, RequireScopes } from '../lib/index.js';
import { ADAPTERS, createApp, type AdapterName } from './support/adapters.js';
import {
  ATTACK_RESOURCE as RESOURCE,
  ATTACK_SCOPES as SCOPES,
  sendRaw,
  startAttackWorld,
  type AttackCase,
  type AttackRequest,
} from './support/attack-corpus.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { ACCEPT } from './support/sample-app.js';

const PRM = 'http://127.0.0.1/.well-known/oauth-protected-resource/api';
const MCP_PATH = '/api/mcp';

@Injectable()
class CorpusTools {
  @McpTool({ name: 'create-todo' })
  @RequireScopes('read:todos', 'create:todos')
  create() {
    return 'created';
  }
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'corpus', version: '1' } },
};
const CREATE = {
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name: 'create-todo', arguments: {} },
};

/** The corpus request as a POST to the MCP endpoint, or `undefined` for a case about a token in a body. */
function toMcp(request: AttackRequest): AttackRequest | undefined {
  if (request.body !== undefined) return undefined;
  const { method = 'GET', path = '/api/me', headers } = request;
  let message: object;
  let query = '';
  if (method === 'GET' && (path === '/api/me' || path.startsWith('/api/me?'))) {
    message = INITIALIZE;
    query = path.slice('/api/me'.length);
  } else if (method === 'POST' && path === '/api/todos') {
    message = CREATE;
  } else {
    return undefined;
  }
  return {
    ...request,
    method: 'POST',
    path: `${MCP_PATH}${query}`,
    headers: [...headers, 'Content-Type', 'application/json', 'Accept', ACCEPT],
    body: JSON.stringify(message),
  };
}

/** The MCP server of the corpus' resource, trusting the corpus' providers, on `adapter`. */
async function mcpApp(
  adapter: AdapterName,
  issuers: string[],
  strictJwtType: boolean,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      McpAuthModule.forRoot({
        resource: RESOURCE,
        authorizationServers: issuers.map((issuer) => ({ issuer, type: 'oidc' as const })),
        scopesSupported: SCOPES,
        strictJwtType,
      }),
      // JSON answers: an SSE answer asks for keep-alive, and the raw client waits for the socket to close.
      McpServerModule.forRoot({ name: 'corpus', version: '1', path: MCP_PATH, enableJsonResponse: true }),
    ],
    providers: [CorpusTools],
  }).compile();
  const app = await createApp(adapter, moduleRef);
  await app.listen(0, '127.0.0.1');
  return app;
}

const world = await startAttackWorld();
const { provider, secondProvider, attacker } = world;
const cases = world.cases.flatMap((c) => {
  const request = toMcp(c.request);
  return request ? [{ ...c, request }] : [];
});
const port = (app: INestApplication) => ((app.getHttpServer() as Server).address() as AddressInfo).port;

afterAll(() => world.close());

describe.each(ADAPTERS)('the attack corpus against the MCP endpoint — %s', (adapter) => {
  const ports = { main: 0, strict: 0 };
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    apps.push(await mcpApp(adapter, [provider.issuer, secondProvider.issuer], false));
    apps.push(await mcpApp(adapter, [provider.issuer], true));
    ports.main = port(apps[0]);
    ports.strict = port(apps[1]);
  });
  afterAll(() => Promise.allSettled(apps.map((a) => a.close())));

  it('the MCP slice holds at least 50 attacks and both controls', () => {
    expect(cases.filter((c) => !c.control).length).toBeGreaterThanOrEqual(50);
    expect(cases.filter((c) => c.control).length).toBeGreaterThanOrEqual(2);
  });

  const title = (c: AttackCase) => `${c.requirement}: ${c.name} → ${c.expect.status}`;
  it.each(cases.map((c) => [title(c), c] as const))('%s', async (_title, c) => {
    const before = attacker.requests();
    const res = await sendRaw(ports[c.request.target ?? 'main'], c.request);

    expect(res.status).toBe(c.expect.status);
    expect(res.status).toBeLessThan(500);
    if (!c.control) expect(res.status).toBeGreaterThanOrEqual(400);
    if ([400, 401, 403].includes(res.status)) {
      expect(res.headers['www-authenticate']).toHaveLength(1);
      const challenge = parseBearerChallenge(res.headers['www-authenticate'][0]);
      expect(challenge.resource_metadata).toBe(PRM);
      expect(challenge.error ?? null).toBe(c.expect.error ?? null);
    }
    if (c.secret && c.secret.length >= 16) {
      expect(JSON.stringify(res.headers)).not.toContain(c.secret);
      expect(res.body).not.toContain(c.secret);
    }
    expect(attacker.requests()).toBe(before);
  });

  it('R20, R24: the corpus made the endpoint contact neither the attacker nor an introspection endpoint', () => {
    expect(attacker.requests()).toBe(0);
    expect(provider.requestCount('/token/introspection')).toBe(0);
  });
});
