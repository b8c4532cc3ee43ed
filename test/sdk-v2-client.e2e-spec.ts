/**
 * The MCP SDK v2 client line (`@modelcontextprotocol/client` 2.x, a pinned dev dependency) against the sample and
 * the embedded development provider, through the real OAuth flow: discovery (with the RFC 8414 issuer echo v2
 * enforces) → dynamic registration (`application_type: native`) → PKCE S256 + resource (+ `offline_access` with
 * `prompt=consent`, since the provider lists it) → callback with the RFC 9207 `iss` (v2 requires it when the
 * provider advertises it) → token → tools/list → tools/call → step-up. The v1 equivalents are in
 * mcp-server.e2e-spec.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { IssuerMismatchError } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';

import { TODO_SCOPES } from '../sample/app.module.js';
import {
  connectWithOAuthV2,
  type ConnectedMcpClientV2,
  type ReceivedChallenge,
} from './support/headless-oauth-client-v2.js';
import type { AdapterName } from './support/adapters.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { startTestProvider } from './support/oidc-provider.js';
import { startSample, useSample, type Sample } from './support/sample-app.js';
import type { SdkLine } from './support/sdk-lines.js';

const text = (result: { content: unknown }) =>
  (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('');
const json = (result: { content: unknown }) => JSON.parse(text(result));
const names = (tools: Array<{ name: string }>) => tools.map((t) => t.name).sort();

/** R15: offline_access is never named in a challenge; returns how many challenges were checked. */
function expectNoOfflineAccess(challenges: ReceivedChallenge[]): number {
  for (const c of challenges) {
    expect(c.header).not.toContain('offline_access');
    expect(parseBearerChallenge(c.header).scope?.split(' ') ?? []).not.toContain('offline_access');
  }
  return challenges.length;
}

/** Each SDK server line on Express, and the 2.x line on Fastify (the SDK 1.x client suite covers Fastify with 1.x). */
const CELLS: ReadonlyArray<readonly [AdapterName, SdkLine]> = [
  ['express', 'v1'],
  ['express', 'v2'],
  ['fastify', 'v2'],
];

describe.each(CELLS)(
  'the SDK v2 client (@modelcontextprotocol/client 2.x) with the sample on %s (SDK %s server), through the real OAuth flow',
  (adapter, sdk) => {
    const suite = useSample((resource, browser) => connectWithOAuthV2(resource, { browser }), adapter, sdk);
    const connect = (accountId?: string) => suite.connect(accountId);
    let sample: Sample;
    beforeAll(() => {
      sample = suite.sample;
    });

    it('R1-R5, R26-R30: discovery (issuer echo) → native registration → PKCE S256 + resource + offline_access → callback with iss → token → tools', async () => {
      const registrations = sample.provider.requestCount('/reg');
      const mcp = await connect();
      const { oauth } = mcp;
      const issuer = sample.provider.issuer;

      // Discovery: our PRM names the issuer exactly as the provider's metadata states it (v2 refuses a mismatch).
      const prm = oauth.metadataDocuments.get(sample.prmUrl)!;
      expect(prm).toMatchObject({ resource: sample.resource, authorization_servers: [issuer] });
      const asMetadata = oauth.metadataDocuments.get(`${issuer}/.well-known/oauth-authorization-server`)!;
      expect(asMetadata).toMatchObject({ issuer, authorization_response_iss_parameter_supported: true });
      expect(asMetadata.scopes_supported).toContain('offline_access');

      // Registration: v2 registers a native app with a loopback redirect URI; the provider accepts it.
      expect(sample.provider.requestCount('/reg')).toBe(registrations + 1);
      expect(oauth.registrations).toEqual([
        expect.objectContaining({
          application_type: 'native',
          redirect_uris: ['http://127.0.0.1:1/callback'],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
        }),
      ]);

      // Authorization: the challenged scope plus offline_access (the provider lists it), prompt=consent, resource.
      expect(mcp.authorizations).toHaveLength(1);
      const authorization = mcp.authorizations[0].searchParams;
      expect(authorization.get('code_challenge_method')).toBe('S256');
      expect(authorization.get('resource')).toBe(sample.resource);
      expect(authorization.get('scope')).toBe('read:todos offline_access');
      expect(authorization.get('prompt')).toBe('consent');

      // Callback: RFC 9207 iss = the issuer (v2 checks it); token request with resource; a refresh token.
      expect(oauth.redirects[0].searchParams.get('iss')).toBe(issuer);
      expect(oauth.tokenRequests.map((r) => [r.get('grant_type'), r.get('resource')])).toEqual([
        ['authorization_code', sample.resource],
      ]);
      const tokens = oauth.tokens()!;
      expect(tokens.refresh_token).toBeTruthy();
      expect(tokens.scope).toBe('read:todos');
      expect(decodeJwt(tokens.access_token)).toMatchObject({
        aud: sample.resource,
        iss: issuer,
        sub: 'alice',
        scope: 'read:todos',
      });

      expect(names((await mcp.listTools()).tools)).toEqual([
        'create-todo',
        'delete-todo',
        'get-todos',
        'whoami',
      ]);
      expect(json(await mcp.callTool('whoami'))).toMatchObject({
        subject: 'alice',
        issuer,
        scopes: ['read:todos'],
      });
      expect(json(await mcp.callTool('get-todos'))).toEqual({ todos: [] });
    });

    it('R13, R14: 403 insufficient_scope → v2 re-authorizes (held + challenged scopes), not a refresh, though it holds a refresh token', async () => {
      const mcp = await connect();
      expect(mcp.oauth.tokens()!.refresh_token).toBeTruthy();
      const created = json(await mcp.callTool('create-todo', { content: 'buy milk' }));
      expect(created).toMatchObject({ content: 'buy milk', owner: 'alice' });

      const stepUp = mcp.oauth.challenges.find((c) => c.status === 403)!;
      expect(stepUp).toMatchObject({ error: 'insufficient_scope', scope: 'read:todos create:todos' });
      expect(mcp.authorizations).toHaveLength(2);
      expect(mcp.authorizations[1].searchParams.get('scope')).toBe('read:todos create:todos offline_access');
      expect(mcp.oauth.tokenRequests.map((r) => r.get('grant_type'))).toEqual([
        'authorization_code',
        'authorization_code',
      ]);
      expect(decodeJwt(mcp.oauth.tokens()!.access_token).scope).toBe('read:todos create:todos');
      expect(names((await mcp.listTools()).tools)).toEqual([
        'create-todo',
        'delete-todo',
        'get-todos',
        'whoami',
      ]);
    });

    it('R13: alternating a read tool and a write tool after one step-up authorizes exactly twice (no flip-flop)', async () => {
      const mcp = await connect();
      for (let i = 0; i < 3; i++) {
        await mcp.callTool('get-todos');
        await mcp.callTool('create-todo', { content: `todo ${i}` });
      }
      expect(mcp.authorizations).toHaveLength(2);
      expect(mcp.oauth.challenges.filter((c) => c.status === 403)).toHaveLength(1);
      expect(json(await mcp.callTool('get-todos')).todos).toHaveLength(3 + 1); // + 'buy milk' above
    });

    it('a second step-up keeps the scopes already granted (read, create, then delete)', async () => {
      const mcp = await connect('carol');
      const { id } = json(await mcp.callTool('create-todo', { content: 'temporary' }));
      expect(json(await mcp.callTool('delete-todo', { id }))).toMatchObject({ id });
      await mcp.callTool('create-todo', { content: 'still allowed' });
      await mcp.callTool('get-todos');
      expect(mcp.authorizations.map((u) => u.searchParams.get('scope'))).toEqual([
        'read:todos offline_access',
        'read:todos create:todos offline_access',
        'read:todos create:todos delete:todos offline_access',
      ]);
    });

    it('an expired access token → 401 → v2 refreshes with its refresh token (resource sent), no new authorization', async () => {
      const mcp = await connect('dave');
      const tokens = mcp.oauth.tokens()!;
      const expired = await sample.provider.signToken({
        iss: sample.provider.issuer,
        sub: 'dave',
        aud: sample.resource,
        scope: 'read:todos',
        exp: Math.floor(Date.now() / 1000) - 60,
      });
      mcp.oauth.saveTokens({ ...tokens, access_token: expired });
      expect(json(await mcp.callTool('whoami')).subject).toBe('dave');
      expect(mcp.authorizations).toHaveLength(1);
      const refresh = mcp.oauth.tokenRequests.at(-1)!;
      expect(refresh.get('grant_type')).toBe('refresh_token');
      expect(refresh.get('resource')).toBe(sample.resource);
      expect(decodeJwt(mcp.oauth.tokens()!.access_token)).toMatchObject({
        aud: sample.resource,
        sub: 'dave',
      });
      expect(mcp.oauth.challenges.at(-1)).toMatchObject({ status: 401, error: 'invalid_token' });
    });

    it('todos belong to the token subject', async () => {
      const bob = await connect('bob');
      expect(json(await bob.callTool('whoami')).subject).toBe('bob');
      expect(json(await bob.callTool('get-todos'))).toEqual({ todos: [] });
    });

    it('R40: the sample — DTO validation, the owner guard, resource todo://{id} and prompt summarize-todos', async () => {
      const frank = await connect('frank');
      const bad = await frank.callTool('create-todo', { content: 42 });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toContain('- content (isString): content must be a string');
      const { id } = json(await frank.callTool('create-todo', { content: 'v2 todo' }));
      const [content] = (await frank.readResource(`todo://${id}`)).contents as Array<{ text: string }>;
      expect(JSON.parse(content.text)).toMatchObject({ id });
      expect((await frank.getPrompt('summarize-todos')).messages[0].content).toEqual({
        type: 'text',
        text: 'Summarize my todos (short):\n- [normal] v2 todo',
      });
      const grace = await connect('grace');
      expect(await grace.callTool('delete-todo', { id })).toMatchObject({
        isError: true,
        content: [{ text: `Only the owner of todo ${id} may delete it` }],
      });
    });

    it('R15: offline_access is in neither our scopes_supported nor any challenge the v2 clients saw', () => {
      for (const mcp of suite.clients) {
        const prm = mcp.oauth.metadataDocuments.get(sample.prmUrl);
        if (prm) expect(prm.scopes_supported).not.toContain('offline_access');
      }
      const seen = suite.clients.flatMap((c) => c.oauth.challenges);
      expect(seen.some((c) => c.status === 401) && seen.some((c) => c.status === 403)).toBe(true);
      expect(expectNoOfflineAccess(seen)).toBeGreaterThanOrEqual(10);
    });

    it('v2 refuses an authorization callback without iss (the provider advertises RFC 9207)', async () => {
      await expect(
        connectWithOAuthV2(sample.resource, {
          browser: async (url) => {
            const redirect = await sample.provider.authorize(url);
            redirect.searchParams.delete('iss');
            return redirect;
          },
        }),
      ).rejects.toBeInstanceOf(IssuerMismatchError);
    });
  },
);

describe('the SDK v2 client with an issuer that has a path (/tenant-a)', () => {
  it.each([
    ['RFC 8414 metadata at /.well-known/oauth-authorization-server/tenant-a', true],
    ['OpenID discovery only, at /tenant-a/.well-known/openid-configuration', false],
  ])('R26-R29: %s — the same flow, step-up included', async (_label, oauthMetadata) => {
    const sample = await startSample({ issuerPath: '/tenant-a', oauthMetadata });
    let mcp: ConnectedMcpClientV2 | undefined;
    try {
      const { issuer, origin } = sample.provider;
      expect(issuer).toBe(`${origin}/tenant-a`);
      mcp = await connectWithOAuthV2(sample.resource, { browser: (url) => sample.provider.authorize(url) });
      const metadataUrl = oauthMetadata
        ? `${origin}/.well-known/oauth-authorization-server/tenant-a`
        : `${origin}/tenant-a/.well-known/openid-configuration`;
      expect(mcp.oauth.metadataDocuments.get(metadataUrl)).toMatchObject({ issuer });
      expect(mcp.oauth.metadataDocuments.get(sample.prmUrl)).toMatchObject({
        authorization_servers: [issuer],
      });
      expect(mcp.authorizations[0].pathname).toBe('/tenant-a/auth');
      expect(mcp.oauth.redirects[0].searchParams.get('iss')).toBe(issuer);
      expect(json(await mcp.callTool('whoami'))).toMatchObject({ subject: 'alice', issuer });
      for (let i = 0; i < 2; i++) {
        await mcp.callTool('create-todo', { content: `tenant ${i}` });
        await mcp.callTool('get-todos');
      }
      expect(mcp.authorizations).toHaveLength(2);
      expectNoOfflineAccess(mcp.oauth.challenges);
    } finally {
      await mcp?.close();
      await sample.close();
    }
  });
});

describe('R15 with offline_access configured by mistake', () => {
  it('is dropped from scopes_supported and from every challenge, even when the token carries it', async () => {
    const sample = await startSample(
      {},
      {
        scopesSupported: [...TODO_SCOPES, 'offline_access'],
        defaultScopes: ['read:todos', 'offline_access'],
      },
    );
    let mcp: ConnectedMcpClientV2 | undefined;
    try {
      const prm = (await (await fetch(sample.prmUrl)).json()) as { scopes_supported: string[] };
      expect(prm.scopes_supported).toEqual(TODO_SCOPES);

      mcp = await connectWithOAuthV2(sample.resource, { browser: (url) => sample.provider.authorize(url) });
      await mcp.callTool('create-todo', { content: 'x' });
      expect(mcp.authorizations).toHaveLength(2);

      // A token whose scope claim names offline_access (oidc-provider never puts it there; others might).
      const token = await sample.provider.signToken({
        iss: sample.provider.issuer,
        sub: 'alice',
        aud: sample.resource,
        scope: 'read:todos offline_access',
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      const forbidden = await fetch(sample.resource, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'delete-todo', arguments: { id: 'x' } },
        }),
      });
      await forbidden.arrayBuffer();
      expect(forbidden.status).toBe(403);
      const header = forbidden.headers.get('www-authenticate')!;
      expect(parseBearerChallenge(header).scope).toBe('read:todos delete:todos');
      expect(expectNoOfflineAccess(mcp.oauth.challenges)).toBeGreaterThanOrEqual(2);
      expect(header).not.toContain('offline_access');
    } finally {
      await mcp?.close();
      await sample.close();
    }
  });
});

describe('what v2 refuses', () => {
  let fake: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (fake ? fake.close(() => resolve()) : resolve()));
    fake = undefined;
  });

  it('provider metadata whose issuer differs from the URL it was fetched from (RFC 8414 §3.3)', async () => {
    const provider = await startTestProvider({
      resources: { 'http://127.0.0.1:1/mcp': { scopes: ['read'] } },
    });
    try {
      const upstream = (await (
        await fetch(`${provider.issuer}/.well-known/openid-configuration`)
      ).json()) as {
        issuer: string;
      };
      // An MCP server whose PRM names itself as the authorization server, and which serves the provider's
      // metadata (issuer = the provider) there.
      fake = createServer((req, res) => {
        const { port } = fake!.address() as AddressInfo;
        const origin = `http://127.0.0.1:${port}`;
        res.setHeader('content-type', 'application/json');
        if (req.url === '/mcp') {
          res.statusCode = 401;
          res.setHeader(
            'www-authenticate',
            `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
          );
          return void res.end('{}');
        }
        if (req.url === '/.well-known/oauth-protected-resource/mcp') {
          return void res.end(JSON.stringify({ resource: `${origin}/mcp`, authorization_servers: [origin] }));
        }
        if (req.url === '/.well-known/oauth-authorization-server')
          return void res.end(JSON.stringify(upstream));
        res.statusCode = 404;
        res.end('{}');
      });
      await new Promise<void>((resolve) => fake!.listen(0, '127.0.0.1', resolve));
      const { port } = fake.address() as AddressInfo;
      const opened: URL[] = [];
      const browser = async (url: URL) => (opened.push(url), provider.authorize(url));
      const error = await connectWithOAuthV2(`http://127.0.0.1:${port}/mcp`, { browser }).catch((e) => e);
      expect(error).toBeInstanceOf(IssuerMismatchError);
      expect(String(error.message)).toContain(upstream.issuer);
      expect(opened).toEqual([]);
    } finally {
      await provider.close();
    }
  });
});
