/**
 * Replicas without affinity: two instances of one stateless MCP server behind a proxy that alternates upstreams on
 * every HTTP request. Nothing is shared between the instances but the configuration and the OpenID provider, yet one
 * client's OAuth flow and calls succeed, served by both in turn — on the SDK 2.x line with the v2 client (2025
 * handshake, stateless) and a 2026-07-28 client, and on the 1.x line with the v1 client.
 */
import { Inject, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import {
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpServerModuleOptions,
} from '../lib/index.js';
import { connectWithOAuthV2 } from './support/headless-oauth-client-v2.js';
import { MODERN } from './support/bearer-mcp-client.js';
import { freePort } from './support/free-port.js';
import { connectWithOAuth } from './support/mcp-oauth-client.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy.js';

const REPLICA = Symbol('REPLICA');
const SCOPES = ['replica:read', 'replica:admin'];

@Injectable()
class ReplicaTools {
  constructor(@Inject(REPLICA) private readonly replica: string) {}

  @McpTool({ name: 'replica', description: 'Which replica answered' })
  @RequireScopes('replica:read')
  which() {
    return { replica: this.replica };
  }

  @McpTool({ name: 'admin', description: 'Needs a broader scope (step-up)' })
  @RequireScopes('replica:admin')
  admin() {
    return { replica: this.replica, admin: true };
  }
}

/** One replica: the same configuration (the proxy's resource URL), its own process state. */
async function startReplica(
  name: string,
  resource: string,
  issuer: string,
  sdk: McpServerModuleOptions['sdk'],
): Promise<{ app: INestApplication; port: number }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      McpAuthModule.forRoot({
        resource,
        authorizationServers: [{ issuer, type: 'oidc' }],
        scopesSupported: ['replica:read'], // replica:admin is asked for only on a step-up
      }),
      McpServerModule.forRoot({ name: 'replicated', version: '1.0.0', path: '/mcp', sdk }),
    ],
    providers: [ReplicaTools, { provide: REPLICA, useValue: name }],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  return { app, port };
}

const text = (result: { content: unknown }) =>
  (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('');

type Client = 'v1' | 'v2' | '2026-07-28';

describe.each<[McpServerModuleOptions['sdk'], Client]>([
  ['v2', 'v2'],
  ['v2', '2026-07-28'],
  ['v1', 'v1'],
])('replicas without affinity — SDK %s server, %s client', (sdk, clientLine) => {
  let provider: TestProvider;
  let proxy: RoundRobinProxy;
  let replicas: Array<{ app: INestApplication; port: number }>;
  let resource: string;

  beforeAll(async () => {
    const proxyPort = await freePort();
    resource = `http://127.0.0.1:${proxyPort}/mcp`;
    provider = await startTestProvider({ resources: { [resource]: { scopes: SCOPES } } });
    replicas = [
      await startReplica('a', resource, provider.issuer, sdk),
      await startReplica('b', resource, provider.issuer, sdk),
    ];
    proxy = await startRoundRobinProxy(
      proxyPort,
      replicas.map((r) => r.port),
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all((replicas ?? []).map((r) => r.app.close()));
    await provider?.close();
  });

  const connect = () => {
    const browser = (url: URL) => provider.authorize(url);
    if (clientLine === 'v1') return connectWithOAuth(resource, { browser });
    return connectWithOAuthV2(resource, { browser, ...(clientLine === '2026-07-28' && MODERN) });
  };

  it('R43: one client (OAuth flow, step-up, calls) is served by both replicas in turn, with no session to pin', async () => {
    const mcp = await connect();
    try {
      const answered: string[] = [];
      for (let i = 0; i < 6; i++) answered.push(JSON.parse(text(await mcp.callTool('replica', {}))).replica);
      expect(new Set(answered)).toEqual(new Set(['a', 'b']));
      expect(JSON.parse(text(await mcp.callTool('admin', {})))).toMatchObject({ admin: true });
      expect(mcp.oauth.challenges.filter((c) => c.status === 403)).toHaveLength(1);
      expect(mcp.oauth.authorizations).toHaveLength(2);
      if (clientLine !== 'v1') {
        const v2 = mcp as Awaited<ReturnType<typeof connectWithOAuthV2>>;
        expect(v2.client.getProtocolEra()).toBe(clientLine === '2026-07-28' ? 'modern' : 'legacy');
        expect(v2.oauth.rpcExchanges.every((e) => e.sessionId === null)).toBe(true);
      }
    } finally {
      await mcp.close();
    }
    const [a, b] = replicas.map((r) => r.port);
    expect(proxy.routed.filter((p) => p === a).length).toBeGreaterThan(3);
    expect(proxy.routed.filter((p) => p === b).length).toBeGreaterThan(3);
  });
});
