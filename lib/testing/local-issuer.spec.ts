import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWK,
} from 'jose';
import { startLocalIssuer, type LocalIssuer } from './index.js';

describe('startLocalIssuer (HTTP surface and minting)', () => {
  const started: LocalIssuer[] = [];
  const start = async (...args: Parameters<typeof startLocalIssuer>) => {
    const issuer = await startLocalIssuer(...args);
    started.push(issuer);
    return issuer;
  };
  afterAll(async () => {
    await Promise.all(started.map((issuer) => issuer.close()));
  });

  it('serves a realistic discovery document at both well-known URLs and the JWKS with no-store', async () => {
    const issuer = await start({ issuerPath: '/realms/demo', algorithms: ['RS256', 'ES384'] });
    expect(issuer.issuer).toBe(`${issuer.origin}/realms/demo`);
    expect(issuer.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const url of [
      `${issuer.issuer}/.well-known/openid-configuration`,
      `${issuer.origin}/.well-known/oauth-authorization-server/realms/demo`,
    ]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual(issuer.metadata);
    }
    expect(issuer.metadata).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/jwks`,
      authorization_endpoint: `${issuer.issuer}/authorize`,
      token_endpoint: `${issuer.issuer}/token`,
      registration_endpoint: `${issuer.issuer}/register`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid'],
      id_token_signing_alg_values_supported: ['RS256', 'ES384'],
    });
    // The OpenID insertion form is not served (real providers do not).
    expect((await fetch(`${issuer.origin}/.well-known/openid-configuration/realms/demo`)).status).toBe(404);

    const res = await fetch(issuer.jwksUri);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { keys } = (await res.json()) as { keys: JWK[] };
    expect(keys.map((k) => [k.kty, k.alg, k.use])).toEqual([
      ['RSA', 'RS256', 'sig'],
      ['EC', 'ES384', 'sig'],
    ]);
    expect(keys.map((k) => k.kid)).toEqual(issuer.kids);
    for (const key of keys) {
      expect(key.d).toBeUndefined();
      expect(key.kid).toBe(await calculateJwkThumbprint(key));
    }
  });

  it("issuerPath '/' keeps the trailing slash (Auth0 style); discovery URLs follow the spec rules", async () => {
    const issuer = await start({ issuerPath: '/' });
    expect(issuer.issuer).toBe(`${issuer.origin}/`);
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const doc = (await (await fetch(`${issuer.origin}${path}`)).json()) as Record<string, unknown>;
      expect(doc.issuer).toBe(`${issuer.origin}/`);
    }
    expect(issuer.jwksUri).toBe(`${issuer.origin}/jwks`);
    expect(decodeJwt(await issuer.mint()).iss).toBe(`${issuer.origin}/`);
  });

  it('metadata hook and jwksPath shape a provider profile', async () => {
    const issuer = await start({
      issuerPath: '/tenant-id/v2.0',
      discovery: 'oidc',
      jwksPath: '/tenant-id/discovery/v2.0/keys',
      metadata: ({ code_challenge_methods_supported: _dropped, ...doc }) => ({
        ...doc,
        tenant_region_scope: 'EU',
      }),
    });
    expect(issuer.jwksUri).toBe(`${issuer.origin}/tenant-id/discovery/v2.0/keys`);
    const doc = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc).not.toHaveProperty('code_challenge_methods_supported');
    expect(doc.tenant_region_scope).toBe('EU');
    expect(doc.jwks_uri).toBe(issuer.jwksUri);
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
    expect(
      (await fetch(`${issuer.origin}/.well-known/oauth-authorization-server/tenant-id/v2.0`)).status,
    ).toBe(404);
  });

  it('answers 501 on the flow endpoints, 404 elsewhere, 405 for non-GET on documents', async () => {
    const issuer = await start();
    const token = await fetch(`${issuer.origin}/token`, { method: 'POST' });
    expect(token.status).toBe(501);
    expect(((await token.json()) as { error_description: string }).error_description).toContain(
      'does not run OAuth flows',
    );
    expect((await fetch(`${issuer.origin}/nowhere`)).status).toBe(404);
    expect((await fetch(issuer.jwksUri, { method: 'POST' })).status).toBe(405);
  });

  it('mint: defaults, issuer claims, overrides, removals, relative times; verifies against the JWKS', async () => {
    const issuer = await start({
      audience: 'https://api.example.com',
      claims: { azp: 'web', tid: 'tenant', client_id: undefined },
    });
    const jwks = createLocalJWKSet((await (await fetch(issuer.jwksUri)).json()) as { keys: JWK[] });
    const before = Math.floor(Date.now() / 1000);
    const token = await issuer.mint({
      subject: 'alice',
      scopes: ['read', 'write'],
      issuedAt: -10,
      notBefore: -5,
      claims: { tid: undefined, roles: ['admin'] },
    });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: issuer.issuer,
      audience: 'https://api.example.com',
      typ: 'at+jwt',
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: issuer.kids[0], typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: 'alice', scope: 'read write', azp: 'web', roles: ['admin'] });
    expect(payload).not.toHaveProperty('tid');
    expect(payload).not.toHaveProperty('client_id');
    expect(typeof payload.jti).toBe('string');
    expect(payload.iat! - before).toBeGreaterThanOrEqual(-10);
    expect(payload.iat! - before).toBeLessThanOrEqual(-9);
    expect(payload.exp! - payload.iat!).toBe(310);
    expect(payload.nbf! - payload.iat!).toBe(5);

    const bare = decodeJwt(
      await issuer.mint({ audience: null, scopes: [], clientId: 'cli', claims: { iss: 'https://evil' } }),
    );
    expect(bare).not.toHaveProperty('aud');
    expect(bare).not.toHaveProperty('scope');
    expect(bare).toMatchObject({ iss: 'https://evil', client_id: 'cli', sub: 'test-user' });
    expect(decodeJwt(await issuer.mint({ scopes: 'a b' })).scope).toBe('a b');
  });

  it('mint header: typ/kid null omit them, unknown kids pass through, extra members are kept', async () => {
    const issuer = await start({ algorithms: ['ES256', 'PS256'] });
    expect(decodeProtectedHeader(await issuer.mint({ header: { typ: null, kid: null } }))).toEqual({
      alg: 'ES256',
    });
    expect(
      decodeProtectedHeader(await issuer.mint({ header: { typ: 'JWT', kid: 'nope', jku: 'https://x' } })),
    ).toEqual({
      alg: 'ES256',
      kid: 'nope',
      typ: 'JWT',
      jku: 'https://x',
    });
    expect(decodeProtectedHeader(await issuer.mint({ header: { kid: issuer.kids[1] } })).alg).toBe('PS256');
    await expect(issuer.mint({ header: { alg: 'EdDSA' } })).rejects.toThrow(/no EdDSA key/);
    await expect(issuer.mint({ header: { alg: 'ES256', kid: issuer.kids[1] } })).rejects.toThrow(/PS256 key/);
    expect(() => issuer.removeKey('never-held')).toThrow(/never-held/);
  });

  it('removeKey unpublishes, keeps signing possible with an explicit kid; addKey defaults to the first alg', async () => {
    const issuer = await start({ algorithms: ['ES256'] });
    const [first] = issuer.kids;
    const second = await issuer.addKey();
    issuer.removeKey(first);
    const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: JWK[] };
    expect(keys.map((k) => [k.kid, k.alg])).toEqual([[second, 'ES256']]);
    expect(decodeProtectedHeader(await issuer.mint()).kid).toBe(second);
    expect(decodeProtectedHeader(await issuer.mint({ header: { kid: first } })).kid).toBe(first);
    issuer.removeKey(second);
    await expect(issuer.mint()).rejects.toThrow(/publishes no key/);
  });

  it('setDown answers 503 everywhere (counted); setDelay delays; close drops delayed answers and is idempotent', async () => {
    const issuer = await startLocalIssuer();
    issuer.setDown(true);
    expect((await fetch(issuer.jwksUri)).status).toBe(503);
    expect((await fetch(`${issuer.origin}/.well-known/openid-configuration`)).status).toBe(503);
    expect(issuer.requestCount('/jwks')).toBe(1);
    issuer.setDown(false);

    issuer.setDelay(150);
    const t0 = Date.now();
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(() => issuer.setDelay(-1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTIONS', option: 'ms' }),
    );

    issuer.setDelay(60_000);
    const pending = fetch(issuer.jwksUri).then(
      (r) => r.status,
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t1 = Date.now();
    await Promise.all([issuer.close(), issuer.close()]);
    expect(await pending).toBe('failed');
    expect(Date.now() - t1).toBeLessThan(1000);
    await issuer.close();
  });

  it('rejects invalid options', async () => {
    const invalid = (option: string) => expect.objectContaining({ code: 'ERR_INVALID_OPTIONS', option });
    await expect(startLocalIssuer({ issuerPath: 'tenant' })).rejects.toThrow(invalid('issuerPath'));
    await expect(startLocalIssuer({ issuerPath: '/t?x=1' })).rejects.toThrow(invalid('issuerPath'));
    await expect(startLocalIssuer({ issuerPath: '/t#x' })).rejects.toThrow(invalid('issuerPath'));
    await expect(startLocalIssuer({ jwksPath: '/keys#x' })).rejects.toThrow(invalid('jwksPath'));
    await expect(startLocalIssuer({ discovery: 'x' as never })).rejects.toThrow(invalid('discovery'));
    await expect(startLocalIssuer({ algorithms: ['HS256' as never] })).rejects.toThrow(/cannot sign/);
    await expect(startLocalIssuer({ algorithms: ['ES256'], metadata: () => null as never })).rejects.toThrow(
      /must return an object/,
    );
  });
});
