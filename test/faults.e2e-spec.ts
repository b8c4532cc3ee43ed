import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { McpAuthConfigError, type McpAuthModuleOptions } from '../lib/index.js';
import { exportJWK, generateKeyPair } from 'jose';
import { startLocalIssuer, type LocalIssuer, type MintHeader } from '../lib/testing/index.js';
import { createLoggedProtectedApp } from './support/capturing-logger.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { ADAPTERS, type AdapterName } from './support/adapters.js';
import { createProtectedApp } from './support/protected-app.js';
import { startRecorder } from './support/redirecting-servers.js';

const RESOURCE = 'http://127.0.0.1/api';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A P-256 public JWK whose point is not on the curve (`y` altered), as a broken provider might publish. */
async function offCurveKey(kid: string): Promise<{ x: string; y: string; [member: string]: string }> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const y = Buffer.from(jwk.y!, 'base64url');
  y[y.length - 1] ^= 1;
  return { kty: 'EC', crv: 'P-256', x: jwk.x!, y: y.toString('base64url'), kid, alg: 'ES256', use: 'sig' };
}

/** Faults of the provider, with the local issuer's outage, delay and key-rotation switches. */
describe('provider faults', () => {
  let issuer: LocalIssuer;
  const apps: INestApplication[] = [];

  const boot = async (extra: Partial<McpAuthModuleOptions> = {}, adapter: AdapterName = 'express') => {
    const app = await createProtectedApp(
      { resource: RESOURCE, authorizationServers: [issuer.authorizationServer], ...extra },
      undefined,
      adapter,
    );
    apps.push(app);
    return app;
  };
  const get = (app: INestApplication, token: string) =>
    request(app.getHttpServer()).get('/api/todos').set('Authorization', `Bearer ${token}`);
  const mint = (options: Parameters<LocalIssuer['mint']>[0] = {}) =>
    issuer.mint({ scopes: ['read:todos'], ...options });
  const jwksFetches = () => issuer.requestCount(issuer.jwksUri);

  beforeEach(async () => {
    issuer = await startLocalIssuer({ audience: RESOURCE, algorithms: ['RS256', 'ES256'] });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await issuer.close();
  });

  it('provider down at boot (eager discovery): the start fails naming the URL and the cause', async () => {
    issuer.setDown(true);
    const error = await boot({ discoveryTimeout: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect((error as Error).message).toContain(`${issuer.issuer}/.well-known/openid-configuration`);
    expect((error as Error).message).toMatch(/503/);
  });

  it('provider down at runtime: tokens signed by known keys keep being accepted — 0 valid requests lost', async () => {
    // No verified-token cache and a key set that is due for refresh after 100 ms: every request verifies and
    // tries to refresh the keys while the provider is down.
    const app = await boot({ tokenCache: false, jwks: { cacheMaxAge: 100, cooldown: 100 } });
    await get(app, await mint()).expect(200);
    issuer.setDown(true);
    let lost = 0;
    for (let i = 0; i < 40; i++) {
      await sleep(i % 10 === 0 ? 120 : 0);
      const res = await get(app, await mint({ header: { alg: i % 2 ? 'ES256' : 'RS256' } }));
      if (res.status !== 200) lost++;
    }
    expect(lost).toBe(0);
    expect(jwksFetches()).toBeGreaterThan(1); // it did try to refresh during the outage
  });

  it.each(ADAPTERS)(
    'provider down at runtime (%s): a token with an unknown kid gets 503 + Retry-After, not 401',
    async (adapter) => {
      const app = await boot({ jwks: { cooldown: 0 } }, adapter);
      await get(app, await mint()).expect(200);
      issuer.setDown(true);
      const newKid = await issuer.addKey('RS256'); // a key the app has never seen, unpublishable during the outage
      const res = await get(app, await mint({ header: { kid: newKid } })).expect(503);
      expect(res.headers['retry-after']).toBe('5');
      issuer.setDown(false);
      await get(app, await mint({ header: { kid: newKid } })).expect(200);
    },
  );

  it('key rotation: a new key is picked up on first sight with one JWKS fetch', async () => {
    const app = await boot({ jwks: { cooldown: 0 } });
    await get(app, await mint()).expect(200);
    const before = jwksFetches();
    const kid = await issuer.addKey('ES256');
    await get(app, await mint({ header: { kid } })).expect(200);
    await get(app, await mint({ header: { kid } })).expect(200);
    expect(jwksFetches() - before).toBe(1);
  });

  it('key rotation: a key removed from the JWKS stops being accepted after the next refresh (cached tokens too)', async () => {
    const app = await boot({ jwks: { cacheMaxAge: 2_000, cooldown: 0 } });
    const [oldKid] = issuer.kids;
    const cached = await mint({ header: { kid: oldKid } });
    await get(app, cached).expect(200); // now in the verified-token cache
    await issuer.addKey('RS256');
    issuer.removeKey(oldKid);
    await get(app, cached).expect(200); // within cacheMaxAge: not refreshed yet (the documented bound)
    await sleep(2_100);
    await get(app, cached).expect(401); // refreshed: the key is gone, the cache entry with it
    await get(app, await mint({ header: { kid: oldKid } })).expect(401);
    await get(app, await mint({ header: { kid: issuer.kids.at(-1)! } })).expect(200);
  });

  it('R20: a cached token without kid is refused once its key left the JWKS, even while the set is fresh', async () => {
    // cacheMaxAge stays long (10 min): the set is refetched because another token names a new kid.
    const app = await boot({ jwks: { cooldown: 0 } });
    const [oldKid] = issuer.kids;
    const cached = await mint({ header: { kid: null } }); // RS256, the first key; no kid
    await get(app, cached).expect(200); // now in the verified-token cache
    const newKid = await issuer.addKey('RS256');
    issuer.removeKey(oldKid);
    await get(app, await mint({ header: { kid: newKid } })).expect(200); // refetch: the set changed
    await get(app, cached).expect(401);
    await get(app, cached).expect(401);
    await get(app, await mint({ header: { kid: null, alg: 'RS256' } })).expect(200); // no kid, the new key
  });

  it('R20: an EC key off its curve in the JWKS is refused alone (401, reported once); the other keys keep working', async () => {
    const published = await startRecorder({ status: 200, body: { keys: [] } });
    const local = await startLocalIssuer({
      audience: RESOURCE,
      algorithms: ['ES256', 'RS256'],
      metadata: (document) => ({ ...document, jwks_uri: `${published.origin}/jwks` }),
    });
    try {
      const real = (await (await fetch(local.jwksUri)).json()) as { keys: Record<string, unknown>[] };
      const bad = await offCurveKey('off-curve');
      published.answer = { status: 200, body: { keys: [...real.keys, bad] } };
      const { app, logger } = await createLoggedProtectedApp({
        resource: RESOURCE,
        authorizationServers: [local.authorizationServer],
      });
      apps.push(app);
      const mintLocal = (header: MintHeader) => local.mint({ scopes: ['read:todos'], header });
      await get(app, await mintLocal({ alg: 'ES256' })).expect(200);
      for (let i = 0; i < 3; i++) {
        const res = await get(app, await mintLocal({ alg: 'ES256', kid: 'off-curve' })).expect(401);
        expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_token');
      }
      await get(app, await mintLocal({ alg: 'ES256' })).expect(200);
      await get(app, await mintLocal({ alg: 'RS256' })).expect(200);
      await get(app, await mintLocal({ alg: 'ES256', kid: null })).expect(200); // two EC candidates: the good one
      const reports = logger.lines.filter((l) => l.includes('cannot be used'));
      expect(reports).toHaveLength(1);
      expect(reports[0]).toContain('"off-curve"');
      const everything = logger.lines.join('\n');
      for (const material of [bad.x, bad.y]) expect(everything).not.toContain(material);
    } finally {
      await local.close();
      await published.close();
    }
  });

  it('unknown-kid storm: 1 000 concurrent requests with random kids → at most one JWKS fetch per cooldown', async () => {
    const app = await boot(); // default cooldown: 30 s
    await get(app, await mint()).expect(200);
    const before = jwksFetches();
    const server = app.getHttpServer();
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => mint({ header: { kid: `random-${i}-${Math.random()}` } })),
    );
    const statuses = await Promise.all(
      tokens.map((t) =>
        request(server)
          .get('/api/todos')
          .set('Authorization', `Bearer ${t}`)
          .then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(jwksFetches() - before).toBeLessThanOrEqual(1);
  }, 60_000);

  it('slow JWKS: a request is answered within the configured timeout (503), never hangs', async () => {
    const app = await boot({ discovery: 'eager', jwks: { timeout: 300 } });
    issuer.setDelay(5_000);
    const started = Date.now();
    const res = await get(app, await mint());
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    issuer.setDelay(0);
  });

  it('slow discovery (lazy): bounded by discoveryTimeout, then recovers without restart', async () => {
    issuer.setDelay(5_000);
    const app = await boot({ discovery: 'lazy', discoveryTimeout: 300 });
    const started = Date.now();
    await get(app, await mint()).expect(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    issuer.setDelay(0);
    await sleep(1_100); // past the registry's failure cooldown
    await get(app, await mint()).expect(200);
  });
});
