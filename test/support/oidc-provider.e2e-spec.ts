import { createHash, randomBytes } from 'node:crypto';

import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

import { startTestProvider, TokenEndpointError, type TestProvider } from './oidc-provider.js';

const TODOS = 'http://127.0.0.1:4100/mcp';
const NOTES = 'http://127.0.0.1:4200/mcp';
const OPAQUE = 'http://127.0.0.1:4300/api';
const TENANT_RESOURCE = 'http://127.0.0.1:4400/mcp';
const REDIRECT_URI = 'http://127.0.0.1:1/callback';

type Json = Record<string, any>;

async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Json };
}

async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

function basic(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

/** What an MCP client does: dynamic registration, then authorization code + PKCE with `resource`. */
class PublicClient {
  clientId = '';

  constructor(
    private readonly op: TestProvider,
    private readonly metadata: Json,
  ) {}

  async register(scope: string, extra: Json = {}): Promise<Json> {
    const response = await fetch(this.metadata.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'e2e client',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope,
        ...extra,
      }),
    });
    const body = (await response.json()) as Json;
    expect(response.status).toBe(201);
    this.clientId = body.client_id;
    return body;
  }

  /** Runs one authorization; returns the callback URL and the token response (if a code came back). */
  async authorize(
    scope: string,
    resource: string | undefined,
    opts: { accountId?: string; declineScopes?: string[]; prompt?: string } = {},
  ): Promise<{ callback: URL; tokens?: Json; tokenStatus?: number }> {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('hex');
    const url = new URL(this.metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: REDIRECT_URI,
      scope,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(resource ? { resource } : {}),
      ...(opts.prompt ? { prompt: opts.prompt } : {}),
    }).toString();
    const callback = await this.op.authorize(url, opts);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(this.op.issuer);
    const code = callback.searchParams.get('code');
    if (!code) return { callback };
    const { status, body } = await postForm(this.metadata.token_endpoint, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: this.clientId,
      ...(resource ? { resource } : {}),
    });
    return { callback, tokens: body, tokenStatus: status };
  }
}

describe('test OpenID provider (oidc-provider 9)', () => {
  let op: TestProvider;
  let tenant: TestProvider;
  let metadata: Json;

  beforeAll(async () => {
    [op, tenant] = await Promise.all([
      startTestProvider({
        resources: {
          [TODOS]: { scopes: ['read:todos', 'create:todos', 'delete:todos'] },
          [NOTES]: { scopes: ['read:notes'], alg: 'ES256' },
          [OPAQUE]: { scopes: ['read:things'], accessTokenFormat: 'opaque' },
        },
        clients: [
          { clientId: 'svc', clientSecret: 'svc-secret' },
          { clientId: 'limited', clientSecret: 'limited-secret', scopes: ['read:todos'] },
          {
            clientId: 'poster',
            clientSecret: 'poster-secret',
            tokenEndpointAuthMethod: 'client_secret_post',
          },
        ],
      }),
      startTestProvider({
        issuerPath: '/tenant-a',
        resources: { [TENANT_RESOURCE]: { scopes: ['tenant:read', 'tenant:write'], alg: 'PS256' } },
        clients: [{ clientId: 'svc', clientSecret: 'svc-secret' }],
      }),
    ]);
    metadata = (await getJson(`${op.origin}/.well-known/openid-configuration`)).body;
  });

  afterAll(async () => {
    await Promise.all([op?.close(), tenant?.close()]);
  });

  describe('discovery', () => {
    it('serves OIDC discovery and RFC 8414 metadata for an issuer without a path', async () => {
      expect(op.issuer).toBe(op.origin);
      expect(op.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(metadata.issuer).toBe(op.issuer);
      expect(metadata).toMatchObject({
        authorization_endpoint: `${op.issuer}/auth`,
        token_endpoint: `${op.issuer}/token`,
        jwks_uri: `${op.issuer}/jwks`,
        registration_endpoint: `${op.issuer}/reg`,
        introspection_endpoint: `${op.issuer}/token/introspection`,
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
        authorization_response_iss_parameter_supported: true,
      });
      expect(metadata.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
      );
      expect(metadata.scopes_supported).toEqual(
        expect.arrayContaining(['openid', 'offline_access', 'read:todos', 'create:todos', 'read:notes']),
      );

      const rfc8414 = await getJson(`${op.origin}/.well-known/oauth-authorization-server`);
      expect(rfc8414.status).toBe(200);
      expect(rfc8414.body).toEqual(metadata);
    });

    it('serves both documents for an issuer with a path (append vs insertion rule)', async () => {
      expect(tenant.issuer).toBe(`${tenant.origin}/tenant-a`);
      const oidc = await getJson(`${tenant.issuer}/.well-known/openid-configuration`);
      expect(oidc.status).toBe(200);
      expect(oidc.body.issuer).toBe(tenant.issuer);
      expect(oidc.body.token_endpoint).toBe(`${tenant.issuer}/token`);
      expect(oidc.body.jwks_uri).toBe(`${tenant.issuer}/jwks`);
      expect(oidc.body.authorization_endpoint).toBe(`${tenant.issuer}/auth`);

      const rfc8414 = await getJson(`${tenant.origin}/.well-known/oauth-authorization-server/tenant-a`);
      expect(rfc8414.status).toBe(200);
      expect(rfc8414.body).toEqual(oidc.body);

      expect((await fetch(`${tenant.origin}/.well-known/openid-configuration`)).status).toBe(404);
      expect((await fetch(`${tenant.origin}/.well-known/oauth-authorization-server`)).status).toBe(404);
    });

    it('answers a CORS preflight for RFC 8414 metadata', async () => {
      const response = await fetch(`${op.origin}/.well-known/oauth-authorization-server`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:6274',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'mcp-protocol-version',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-headers')).toBe('mcp-protocol-version');
    });
  });

  describe('client credentials', () => {
    it('issues an RS256 JWT access token for the resource (typ at+jwt, kid in JWKS)', async () => {
      const token = await op.clientCredentialsToken({
        clientId: 'svc',
        clientSecret: 'svc-secret',
        scope: 'read:todos create:todos',
        resource: TODOS,
      });
      const header = decodeProtectedHeader(token);
      expect(header).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
      expect(op.jwks.keys.map((k) => k.kid)).toContain(header.kid);
      expect(op.jwks.keys.every((k) => k.d === undefined)).toBe(true);

      const { payload } = await jwtVerify(token, createLocalJWKSet(op.jwks), {
        issuer: op.issuer,
        audience: TODOS,
        typ: 'at+jwt',
      });
      expect(payload).toMatchObject({ iss: op.issuer, aud: TODOS, client_id: 'svc', sub: 'svc' });
      expect(payload.scope).toBe('read:todos create:todos');
      expect(payload.exp! - payload.iat!).toBe(3600);
      expect(typeof payload.jti).toBe('string');
    });

    it('signs with ES256 for a resource configured so', async () => {
      const token = await op.clientCredentialsToken({
        clientId: 'svc',
        clientSecret: 'svc-secret',
        scope: 'read:notes read:todos',
        resource: NOTES,
      });
      expect(decodeProtectedHeader(token).alg).toBe('ES256');
      const { payload } = await jwtVerify(token, createLocalJWKSet(op.jwks), { audience: NOTES });
      expect(payload.scope).toBe('read:notes');
    });

    it('supports client_secret_post clients', async () => {
      const token = await op.clientCredentialsToken({
        clientId: 'poster',
        clientSecret: 'poster-secret',
        scope: 'read:todos',
        resource: TODOS,
      });
      expect(decodeJwt(token)).toMatchObject({ client_id: 'poster', aud: TODOS });
    });

    it('rejects an unknown resource with invalid_target', async () => {
      const attempt = op.clientCredentialsToken({
        clientId: 'svc',
        clientSecret: 'svc-secret',
        scope: 'read:todos',
        resource: 'http://127.0.0.1:9/unknown',
      });
      await expect(attempt).rejects.toBeInstanceOf(TokenEndpointError);
      await expect(attempt).rejects.toMatchObject({ status: 400, body: { error: 'invalid_target' } });
    });

    it("enforces a pre-registered client's scope allow-list", async () => {
      await expect(
        op.clientCredentialsToken({
          clientId: 'limited',
          clientSecret: 'limited-secret',
          scope: 'create:todos',
          resource: TODOS,
        }),
      ).rejects.toMatchObject({ body: { error: 'invalid_scope' } });
    });

    it('rejects a wrong secret', async () => {
      await expect(
        op.clientCredentialsToken({
          clientId: 'svc',
          clientSecret: 'nope',
          scope: 'read:todos',
          resource: TODOS,
        }),
      ).rejects.toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('uses the single resource as default for an issuer with a path, signed PS256', async () => {
      const token = await tenant.clientCredentialsToken({
        clientId: 'svc',
        clientSecret: 'svc-secret',
        scope: 'tenant:read',
        resource: TENANT_RESOURCE,
      });
      expect(decodeProtectedHeader(token).alg).toBe('PS256');
      const { payload } = await jwtVerify(token, createLocalJWKSet(tenant.jwks), {
        issuer: tenant.issuer,
        audience: TENANT_RESOURCE,
      });
      expect(payload.scope).toBe('tenant:read');

      // Without a resource parameter the single configured resource is the default.
      const { status, body } = await postForm(
        `${tenant.issuer}/token`,
        { grant_type: 'client_credentials', scope: 'tenant:write' },
        basic('svc', 'svc-secret'),
      );
      expect(status).toBe(200);
      expect(decodeJwt(body.access_token)).toMatchObject({ aud: TENANT_RESOURCE, scope: 'tenant:write' });
    });
  });

  describe('opaque tokens and introspection', () => {
    it('issues an opaque token that a confidential client can introspect', async () => {
      const token = await op.clientCredentialsToken({
        clientId: 'svc',
        clientSecret: 'svc-secret',
        scope: 'read:things',
        resource: OPAQUE,
      });
      expect(token.split('.')).toHaveLength(1);

      const { status, body } = await postForm(
        metadata.introspection_endpoint,
        { token },
        basic('limited', 'limited-secret'),
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({
        active: true,
        aud: OPAQUE,
        client_id: 'svc',
        scope: 'read:things',
        iss: op.issuer,
        token_type: 'Bearer',
      });
      expect(body.exp - body.iat).toBe(3600);

      const unknown = await postForm(
        metadata.introspection_endpoint,
        { token: 'nope' },
        basic('svc', 'svc-secret'),
      );
      expect(unknown.body).toEqual({ active: false });
    });
  });

  describe('dynamic registration + authorization code + PKCE', () => {
    let client: PublicClient;

    beforeAll(async () => {
      client = new PublicClient(op, metadata);
    });

    it('registers a public client that sends resource scopes in its registration', async () => {
      const registered = await client.register('read:todos');
      expect(registered).toMatchObject({
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
      });
      // Registered without a scope allow-list, so that the client can step up later.
      expect(registered.scope).toBeUndefined();
    });

    it('rejects a registration with an unknown scope', async () => {
      const response = await fetch(metadata.registration_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'none',
          scope: 'read:todos launch:missiles',
        }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata' });
    });

    it('issues a JWT with aud = resource and the requested scopes, plus a refresh token for offline_access', async () => {
      const { callback, tokens, tokenStatus } = await client.authorize('read:todos offline_access', TODOS, {
        prompt: 'consent',
      });
      expect(callback.searchParams.get('code')).toBeTruthy();
      expect(tokenStatus).toBe(200);
      expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:todos' });
      expect(typeof tokens!.refresh_token).toBe('string');

      const { payload, protectedHeader } = await jwtVerify(tokens!.access_token, createLocalJWKSet(op.jwks), {
        issuer: op.issuer,
        audience: TODOS,
        typ: 'at+jwt',
      });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({ sub: 'alice', client_id: client.clientId, scope: 'read:todos' });

      // The refresh token keeps the resource.
      const refreshed = await postForm(metadata.token_endpoint, {
        grant_type: 'refresh_token',
        refresh_token: tokens!.refresh_token,
        client_id: client.clientId,
        resource: TODOS,
      });
      expect(refreshed.status).toBe(200);
      expect(decodeJwt(refreshed.body.access_token)).toMatchObject({
        aud: TODOS,
        scope: 'read:todos',
        sub: 'alice',
      });
    });

    it('steps up: a second authorization for more scopes gets them (same browser session and grant)', async () => {
      // SDK v2 style: the scopes already held plus the new one.
      const union = await client.authorize('read:todos create:todos', TODOS);
      expect(decodeJwt(union.tokens!.access_token)).toMatchObject({
        aud: TODOS,
        scope: 'read:todos create:todos',
      });

      // SDK v1 style: exactly the challenged scope.
      const exact = await client.authorize('delete:todos', TODOS);
      expect(decodeJwt(exact.tokens!.access_token)).toMatchObject({ aud: TODOS, scope: 'delete:todos' });
    });

    it('asks again for scopes the user declined earlier instead of ending in access_denied', async () => {
      const other = new PublicClient(op, metadata);
      await other.register('read:todos create:todos');

      const first = await other.authorize('read:todos create:todos', TODOS, {
        accountId: 'carol',
        declineScopes: ['create:todos'],
      });
      expect(decodeJwt(first.tokens!.access_token)).toMatchObject({ sub: 'carol', scope: 'read:todos' });

      const stepUp = await other.authorize('create:todos', TODOS, { accountId: 'carol' });
      expect(stepUp.callback.searchParams.get('error')).toBeNull();
      expect(decodeJwt(stepUp.tokens!.access_token)).toMatchObject({ sub: 'carol', scope: 'create:todos' });

      // Declining everything that was asked for ends in access_denied at the redirect_uri.
      const denied = await other.authorize('delete:todos', TODOS, {
        accountId: 'carol',
        declineScopes: ['delete:todos'],
      });
      expect(denied.callback.searchParams.get('error')).toBe('access_denied');
    });

    it('logs in the account given to authorize()', async () => {
      const { tokens } = await client.authorize('read:todos', TODOS, { accountId: 'bob' });
      expect(decodeJwt(tokens!.access_token)).toMatchObject({ sub: 'bob', aud: TODOS });
    });

    it('handles an OIDC request (openid) for a resource', async () => {
      const { tokens } = await client.authorize('openid read:todos', TODOS);
      expect(typeof tokens!.id_token).toBe('string');
      expect(decodeJwt(tokens!.id_token)).toMatchObject({
        iss: op.issuer,
        aud: client.clientId,
        sub: 'alice',
      });
      expect(decodeJwt(tokens!.access_token)).toMatchObject({ aud: TODOS, scope: 'read:todos' });
    });

    it('returns the error redirect for an unknown resource', async () => {
      const { callback, tokens } = await client.authorize('read:todos', 'http://127.0.0.1:9/unknown');
      expect(callback.searchParams.get('error')).toBe('invalid_target');
      expect(tokens).toBeUndefined();
    });

    it('requires PKCE', async () => {
      const url = new URL(metadata.authorization_endpoint);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'read:todos',
        resource: TODOS,
      }).toString();
      const callback = await op.authorize(url);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
    });

    it('works for an issuer with a path', async () => {
      const tenantMetadata = (await getJson(`${tenant.issuer}/.well-known/openid-configuration`)).body;
      const tenantClient = new PublicClient(tenant, tenantMetadata);
      await tenantClient.register('tenant:read');
      const first = await tenantClient.authorize('tenant:read', TENANT_RESOURCE);
      const { payload } = await jwtVerify(first.tokens!.access_token, createLocalJWKSet(tenant.jwks), {
        issuer: tenant.issuer,
        audience: TENANT_RESOURCE,
      });
      expect(payload).toMatchObject({ sub: 'alice', scope: 'tenant:read' });

      // No resource parameter: the single resource is the default (authorization and token requests).
      const second = await tenantClient.authorize('tenant:read tenant:write', undefined);
      expect(decodeJwt(second.tokens!.access_token)).toMatchObject({
        iss: tenant.issuer,
        aud: TENANT_RESOURCE,
        scope: 'tenant:read tenant:write',
      });
    });
  });

  describe('harness controls', () => {
    it('counts requests per path (one JWKS fetch for many verifications)', async () => {
      const jwksPath = new URL(metadata.jwks_uri).pathname;
      const before = op.requestCount(jwksPath);
      const keySet = createRemoteJWKSet(new URL(metadata.jwks_uri));
      for (const resource of [TODOS, NOTES, TODOS]) {
        const token = await op.clientCredentialsToken({
          clientId: 'svc',
          clientSecret: 'svc-secret',
          resource,
        });
        await jwtVerify(token, keySet, { issuer: op.issuer, audience: resource });
      }
      expect(op.requestCount(jwksPath)).toBe(before + 1);
      expect(op.requestCount('/never-requested')).toBe(0);
    });

    it('simulates an outage with setDown', async () => {
      const discovery = `${op.origin}/.well-known/openid-configuration`;
      const before = op.requestCount('/.well-known/openid-configuration');
      op.setDown(true);
      try {
        expect((await fetch(discovery)).status).toBe(503);
        expect((await fetch(`${op.origin}/jwks`)).status).toBe(503);
        expect((await fetch(`${op.origin}/.well-known/oauth-authorization-server`)).status).toBe(503);
      } finally {
        op.setDown(false);
      }
      expect((await fetch(discovery)).status).toBe(200);
      expect(op.requestCount('/.well-known/openid-configuration')).toBe(before + 2);
    });

    it('close() stops serving and is idempotent', async () => {
      const extra = await startTestProvider({ resources: { [TODOS]: { scopes: ['read:todos'] } } });
      const url = `${extra.issuer}/.well-known/openid-configuration`;
      expect((await fetch(url)).status).toBe(200);
      await Promise.all([extra.close(), extra.close()]);
      await extra.close();
      await expect(fetch(url)).rejects.toThrow();
    });

    it('listens on a given port', async () => {
      const probe = await startTestProvider({ resources: { [TODOS]: { scopes: ['read:todos'] } } });
      const port = Number(new URL(probe.origin).port);
      await probe.close();
      const fixed = await startTestProvider({ port, resources: { [TODOS]: { scopes: ['read:todos'] } } });
      try {
        expect(fixed.origin).toBe(`http://127.0.0.1:${port}`);
        expect((await getJson(`${fixed.issuer}/.well-known/openid-configuration`)).body.issuer).toBe(
          fixed.issuer,
        );
      } finally {
        await fixed.close();
      }
    });
  });
});
