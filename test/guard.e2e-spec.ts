import type { INestApplication } from '@nestjs/common';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { ADAPTERS } from './support/adapters.js';
import { createProtectedApp } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';
const OTHER_RESOURCE = 'http://127.0.0.1/other';
const PRM = 'http://127.0.0.1/.well-known/oauth-protected-resource/api';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };

describe.each(ADAPTERS)('on %s', (adapter) => {
  describe('McpAuthGuard against a real OpenID provider', () => {
    let provider: TestProvider;
    let app: INestApplication;
    let token: string;
    let readOnly: string;

    const now = () => Math.floor(Date.now() / 1000);
    /** Claims the provider itself would issue, for crafted variants signed with the provider's own key. */
    const claims = (extra: Record<string, unknown> = {}) => ({
      iss: provider.issuer,
      sub: 'svc',
      aud: RESOURCE,
      client_id: 'svc',
      scope: 'read:todos',
      iat: now(),
      exp: now() + 300,
      ...extra,
    });
    const get = (path: string, bearer?: string) => {
      const r = request(app.getHttpServer()).get(path);
      return bearer === undefined ? r : r.set('Authorization', `Bearer ${bearer}`);
    };
    const expectInvalidToken = async (bearer: string) => {
      const res = await get('/api/me', bearer).expect(401);
      const challenge = parseBearerChallenge(res.headers['www-authenticate']);
      expect(challenge.error).toBe('invalid_token');
      expect(challenge.resource_metadata).toBe(PRM);
      expect(challenge.error_description).toBeTruthy();
      expect(res.body.error).toBe('invalid_token');
      expect(JSON.stringify(res.body) + res.headers['www-authenticate']).not.toContain(bearer);
      return res;
    };

    beforeAll(async () => {
      provider = await startTestProvider({
        resources: {
          [RESOURCE]: { scopes: ['read:todos', 'create:todos'] },
          [OTHER_RESOURCE]: { scopes: ['read:todos'] },
        },
        clients: [{ ...CLIENT, scopes: ['read:todos', 'create:todos'] }],
      });
      app = await createProtectedApp(
        {
          resource: RESOURCE,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          scopesSupported: ['read:todos', 'create:todos'],
          context: true,
        },
        undefined,
        adapter,
      );
      token = await provider.clientCredentialsToken({
        ...CLIENT,
        scope: 'read:todos create:todos',
        resource: RESOURCE,
      });
      readOnly = await provider.clientCredentialsToken({
        ...CLIENT,
        scope: 'read:todos',
        resource: RESOURCE,
      });
    });
    afterAll(async () => {
      await app?.close();
      await provider?.close();
    });

    it('a valid token → 200, auth info in the controller and in a singleton service (McpAuthContext)', async () => {
      const res = await get('/api/me', token).expect(200);
      expect(res.body).toMatchObject({
        subject: 'svc',
        clientId: 'svc',
        issuer: provider.issuer,
        audience: [RESOURCE],
        resource: new URL(RESOURCE).href,
        fromService: { subject: 'svc', clientId: 'svc' },
      });
      expect(res.body.scopes.sort()).toEqual(['create:todos', 'read:todos']);
      expect(res.body.expiresAt).toBe(decodeJwt(token).exp);
    });

    it('McpAuthContext keeps the caller past the parse of a request body (POST with JSON)', async () => {
      const res = await request(app.getHttpServer())
        .post('/api/echo')
        .set('Authorization', `Bearer ${token}`)
        .send({ big: 'x'.repeat(90_000) })
        .expect(201);
      expect(res.body.body.big).toHaveLength(90_000);
      expect(res.body).toMatchObject({ subject: 'svc', fromService: { subject: 'svc', clientId: 'svc' } });
    });

    it('McpAuthContext does not leak between requests', async () => {
      await get('/api/me', token).expect(200);
      const res = await get('/api/health').expect(200);
      expect(res.body).toEqual({ ok: true, caller: null });
    });

    it('McpAuthContext does not leak to a later request on the same keep-alive connection', async () => {
      const server = app.getHttpServer();
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const get = (path: string, bearer?: string) =>
        new Promise<{ body: string; socket: unknown }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              path,
              agent,
              headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
            },
            (res) => {
              let body = '';
              res.on('data', (c) => (body += c));
              res.on('end', () => resolve({ body, socket: req.socket }));
            },
          );
          req.on('error', reject);
          req.end();
        });
      try {
        const first = await get('/api/me', token);
        const second = await get('/api/health');
        expect(second.socket).toBe(first.socket);
        expect(JSON.parse(second.body)).toEqual({ ok: true, caller: null });
      } finally {
        agent.destroy();
      }
    });

    it('@Public routes need no token', async () => {
      await get('/api/health').expect(200);
    });

    it('R7: no token → 401 with resource_metadata and no error attribute', async () => {
      const res = await get('/api/me').expect(401);
      expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${PRM}"`);
      expect(res.body.error_description).toBeTruthy();
    });

    it('R7: credentials of another scheme are no bearer credentials → 401 without error', async () => {
      const res = await request(app.getHttpServer())
        .get('/api/me')
        .set('Authorization', 'Basic Zm9vOmJhcg==')
        .expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBeUndefined();
    });

    it('R9: a 401 carries scope= with the scopes the route needs', async () => {
      const res = await get('/api/todos').expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate'])).toEqual({
        scope: 'read:todos',
        resource_metadata: PRM,
      });
    });

    it('R8: an expired token → 401 invalid_token', async () => {
      await expectInvalidToken(await provider.signToken(claims({ iat: now() - 600, exp: now() - 60 })));
    });

    it('R8, R21: a token not yet valid (nbf, iat in the future beyond tolerance) → 401 invalid_token', async () => {
      await expectInvalidToken(await provider.signToken(claims({ nbf: now() + 120 })));
      await expectInvalidToken(await provider.signToken(claims({ iat: now() + 120 })));
    });

    it('R21: nbf within the clock tolerance is accepted', async () => {
      await get('/api/me', await provider.signToken(claims({ nbf: now() + 2 }))).expect(200);
    });

    it('R21: a token without exp → 401 invalid_token', async () => {
      await expectInvalidToken(await provider.signToken(claims({ exp: undefined })));
    });

    it('R8, R20: a token signed by another key with the same kid → 401 invalid_token', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const kid = provider.jwks.keys.find((k) => k.alg === 'RS256')!.kid!;
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
        .sign(privateKey);
      await expectInvalidToken(forged);
    });

    it('R8: a payload edited after signing → 401 invalid_token', async () => {
      const [h, , s] = token.split('.');
      const edited = Buffer.from(JSON.stringify({ ...decodeJwt(token), scope: 'admin' })).toString(
        'base64url',
      );
      await expectInvalidToken(`${h}.${edited}.${s}`);
    });

    it('R20: alg none and HMAC are never accepted', async () => {
      await expectInvalidToken(new UnsecuredJWT(claims()).encode());
      const hmac = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(JSON.stringify(provider.jwks.keys[0])));
      await expectInvalidToken(hmac);
    });

    it('R20: an embedded jwk header is never followed', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', jwk }).sign(privateKey);
      await expectInvalidToken(forged);
    });

    it('R8, R19: an untrusted issuer is rejected before any network call', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const before = provider.requestCount('/jwks');
      // If the module fetched anything for this issuer, the closed port would make it answer 503, not 401.
      const forged = await new SignJWT(claims({ iss: 'http://127.0.0.1:1/evil' }))
        .setProtectedHeader({ alg: 'RS256', kid: 'x' })
        .sign(privateKey);
      await expectInvalidToken(forged);
      await expectInvalidToken(await provider.signToken(claims({ iss: `${provider.issuer}/` })));
      expect(provider.requestCount('/jwks')).toBe(before);
    });

    it('R8, R18: a token of the same provider for another resource → 401 invalid_token', async () => {
      const other = await provider.clientCredentialsToken({
        ...CLIENT,
        scope: 'read:todos',
        resource: OTHER_RESOURCE,
      });
      expect(decodeJwt(other).aud).toBe(OTHER_RESOURCE);
      await expectInvalidToken(other);
    });

    it('R18: aud missing, or an array without this resource → 401 invalid_token', async () => {
      await expectInvalidToken(await provider.signToken(claims({ aud: undefined })));
      await expectInvalidToken(await provider.signToken(claims({ aud: [OTHER_RESOURCE, `${RESOURCE}/`] })));
    });

    it('R18: an array audience that contains this resource is accepted', async () => {
      await get('/api/me', await provider.signToken(claims({ aud: [OTHER_RESOURCE, RESOURCE] }))).expect(200);
    });

    it('R8: a malformed token → 401 invalid_token', async () => {
      await expectInvalidToken('abc.def');
      await expectInvalidToken('abc.def.ghi');
    });

    it('R13: missing scopes → 403 insufficient_scope naming the held and the required scopes', async () => {
      const res = await request(app.getHttpServer())
        .post('/api/todos')
        .set('Authorization', `Bearer ${readOnly}`)
        .expect(403);
      const challenge = parseBearerChallenge(res.headers['www-authenticate']);
      expect(challenge).toMatchObject({
        error: 'insufficient_scope',
        scope: 'read:todos create:todos',
        resource_metadata: PRM,
      });
      expect(res.body.error).toBe('insufficient_scope');
      await request(app.getHttpServer())
        .post('/api/todos')
        .set('Authorization', `Bearer ${token}`)
        .expect(201);
    });

    it('R13: a route whose scopes the token holds → 200', async () => {
      const res = await get('/api/todos', readOnly).expect(200);
      expect(res.body.scopes).toEqual(['read:todos']);
    });

    it('R10: two Authorization headers → 400 invalid_request', async () => {
      const server = app.getHttpServer();
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const res = await new Promise<{ status: number; header: string; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/me' }, (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () =>
            resolve({ status: r.statusCode!, header: String(r.headers['www-authenticate']), body }),
          );
        });
        req.setHeader('Authorization', [`Bearer ${token}`, `Bearer ${token}`]);
        req.on('error', reject);
        req.end();
      });
      expect(res.status).toBe(400);
      expect(parseBearerChallenge(res.header)).toMatchObject({
        error: 'invalid_request',
        resource_metadata: PRM,
      });
      expect(res.body).not.toContain(token);
    });

    it('R10, R23: a token in the query string does not authenticate → 400 invalid_request', async () => {
      const res = await request(app.getHttpServer()).get(`/api/me?access_token=${token}`).expect(400);
      expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_request');
    });

    it('R10: a malformed Authorization header → 400 invalid_request', async () => {
      await request(app.getHttpServer()).get('/api/me').set('Authorization', 'Bearer').expect(400);
      await request(app.getHttpServer())
        .get('/api/me')
        .set('Authorization', `Bearer ${token} ${token}`)
        .expect(400);
    });

    it('R12: resource_metadata comes from configuration, never from the Host header', async () => {
      const res = await request(app.getHttpServer())
        .get('/api/me')
        .set('Host', 'evil.example:666')
        .expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate']).resource_metadata).toBe(PRM);
    });
  });

  describe('strict RFC 9068 mode (R22)', () => {
    let provider: TestProvider;
    let app: INestApplication;
    beforeAll(async () => {
      provider = await startTestProvider({
        resources: { [RESOURCE]: { scopes: ['read:todos'] } },
        clients: [CLIENT],
      });
      app = await createProtectedApp(
        {
          resource: RESOURCE,
          authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
          strictJwtType: true,
        },
        undefined,
        adapter,
      );
    });
    afterAll(async () => {
      await app?.close();
      await provider?.close();
    });

    it('R22: typ must be at+jwt', async () => {
      const now = Math.floor(Date.now() / 1000);
      const base = { iss: provider.issuer, aud: RESOURCE, sub: 'u', exp: now + 60, iat: now };
      const plain = await provider.signToken(base, { typ: 'JWT' });
      const res = await request(app.getHttpServer())
        .get('/api/me')
        .set('Authorization', `Bearer ${plain}`)
        .expect(401);
      expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_token');
      const real = await provider.clientCredentialsToken({
        ...CLIENT,
        resource: RESOURCE,
        scope: 'read:todos',
      });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${real}`).expect(200);
    });
  });
});
