import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { McpAuthConfigError, type McpAuthModuleOptions } from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { createLoggedProtectedApp, type CapturingLogger } from './support/capturing-logger.js';
import { createProtectedApp } from './support/protected-app.js';
import {
  startRecorder,
  startRedirector,
  type RecordingServer,
  type RedirectingServer,
} from './support/redirecting-servers.js';

const RESOURCE = 'http://127.0.0.1/api';
const SECRET = 'rs-secret-never-to-leave-0123456789';
const OPAQUE = 'opaque-token-never-to-leave-0123456789';
const now = () => Math.floor(Date.now() / 1000);

/**
 * R36: no redirect is ever followed on a request to the provider. Each case points the library at a server that
 * answers with a redirect to a second server, which records everything it receives and answers with what a forger
 * would (an active introspection result, valid metadata, the real key set): it must receive nothing.
 */
describe('R36: provider redirects are never followed', () => {
  let redirector: RedirectingServer;
  let recorder: RecordingServer;
  const apps: INestApplication[] = [];

  beforeEach(async () => {
    recorder = await startRecorder({ status: 200, body: {} });
    redirector = await startRedirector(recorder.origin);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await redirector.close();
    await recorder.close();
  });

  const logged = async (options: McpAuthModuleOptions) => {
    const booted = await createLoggedProtectedApp(options);
    apps.push(booted.app);
    return booted;
  };
  /** The log holds the redirect's status and the Location's origin at most: no path, no token, no secret. */
  const expectLoggedWithoutSecrets = (logger: CapturingLogger, status: number) => {
    const everything = logger.lines.join('\n');
    expect(everything).toContain(`HTTP ${status} redirecting to ${recorder.origin}`);
    expect(everything).not.toContain(`${recorder.origin}/`);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(OPAQUE);
  };

  describe('introspection (the request carries the token and the client credentials)', () => {
    const forged = () => ({
      active: true,
      iss: redirector.origin,
      aud: RESOURCE,
      sub: 'attacker',
      client_id: 'forged',
      scope: 'read:todos',
      exp: now() + 600,
    });
    const introspectionApp = (authMethod: 'client_secret_basic' | 'client_secret_post') =>
      logged({
        resource: RESOURCE,
        retryAfter: 7,
        // The endpoint published by the provider's own metadata redirects.
        authorizationServers: [
          {
            metadata: {
              issuer: redirector.origin,
              introspection_endpoint: `${redirector.origin}/introspect`,
            },
          },
        ] as never,
        verify: { introspection: { clientId: 'rs', clientSecret: SECRET, authMethod, cacheTtl: 0 } },
      });

    it.each([
      ['client_secret_basic', 301],
      ['client_secret_basic', 302],
      ['client_secret_basic', 303],
      ['client_secret_basic', 307],
      ['client_secret_basic', 308],
      ['client_secret_post', 307],
      ['client_secret_post', 308],
    ] as const)(
      'R36: %s, the endpoint answers %i → 503 + Retry-After; the other host receives nothing',
      async (authMethod, status) => {
        recorder.answer = { status: 200, body: forged() };
        redirector.status = status;
        const { app, logger } = await introspectionApp(authMethod);
        const res = await request(app.getHttpServer())
          .get('/api/todos')
          .set('Authorization', `Bearer ${OPAQUE}`)
          .expect(503);
        expect(res.headers['retry-after']).toBe('7');
        expect(redirector.received).toEqual([{ method: 'POST', url: '/introspect' }]);
        expect(recorder.received).toEqual([]);
        expectLoggedWithoutSecrets(logger, status);
        expect(JSON.stringify(res.body)).not.toContain(recorder.origin);
      },
    );

    it('R36: an explicit introspection endpoint option that redirects is refused the same way', async () => {
      recorder.answer = { status: 200, body: forged() };
      const { app, logger } = await logged({
        resource: RESOURCE,
        authorizationServers: [{ metadata: { issuer: redirector.origin } }] as never,
        verify: {
          introspection: {
            endpoint: `${redirector.origin}/introspect`,
            clientId: 'rs',
            clientSecret: SECRET,
            authMethod: 'client_secret_post',
          },
        },
      });
      await request(app.getHttpServer()).get('/api/me').set('Authorization', `Bearer ${OPAQUE}`).expect(503);
      expect(recorder.received).toEqual([]);
      expectLoggedWithoutSecrets(logger, 307);
    });
  });

  describe('discovery (a documented rule: never followed, a boot error naming the Location)', () => {
    const metadataAt = (issuer: string) => ({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      code_challenge_methods_supported: ['S256'],
    });

    it('R36: eager discovery: a redirect fails the boot with ERR_DISCOVERY_REDIRECT naming the Location', async () => {
      // Following it would succeed: the other host serves metadata whose issuer is the configured one.
      recorder.answer = { status: 200, body: metadataAt(redirector.origin) };
      const error = await createProtectedApp({
        resource: RESOURCE,
        authorizationServers: [{ issuer: redirector.origin, type: 'oidc' }],
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpAuthConfigError);
      const location = `${recorder.origin}/.well-known/openid-configuration`;
      expect((error as McpAuthConfigError).code).toBe('ERR_DISCOVERY_REDIRECT');
      expect((error as McpAuthConfigError).option).toBe('authorizationServers[0]');
      expect((error as Error).message).toContain(`HTTP 307 redirecting to ${location}`);
      expect((error as Error).message).toContain('wellKnownUrl');
      expect(recorder.received).toEqual([]);

      // The fix the message names: configure the Location as wellKnownUrl.
      const app = await createProtectedApp({
        resource: RESOURCE,
        authorizationServers: [{ issuer: redirector.origin, type: 'oidc', wellKnownUrl: location }],
      });
      apps.push(app);
      expect(recorder.received.map((r) => r.url)).toEqual(['/.well-known/openid-configuration']);
    });

    it('R36: lazy discovery: a redirect is a provider fault at request time (503), the other host receives nothing', async () => {
      recorder.answer = { status: 200, body: metadataAt(redirector.origin) };
      const { app } = await logged({
        resource: RESOURCE,
        discovery: 'lazy',
        authorizationServers: [{ issuer: redirector.origin, type: 'oidc' }],
      });
      const issuer = await startLocalIssuer({ claims: { iss: redirector.origin }, audience: RESOURCE });
      try {
        const res = await request(app.getHttpServer())
          .get('/api/todos')
          .set('Authorization', `Bearer ${await issuer.mint({ scopes: ['read:todos'] })}`)
          .expect(503);
        expect(res.headers['retry-after']).toBeDefined();
      } finally {
        await issuer.close();
      }
      expect(recorder.received).toEqual([]);
    });
  });

  describe('JWKS (a documented rule: never followed, a provider fault)', () => {
    let issuer: LocalIssuer;
    afterEach(() => issuer.close());

    it('R36: a jwks_uri that redirects → 503 + Retry-After; the other host (serving the real keys) receives nothing', async () => {
      issuer = await startLocalIssuer({
        audience: RESOURCE,
        metadata: (document) => ({ ...document, jwks_uri: `${redirector.origin}/jwks` }),
      });
      recorder.answer = { status: 200, body: await (await fetch(issuer.jwksUri)).json() };
      const { app, logger } = await logged({
        resource: RESOURCE,
        retryAfter: 4,
        authorizationServers: [issuer.authorizationServer],
      });
      const token = await issuer.mint({ scopes: ['read:todos'] });
      const res = await request(app.getHttpServer())
        .get('/api/todos')
        .set('Authorization', `Bearer ${token}`)
        .expect(503);
      expect(res.headers['retry-after']).toBe('4');
      expect(redirector.received).toEqual([{ method: 'GET', url: '/jwks' }]);
      expect(recorder.received).toEqual([]);
      expectLoggedWithoutSecrets(logger, 307);
      for (const segment of token.split('.')) expect(logger.lines.join('\n')).not.toContain(segment);
    });
  });
});
