import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  McpAuthModule,
  McpServerModule,
  type McpAuthModuleOptions,
  type McpServerModuleOptions,
} from '../../lib/index.js';
import { AppModule, SAMPLE_BROWSER_ORIGINS, TODO_SCOPES } from '../../sample/app.module.js';
import { TodoService } from '../../sample/todo/todo.service.js';
import { TodoTools } from '../../sample/todo/todo.tools.js';
import { createApp, type AdapterName } from './adapters.js';
import { freePort } from './free-port.js';
import { startTestProvider, type TestProviderOptions } from './oidc-provider.js';

export const ACCEPT = 'application/json, text/event-stream';
export const OTHER_RESOURCE = 'http://127.0.0.1:1/other';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };

/**
/**
 * The sample's modules (not a copy) listening on their own resource URL on `adapter` (Express by default), with
 * the development provider — which also knows `OTHER_RESOURCE` and a confidential client for `token()`. `auth`
 * replaces the sample's McpAuthModule options (the sample's tools are then mounted directly); `sdk` picks the MCP SDK
 * server line (default: auto).
 */
export async function startSample(
  provider: Partial<Omit<TestProviderOptions, 'resources' | 'clients'>> = {},
  auth?: Partial<McpAuthModuleOptions>,
  adapter: AdapterName = 'express',
  sdk?: McpServerModuleOptions['sdk'],
) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const dev = await startTestProvider({
    ...provider,
    resources: { [resource]: { scopes: TODO_SCOPES }, [OTHER_RESOURCE]: { scopes: TODO_SCOPES } },
    clients: [CLIENT],
    allowedOrigins: SAMPLE_BROWSER_ORIGINS,
  });
  const authorizationServer = { issuer: dev.issuer, type: 'oidc' as const };
  const moduleRef = await Test.createTestingModule({
    imports: auth
      ? [
          McpAuthModule.forRoot({
            resource,
            authorizationServers: [authorizationServer],
            context: true, // the sample's TodoService reads McpAuthContext
            ...auth,
          }),
          McpServerModule.forRoot({ name: 'todo-manager', version: '1.0.0', path: '/mcp', sdk }),
        ]
      : [AppModule.forRoot({ resource, authorizationServer, allowedOrigins: SAMPLE_BROWSER_ORIGINS, sdk })],
    providers: auth ? [TodoService, TodoTools] : [],
  }).compile();
  const app: INestApplication = await createApp(adapter, moduleRef);
  await app.listen(port, '127.0.0.1');
  return {
    port,
    resource,
    prmUrl: `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`,
    provider: dev,
    app,
    /** A client-credentials access token (subject `svc`) for `target`. */
    token: (scope: string, target = resource) =>
      dev.clientCredentialsToken({ ...CLIENT, scope, resource: target }),
    /** POST a JSON-RPC body to /mcp. */
    post(body: unknown, bearer?: string) {
      const r = request(app.getHttpServer())
        .post('/mcp')
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json');
      return (bearer ? r.set('Authorization', `Bearer ${bearer}`) : r).send(JSON.stringify(body));
    },
    async close() {
      await app.close();
      await dev.close();
    },
  };
}

export type Sample = Awaited<ReturnType<typeof startSample>>;

/**
/**
 * For a jest suite: starts the sample (on `adapter`, with the MCP SDK server line `sdk`) before all tests and closes
 * it, and every client `connect` opened, after them. `connect(accountId)` signs in as that account through the
 * development provider's headless browser.
 */
export function useSample<C extends { close(): Promise<void> }>(
  connectWith: (resource: string, browser: (url: URL) => Promise<URL>) => Promise<C>,
  adapter: AdapterName = 'express',
  sdk?: McpServerModuleOptions['sdk'],
) {
  let sample: Sample | undefined;
  const clients: C[] = [];
  beforeAll(async () => {
    sample = await startSample({}, undefined, adapter, sdk);
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await sample?.close();
  });
  return {
    /** Every client `connect` opened, in order. */
    clients: clients as readonly C[],
    get sample(): Sample {
      if (!sample) throw new Error('useSample: the sample is started in beforeAll');
      return sample;
    },
    async connect(accountId = 'alice'): Promise<C> {
      const started = this.sample;
      const client = await connectWith(started.resource, (url) =>
        started.provider.authorize(url, { accountId }),
      );
      clients.push(client);
      return client;
    },
  };
}
