import 'reflect-metadata';
import { Logger, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AppModule, SAMPLE_BROWSER_ORIGINS, TODO_SCOPES, type SampleConfig } from './app.module.js';
import { sampleHttpAdapter } from './http-adapter.js';
import { ARCHIVE_SCOPES, type ArchiveConfig } from './archive/archive.config.js';
import { startDevProvider, TOKEN_EXCHANGE, type DevProvider } from './dev-provider/oidc-provider.js';

/**
 * The todo-manager sample: `npm run sample`.
 *
 * Environment: PORT (default 3001), HOST (default 127.0.0.1), RESOURCE (default http://127.0.0.1:PORT/mcp),
 * ISSUER (your provider; when absent an embedded development OpenID provider starts on DEV_PROVIDER_PORT,
 * default PORT + 1), ISSUER_TYPE (oidc | oauth; default: probe), ALLOWED_ORIGINS (browser origins, comma-separated;
 * default http://localhost:6274, the MCP Inspector's UI — allowed on /mcp and on the development provider), MCP_SDK
 * (v1 | v2: the MCP SDK server line; default: 2.x when installed). The archive API and its
 * `export-todos` tool (a downstream call made with RFC 8693 token exchange) are on with the development provider,
 * and with your provider when ARCHIVE_CLIENT_ID and ARCHIVE_CLIENT_SECRET name a client allowed to exchange tokens.
 * ADAPTER: the HTTP platform, express (default) or fastify (`ADAPTER=fastify npm run sample`).
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3001);
  const host = process.env.HOST ?? '127.0.0.1';
  const resource = process.env.RESOURCE ?? `http://127.0.0.1:${port}/mcp`;
  const type = process.env.ISSUER_TYPE as 'oidc' | 'oauth' | undefined;
  const allowedOrigins = (process.env.ALLOWED_ORIGINS ?? SAMPLE_BROWSER_ORIGINS.join(','))
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);

  const archiveUrl = new URL('/archive', resource).href;
  let archive: ArchiveConfig | undefined;
  const { ARCHIVE_CLIENT_ID, ARCHIVE_CLIENT_SECRET } = process.env;
  if (ARCHIVE_CLIENT_ID && ARCHIVE_CLIENT_SECRET) {
    archive = {
      resource: archiveUrl,
      client: { clientId: ARCHIVE_CLIENT_ID, clientSecret: ARCHIVE_CLIENT_SECRET },
    };
  }

  let dev: DevProvider | undefined;
  let issuer = process.env.ISSUER;
  if (!issuer) {
    const client = { clientId: 'todo-mcp', clientSecret: randomBytes(24).toString('base64url') };
    dev = await startDevProvider({
      port: Number(process.env.DEV_PROVIDER_PORT ?? port + 1),
      resources: { [resource]: { scopes: TODO_SCOPES }, [archiveUrl]: { scopes: ARCHIVE_SCOPES } },
      clients: [{ ...client, grantTypes: [TOKEN_EXCHANGE], exchangeAudiences: [resource] }],
      defaultAccountId: 'alice',
      allowedOrigins,
    });
    issuer = dev.issuer;
    archive = { resource: archiveUrl, client };
  }

  const module = AppModule.forRoot({
    resource,
    authorizationServer: { issuer, type },
    allowedOrigins,
    archive,
    sdk: process.env.MCP_SDK as SampleConfig['sdk'],
  });
  const options: NestApplicationOptions = { logger: ['error', 'warn', 'log'] };
  const adapter = await sampleHttpAdapter(process.env.ADAPTER ?? 'express');
  const app = adapter
    ? await NestFactory.create(module, adapter, options)
    : await NestFactory.create(module, options);
  await app.listen(port, host);

  const prm = new URL(resource);
  prm.pathname = `/.well-known/oauth-protected-resource${prm.pathname === '/' ? '' : prm.pathname}`;
  const lines = [
    '',
    `nest-mcp-auth sample — todo manager (on ${app.getHttpAdapter().getType()})`,
    `  MCP endpoint (Streamable HTTP)  ${resource}`,
    `  Protected resource metadata     ${prm.href}`,
    `  Readiness (terminus)            ${new URL('/health/ready', resource).href}`,
    `  Authorization server            ${issuer}${dev ? '  (embedded development provider: every login is "alice", consent is automatic)' : ''}`,
    dev ? `  Provider metadata               ${issuer}/.well-known/openid-configuration` : '',
    `  Browser origins (CORS)          ${allowedOrigins.join(', ') || 'none'} (ALLOWED_ORIGINS)${dev ? ', on the MCP endpoint and the provider' : ''}`,
    '',
    'Connect a client:',
    '  npm run sample:client                                         the official SDK client, whole OAuth flow',
    `  npx @modelcontextprotocol/inspector                           then Streamable HTTP, URL ${resource}`,
    `  claude mcp add --transport http todo-manager ${resource}`,
    '',
    'Tools: whoami, get-todos (read:todos), create-todo (create:todos), delete-todo (delete:todos, owner only)' +
      (archive ? `, export-todos (read:todos; calls the archive API ${archiveUrl} as you).` : '.'),
    'Resource: todo://{id} (read:todos). Prompt: summarize-todos (read:todos). Ctrl-C stops.',
    '',
  ];
  console.log(lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n'));

  const stop = async () => {
    await app.close();
    await dev?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  new Logger('sample').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
