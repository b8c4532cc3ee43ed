// The server child of `npm run bench:downstream`: McpAuthModule with `downstream`, McpServerModule (stateless, JSON
// responses) and two tools that need read:todos — `get-todos` and `get-todos-exchanging`, which first obtains a
// token for the archive with DownstreamTokens (a cache hit after the first call). Benchmark code only.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AuthInfo,
  DownstreamTokens,
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthInfo,
} from '../lib/index.js';
import { MCP_ROUTE, SCOPE, TODOS } from './common.js';

/** argv[2]: what the parent sends. */
export interface DownstreamServerConfig {
  resource: string;
  archive: string;
  issuer: string;
  client: { clientId: string; clientSecret: string };
}

const config = JSON.parse(process.argv[2]) as DownstreamServerConfig;

@Injectable()
class Tools {
  constructor(private readonly downstream: DownstreamTokens) {}

  // The two tools differ only by the DownstreamTokens call: the same parameters (`@AuthInfo()`), both async, the
  // same answer shape — so the difference per call is what obtaining a (cached) downstream token costs.
  @McpTool({ name: 'get-todos', description: 'List the todos' })
  @RequireScopes(SCOPE)
  async list(@AuthInfo() auth: McpAuthInfo) {
    return { todos: TODOS, archiveTokenExpiresAt: auth.expiresAt };
  }

  @McpTool({
    name: 'get-todos-exchanging',
    description: 'List the todos, with a token for the archive in hand',
  })
  @RequireScopes(SCOPE)
  async listExchanging(@AuthInfo() auth: McpAuthInfo) {
    const token = await this.downstream.getToken('archive', auth);
    return { todos: TODOS, archiveTokenExpiresAt: token.expiresAt };
  }
}

@Module({
  imports: [
    McpAuthModule.forRoot({
      resource: config.resource,
      authorizationServers: [{ issuer: config.issuer, type: 'oidc' }],
      downstream: {
        client: config.client,
        targets: { archive: { resource: config.archive, scopes: ['archive:write'] } },
      },
    }),
    McpServerModule.forRoot({
      name: 'bench-downstream',
      version: '1.0.0',
      path: MCP_ROUTE,
      enableJsonResponse: true,
    }),
  ],
  providers: [Tools],
})
class DownstreamBenchModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(DownstreamBenchModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ type: 'cpu', micros: user + system, heapUsed: 0, rss: 0 });
    } else if (message.type === 'exit') {
      void app.close().then(() => process.exit(0));
    }
  });
  process.send!({ type: 'ready', port });
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
