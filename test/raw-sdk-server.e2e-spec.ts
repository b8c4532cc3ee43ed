import {
  Controller,
  Delete,
  Get,
  Injectable,
  Module,
  Post,
  Req,
  Res,
  UseGuards,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { z } from 'zod';

import { McpAuthGuard, McpAuthModule, RequireScopes, type McpAuthInfo } from '../lib/index.js';
import { connectWithOAuth, type ConnectedMcpClient } from './support/mcp-oauth-client.js';
import { freePort } from './support/free-port.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';

/** A stateless MCP server per request, as the SDK's simpleStatelessStreamableHttp example does. */
async function serveMcp(req: Request, res: Response): Promise<void> {
  const server = new McpServer({ name: 'todo-test', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The verified caller' }, (extra) => {
    const info = extra.authInfo as McpAuthInfo | undefined;
    const caller = { subject: info?.subject, clientId: info?.clientId, scopes: info?.scopes };
    return { content: [{ type: 'text', text: JSON.stringify(caller) }] };
  });
  server.registerTool(
    'echo',
    { description: 'Echoes its text', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'create_todo',
    { description: 'Creates a todo (needs create:todos)', inputSchema: { title: z.string() } },
    ({ title }) => ({ content: [{ type: 'text', text: `created ${title}` }] }),
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

function methodNotAllowed(res: Response): void {
  res.status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
}

/** Route-level scopes: /mcp needs read:todos, /mcp/write also create:todos (the class's scopes are merged). */
@Controller('mcp')
@UseGuards(McpAuthGuard)
@RequireScopes('read:todos')
class McpController {
  @Post()
  mcp(@Req() req: Request, @Res() res: Response) {
    return serveMcp(req, res);
  }

  @Post('write')
  @RequireScopes('create:todos')
  write(@Req() req: Request, @Res() res: Response) {
    return serveMcp(req, res);
  }

  @Get(['', 'write'])
  get(@Res() res: Response) {
    methodNotAllowed(res);
  }

  @Delete(['', 'write'])
  delete(@Res() res: Response) {
    methodNotAllowed(res);
  }
}

/** Tool-level scopes through the guard's extension hook: calling `create_todo` needs create:todos. */
@Injectable()
class ToolScopesGuard extends McpAuthGuard {
  protected override getRequiredScopes(context: ExecutionContext): readonly string[] {
    const scopes = super.getRequiredScopes(context);
    const body = context.switchToHttp().getRequest<Request>().body as
      { method?: unknown; params?: { name?: unknown } } | undefined;
    if (body?.method === 'tools/call' && body.params?.name === 'create_todo')
      return [...scopes, 'create:todos'];
    return scopes;
  }
}

@Controller('mcp/tools')
@UseGuards(ToolScopesGuard)
@RequireScopes('read:todos')
class ToolScopedMcpController {
  @Post()
  mcp(@Req() req: Request, @Res() res: Response) {
    return serveMcp(req, res);
  }

  @Get()
  get(@Res() res: Response) {
    methodNotAllowed(res);
  }

  @Delete()
  delete(@Res() res: Response) {
    methodNotAllowed(res);
  }
}

@Module({ controllers: [McpController, ToolScopedMcpController] })
class McpFeatureModule {}

const text = (result: { content: Array<{ type: string; text?: string }> }) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('connectWithOAuth: the official SDK client through the real OAuth flow', () => {
  let provider: TestProvider;
  let app: INestApplication;
  let origin: string;
  let resource: string;
  const clients: ConnectedMcpClient[] = [];
  const connect = async (path: string, options: Parameters<typeof connectWithOAuth>[1]) => {
    const connected = await connectWithOAuth(`${origin}${path}`, options);
    clients.push(connected);
    return connected;
  };
  const browser = (url: URL) => provider.authorize(url);

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    resource = `${origin}/mcp`;
    provider = await startTestProvider({
      resources: { [resource]: { scopes: ['read:todos', 'create:todos'] } },
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({
          resource,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          scopesSupported: ['read:todos', 'create:todos'],
        }),
        McpFeatureModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await app?.close();
    await provider?.close();
  });

  it('connects: 401 → discovery → registration → PKCE + resource → token → initialize, one authorization', async () => {
    const lines: string[] = [];
    const mcp = await connect('/mcp', { browser, log: (line) => lines.push(line) });
    const { oauth } = mcp;

    expect(oauth.authorizations).toHaveLength(1);
    const [authorization] = oauth.authorizations;
    expect(authorization.origin).toBe(provider.origin);
    expect(authorization.searchParams.get('resource')).toBe(resource);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toBeTruthy();
    // The 401 names the route's scope, which the SDK prefers over the metadata's scopes_supported.
    expect(authorization.searchParams.get('scope')).toBe('read:todos');
    expect(oauth.challenges[0]).toMatchObject({
      method: 'POST',
      url: resource,
      status: 401,
      scope: 'read:todos',
      resourceMetadataUrl: new URL(`${origin}/.well-known/oauth-protected-resource/mcp`),
    });
    expect(oauth.discovery?.resourceMetadata?.resource).toBe(resource);

    const token = oauth.tokens()!.access_token;
    expect(decodeJwt(token)).toMatchObject({ aud: resource, iss: provider.issuer, sub: 'alice' });
    expect(oauth.receivedTokens).toHaveLength(1);
    expect(oauth.receivedTokens[0].refresh_token).toBeUndefined();

    const tools = await mcp.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['create_todo', 'echo', 'whoami']);
    const caller = JSON.parse(text(await mcp.callTool('whoami')));
    expect(caller).toEqual({
      subject: 'alice',
      clientId: oauth.clientInformation()!.client_id,
      scopes: ['read:todos'],
    });
    expect(text(await mcp.callTool('echo', { text: 'hi' }))).toBe('hi');
    expect(oauth.authorizations).toHaveLength(1);

    expect(lines.some((l) => l.startsWith('discovery: resource'))).toBe(true);
    expect(lines.some((l) => l.startsWith('registration: client_id'))).toBe(true);
    expect(lines.some((l) => l.startsWith('authorization #1: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('token: scope "read:todos"'))).toBe(true);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('route-level step-up: a read:todos session reaching /mcp/write gets 403 and re-authorizes once', async () => {
    const reader = await connect('/mcp', { browser });
    expect(reader.oauth.authorizations).toHaveLength(1);

    // Same user session (registration + read:todos token), second endpoint of the same resource.
    const writer = await connect('/mcp/write', reader.oauth);
    const { oauth } = writer;
    expect(oauth.authorizations).toHaveLength(2);
    expect(oauth.challenges.at(-1)).toMatchObject({
      url: `${origin}/mcp/write`,
      status: 403,
      error: 'insufficient_scope',
      scope: 'read:todos create:todos',
    });
    const second = oauth.authorizations[1];
    expect(second.searchParams.get('scope')).toBe('read:todos create:todos');
    expect(second.searchParams.get('resource')).toBe(resource);
    expect(decodeJwt(oauth.tokens()!.access_token).scope).toBe('read:todos create:todos');

    expect(text(await writer.callTool('echo', { text: 'written' }))).toBe('written');
    expect(JSON.parse(text(await reader.callTool('whoami'))).scopes.sort()).toEqual([
      'create:todos',
      'read:todos',
    ]);
    expect(oauth.authorizations).toHaveLength(2);
  });

  it('step-up inside callTool: 403 insufficient_scope → re-authorization → the call is retried', async () => {
    const mcp = await connect('/mcp/tools', { browser });
    const { oauth } = mcp;
    expect(oauth.authorizations).toHaveLength(1);
    expect(text(await mcp.callTool('echo', { text: 'a' }))).toBe('a');

    expect(text(await mcp.callTool('create_todo', { title: 'milk' }))).toBe('created milk');
    expect(oauth.authorizations).toHaveLength(2);
    expect(oauth.authorizations[1].searchParams.get('scope')).toBe('read:todos create:todos');
    expect(oauth.challenges.at(-1)).toMatchObject({ status: 403, error: 'insufficient_scope' });
    expect(oauth.receivedTokens).toHaveLength(2);
    expect(decodeJwt(oauth.tokens()!.access_token).scope).toBe('read:todos create:todos');

    // Now held: no further authorization.
    expect(text(await mcp.callTool('create_todo', { title: 'eggs' }))).toBe('created eggs');
    expect(oauth.authorizations).toHaveLength(2);
  });

  it('step-up the user declines: the SDK gives up after the same 403 (StreamableHTTPError 403)', async () => {
    let calls = 0;
    const mcp = await connect('/mcp/tools', {
      browser: (url) => provider.authorize(url, calls++ ? { declineScopes: ['create:todos'] } : {}),
    });
    const failure = mcp.callTool('create_todo', { title: 'x' });
    await expect(failure).rejects.toBeInstanceOf(StreamableHTTPError);
    await expect(failure).rejects.toMatchObject({ code: 403 });
    expect(mcp.oauth.authorizations).toHaveLength(2);
    expect(decodeJwt(mcp.oauth.tokens()!.access_token).scope).toBe('read:todos');
  });
});
