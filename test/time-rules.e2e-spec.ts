import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { TokenVerifyFunction } from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { createProtectedApp } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';
const nowSeconds = () => Date.now() / 1000;

/**
 * R39: one time rule for every verifier, through the HTTP API: a custom `verify` function's result is held to the
 * rules a JWT is (RFC 7519 §4.1.4–4.1.6), with `clockTolerance: 0` so that the edges are exact.
 */
describe('R39: the time rules of a custom verify function are those of a JWT', () => {
  let issuer: LocalIssuer;
  let fnApp: INestApplication;
  let jwtApp: INestApplication;
  /** What the verify function answers, per opaque token, computed when it is called. */
  const results = new Map<string, () => Record<string, unknown>>();
  const verify: TokenVerifyFunction = async (token) => {
    const result = results.get(token);
    if (!result) throw new Error('unknown token');
    return {
      issuer: issuer.issuer,
      audience: [RESOURCE],
      clientId: 'c',
      scopes: ['read:todos'],
      claims: {},
      ...result(),
    } as never;
  };
  const call = (app: INestApplication, token: string) =>
    request(app.getHttpServer()).get('/api/todos').set('Authorization', `Bearer ${token}`);
  const refused = async (app: INestApplication, token: string, description: RegExp) => {
    const res = await call(app, token).expect(401);
    expect(parseBearerChallenge(res.headers['www-authenticate']).error).toBe('invalid_token');
    expect(res.body.error_description).toMatch(description);
  };

  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: RESOURCE });
    const common = {
      resource: RESOURCE,
      authorizationServers: [issuer.authorizationServer],
      clockTolerance: 0,
    };
    fnApp = await createProtectedApp({ ...common, verify });
    jwtApp = await createProtectedApp(common);
  });
  afterAll(async () => {
    await fnApp?.close();
    await jwtApp?.close();
    await issuer?.close();
  });

  it('R39: expiresAt equal to now is refused, as exp equal to now is for a JWT', async () => {
    results.set('at-exp', () => ({ expiresAt: nowSeconds() }));
    await refused(fnApp, 'at-exp', /expired/);
    const jwt = await issuer.mint({ scopes: ['read:todos'], claims: { exp: Math.floor(nowSeconds()) } });
    await refused(jwtApp, jwt, /expired/);
  });

  it('R39: a whole-second expiresAt that has just passed is refused (the old rule compared to floor(now))', async () => {
    results.set('just-past', () => ({ expiresAt: Math.floor(nowSeconds()) }));
    await refused(fnApp, 'just-past', /expired/);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['1e16', 1e16],
    ['a string of digits', '9999999999'],
  ])('R39: expiresAt %s is refused (a NumericDate or nothing)', async (name, value) => {
    const token = `exp-${name.replaceAll(' ', '-')}`;
    results.set(token, () => ({ expiresAt: value }));
    await refused(fnApp, token, /"exp" claim must be a NumericDate/);
  });

  it('R39: nbf and iat in the claims are honoured, as for a JWT', async () => {
    results.set('nbf-ahead', () => ({ expiresAt: nowSeconds() + 600, claims: { nbf: nowSeconds() + 60 } }));
    await refused(fnApp, 'nbf-ahead', /not valid yet/);
    results.set('iat-ahead', () => ({ claims: { iat: nowSeconds() + 60 } }));
    await refused(fnApp, 'iat-ahead', /issued in the future/);
    results.set('nbf-nan', () => ({ claims: { nbf: NaN } }));
    await refused(fnApp, 'nbf-nan', /"nbf" claim must be a NumericDate/);
    const jwt = await issuer.mint({ scopes: ['read:todos'], notBefore: 60 });
    await refused(jwtApp, jwt, /not valid yet/);
  });

  it('R39: valid times are accepted; expiresAt may be left out (the function vouches for the lifetime)', async () => {
    results.set('valid', () => ({
      expiresAt: nowSeconds() + 60,
      claims: { nbf: nowSeconds() - 1, iat: nowSeconds() - 1 },
    }));
    await call(fnApp, 'valid').expect(200);
    results.set('no-exp', () => ({}));
    await call(fnApp, 'no-exp').expect(200);
  });
});
