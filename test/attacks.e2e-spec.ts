/**
 * The attack corpus (test/support/attack-corpus.ts) against one app trusting two real OpenID providers: every case
 * is a named test carrying its requirement ID; each must get the status and challenge the requirements name —
 * never 200 (except the controls), never 500 — without echoing the token, and without any JWKS request for an
 * untrusted issuer. The same corpus runs against the apps of each HTTP adapter.
 */
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ADAPTERS, type AdapterName } from './support/adapters.js';
import {
  ATTACK_RESOURCE as RESOURCE,
  ATTACK_SCOPES as SCOPES,
  sendRaw,
  startAttackWorld,
  type AttackCase,
} from './support/attack-corpus.js';
import { parseBearerChallenge } from './support/parse-challenge.js';
import { createProtectedApp } from './support/protected-app.js';

const PRM = 'http://127.0.0.1/.well-known/oauth-protected-resource/api';
const JWKS_PATH = '/jwks';
const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Everything the suite runs against; closes what it started if the boot fails (else jest would wait forever). */
async function boot() {
  const world = await startAttackWorld();
  const { provider, secondProvider } = world;
  const apps: INestApplication[] = [];
  const listen = async (a: INestApplication) => {
    await a.listen(0, '127.0.0.1');
    return ((a.getHttpServer() as Server).address() as AddressInfo).port;
  };
  /** The app of the corpus and its strict RFC 9068 twin, on one adapter. */
  const cell = async (adapter: AdapterName) => {
    const app = await createProtectedApp(
      {
        resource: RESOURCE,
        authorizationServers: [
          { issuer: provider.issuer, type: 'oidc' },
          { issuer: secondProvider.issuer, type: 'oidc' },
        ],
        scopesSupported: SCOPES,
      },
      undefined,
      adapter,
    );
    apps.push(app);
    const strictApp = await createProtectedApp(
      {
        resource: RESOURCE,
        authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
        strictJwtType: true,
      },
      undefined,
      adapter,
    );
    apps.push(strictApp);
    return { apps: [app, strictApp], ports: { main: await listen(app), strict: await listen(strictApp) } };
  };
  try {
    const cells = { express: await cell('express'), fastify: await cell('fastify') };
    return { ...world, cells };
  } catch (error) {
    await Promise.allSettled(apps.map((a) => a.close()));
    await world.close();
    throw error;
  }
}

// Booted at module level: the corpus (and so the test names) needs the providers' tokens and keys.
const { provider, secondProvider, attacker, cells, cases, close } = await boot();

const title = (c: AttackCase) => {
  const { status, error } = c.expect;
  const what = status === 200 || status === 431 ? '' : error === null ? ' (no error)' : ` ${error}`;
  return `${c.requirement}: ${c.name} → ${status}${what}`;
};
/** Every request any JWKS or discovery endpoint of a trusted provider, or the attacker's server, received. */
const outbound = () => ({
  jwks: provider.requestCount(JWKS_PATH) + secondProvider.requestCount(JWKS_PATH),
  discovery: provider.requestCount(DISCOVERY_PATH) + secondProvider.requestCount(DISCOVERY_PATH),
  attacker: attacker.requests(),
});

describe.each(ADAPTERS)('on %s', (adapter) => {
  const { apps, ports } = cells[adapter];

  describe('attack corpus (R7–R13, R18–R25): every attack is refused with the right status and challenge', () => {
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
    });

    it('the corpus holds at least 60 attacks besides the controls, with unique names', () => {
      const attacks = cases.filter((c) => !c.control);
      expect(attacks.length).toBeGreaterThanOrEqual(60);
      expect(cases.filter((c) => c.control).length).toBeGreaterThanOrEqual(2);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
      expect(cases.every((c) => /^R\d+$/.test(c.requirement))).toBe(true);
    });

    it.each(cases.map((c) => [title(c), c] as const))('%s', async (_title, c) => {
      const before = outbound();
      const res = await sendRaw(ports[c.request.target ?? 'main'], c.request);
      const after = outbound();

      expect(res.status).toBe(c.expect.status);
      expect(res.status).toBeLessThan(500);
      if (!c.control) expect(res.status).toBeGreaterThanOrEqual(400);

      if ([400, 401, 403].includes(res.status)) {
        // Exactly one challenge, strictly parsed (R11), pointing at the configured metadata URL (R12).
        expect(res.headers['www-authenticate']).toHaveLength(1);
        const challenge = parseBearerChallenge(res.headers['www-authenticate'][0]);
        expect(challenge.resource_metadata).toBe(PRM);
        if (c.expect.error === null) {
          expect(challenge.error).toBeUndefined();
        } else {
          expect(challenge.error).toBe(c.expect.error);
          expect(challenge.error_description).toBeTruthy();
          expect(JSON.parse(res.body)).toMatchObject({ error: c.expect.error });
        }
      }
      if (c.secret && c.secret.length >= 16) {
        // R25: the credential is never echoed.
        expect(JSON.stringify(res.headers)).not.toContain(c.secret);
        expect(res.body).not.toContain(c.secret);
      }
      // R20: keys and URLs named by the token are never fetched.
      expect(after.attacker).toBe(before.attacker);
      if (c.noJwksFetch) {
        // R19: an untrusted issuer causes no network call at all.
        expect(after).toEqual(before);
      }
    });

    it('R20, R24: no attack made the module contact the attacker or a token endpoint of the provider', () => {
      expect(attacker.requests()).toBe(0);
      expect(provider.requestCount('/token/introspection')).toBe(0);
      expect(secondProvider.requestCount('/token/introspection')).toBe(0);
    });

    it('both apps still serve after the whole corpus', async () => {
      for (const target of ['main', 'strict'] as const) {
        const control = cases.find((c) => c.control && (c.request.target ?? 'main') === target)!;
        expect((await sendRaw(ports[target], control.request)).status).toBe(200);
      }
    });
  });
});

afterAll(async () => {
  await close();
});
