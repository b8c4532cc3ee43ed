/**
 * R25 across the telemetry (issue 17): the whole attack corpus, the controls and an outage go through apps with
 * every channel on — audit of refused and accepted requests, `McpAuthEvents`, `EventEmitter2`, OpenTelemetry
 * metrics and spans (SDK installed) — and no credential the requests carried appears in any event, attribute,
 * metric point or log line.
 */
import { Injectable, Module } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { McpAuthEvents, McpAuthModule, type McpAuthModuleOptions } from '../lib/index.js';
import { buildAttackCorpus, sendRaw, startAttackerServer, type AttackCase } from './support/attack-corpus.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { startDownstreamApp, startExchangeProvider } from './support/downstream.js';
import { startTestProvider } from './support/oidc-provider.js';
import { installOpenTelemetry } from './support/otel.js';
import { ProtectedFeatureModule } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';
const OTHER_RESOURCE = 'http://127.0.0.1/other';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
const SCOPES = ['read:todos', 'create:todos'];

/** Every event heard through `@OnEvent('mcp-auth.**')`, serialized. */
@Injectable()
class EverythingListener {
  static readonly heard: string[] = [];
  @OnEvent('mcp-auth.**')
  on(event: unknown) {
    EverythingListener.heard.push(JSON.stringify(event));
  }
}

/** Credentials a request carries: its `secret`, and every token-like run in its headers, query string and body. */
function credentials(c: AttackCase): string[] {
  const carried = [c.request.path?.split('?')[1] ?? '', c.request.body ?? ''];
  const headers = c.request.headers;
  for (let i = 0; i < headers.length; i += 2) {
    if (/^(authorization|cookie)$/i.test(headers[i].trim())) carried.push(headers[i + 1]);
  }
  const runs = carried.flatMap((value) => value.match(/[A-Za-z0-9_-]{16,}/g) ?? []);
  return [...new Set([...(c.secret && c.secret.length >= 16 ? [c.secret] : []), ...runs])];
}

describe('R25: no token in any event, span attribute, metric point or audit line (issue 17)', () => {
  it('R25: the attack corpus, the controls and an outage leave no credential in the telemetry', async () => {
    const otel = installOpenTelemetry();
    const logger = new CapturingLogger();
    const started: Array<{ close(): Promise<unknown> }> = [];
    try {
      const provider = await startTestProvider({
        resources: {
          [RESOURCE]: { scopes: SCOPES },
          [OTHER_RESOURCE]: { scopes: ['read:todos'], alg: 'PS256' },
        },
        clients: [{ ...CLIENT, scopes: SCOPES }],
      });
      started.push(provider);
      const secondProvider = await startTestProvider({
        resources: { [RESOURCE]: { scopes: SCOPES } },
        clients: [{ ...CLIENT, scopes: SCOPES }],
      });
      started.push(secondProvider);
      const attacker = await startAttackerServer();
      started.push(attacker);

      const events: string[] = [];
      const boot = async (options: Partial<McpAuthModuleOptions>) => {
        const moduleRef = await Test.createTestingModule({
          imports: [
            EventEmitterModule.forRoot({ wildcard: true }),
            McpAuthModule.forRoot({
              resource: RESOURCE,
              authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
              scopesSupported: SCOPES,
              audit: { refused: true, accepted: true },
              refusalLimit: { max: 1_000 },
              jwks: { cooldown: 0 },
              ...options,
            }),
            ProtectedFeatureModule,
          ],
          providers: [EverythingListener],
        }).compile();
        const app = moduleRef.createNestApplication({ logger });
        app.useLogger(logger);
        app.get(McpAuthEvents).subscribe((event) => events.push(JSON.stringify(event)));
        started.push(app);
        await app.listen(0, '127.0.0.1');
        return { app, port: ((app.getHttpServer() as Server).address() as AddressInfo).port };
      };
      const main = await boot({
        authorizationServers: [
          { issuer: provider.issuer, type: 'oidc' },
          { issuer: secondProvider.issuer, type: 'oidc' },
        ],
      });
      const strict = await boot({ strictJwtType: true });

      const token = (p: typeof provider, scope: string, resource = RESOURCE) =>
        p.clientCredentialsToken({ ...CLIENT, scope, resource });
      const cases = await buildAttackCorpus({
        resource: RESOURCE,
        otherResource: OTHER_RESOURCE,
        provider,
        secondProvider,
        validToken: await token(provider, 'read:todos create:todos'),
        readOnlyToken: await token(provider, 'read:todos'),
        otherResourceToken: await token(provider, 'read:todos', OTHER_RESOURCE),
        secondProviderToken: await token(secondProvider, 'read:todos'),
        attacker,
      });
      const ports = { main: main.port, strict: strict.port };
      for (const c of cases) await sendRaw(ports[c.request.target ?? 'main'], c.request);
      // An outage: the provider goes away, a token naming an unknown key forces a key set fetch.
      const outageToken = await token(provider, 'read:todos');
      await provider.close();
      const outage = await sendRaw(main.port, {
        headers: ['Authorization', `Bearer ${outageToken.replace(/^[^.]+/, forgedHeader())}`],
      });
      expect(outage.status).toBeGreaterThanOrEqual(400);

      const metrics = await otel.collect();
      const spans = otel
        .spans()
        .map((s) => JSON.stringify({ name: s.name, attributes: s.attributes, status: s.status }));
      const telemetry = [
        ...logger.lines,
        ...events,
        ...EverythingListener.heard,
        ...spans,
        JSON.stringify([...metrics.entries()]),
      ].join('\n');

      // It did report: decisions of both kinds, the audit trail, spans of provider calls.
      expect(logger.lines.some((l) => l.includes('"event":"refused"') && l.includes('McpAuthAudit'))).toBe(
        true,
      );
      expect(logger.lines.some((l) => l.includes('"event":"accepted"'))).toBe(true);
      expect(events.some((e) => e.includes('"type":"mcp-auth.jwks.failed"'))).toBe(true);
      expect(EverythingListener.heard.length).toBeGreaterThanOrEqual(cases.length);
      expect(spans.some((s) => s.includes('mcp_auth.jwks.fetch'))).toBe(true);

      const leaked = cases.flatMap((c) =>
        credentials(c)
          .filter((secret) => telemetry.includes(secret))
          .map(() => c.name),
      );
      expect(leaked).toEqual([]);
      for (const piece of outageToken.split('.').slice(1)) expect(telemetry).not.toContain(piece);
      expect(telemetry).not.toContain(CLIENT.clientSecret);
    } finally {
      await Promise.allSettled(started.reverse().map((s) => s.close()));
      await otel.uninstall();
    }
  }, 120_000);
});

describe('R25: no token in the telemetry of token exchanges for downstream calls (issue 17)', () => {
  @Module({ providers: [EverythingListener] })
  class ListenerModule {}

  it('R25, R24: exchanges — success, cache hit, refusal, client credentials, provider down — leave no token or secret', async () => {
    const otel = installOpenTelemetry();
    const logger = new CapturingLogger();
    const setup = await startExchangeProvider();
    const closing: Array<() => Promise<unknown>> = [() => setup.provider.close()];
    try {
      const started = await startDownstreamApp(
        setup,
        {
          client: setup.basic,
          targets: {
            archive: { resource: setup.archive, scopes: ['archive:write'] },
            service: { grant: 'client-credentials', resource: setup.archive, scopes: ['archive:read'] },
            badSecret: {
              resource: setup.archive,
              client: { ...setup.basic, clientSecret: 'wrong-secret-0123456789abcdef' },
            },
          },
          cache: { margin: 1 },
        },
        {
          logger,
          imports: [EventEmitterModule.forRoot({ wildcard: true }), { module: ListenerModule }],
          auth: { audit: { refused: true, accepted: true } },
        },
      );
      closing.unshift(() => started.close());
      const events: string[] = [];
      started.app.get(McpAuthEvents).subscribe((event) => events.push(JSON.stringify(event)));
      const heardBefore = EverythingListener.heard.length;

      const secrets = [...setup.secrets, 'wrong-secret-0123456789abcdef'];
      const token = async (account: string) => {
        const minted = await setup.userToken(account);
        secrets.push(minted);
        return minted;
      };
      const [alice, mallory, late] = [await token('alice'), await token('mallory'), await token('late')];
      const relay = (bearer: string, target = 'archive') =>
        request(started.app.getHttpServer())
          .get(`/relay?target=${target}`)
          .set('Authorization', `Bearer ${bearer}`);
      // An exchange, a cache hit, a refused exchange (invalid_grant), a bad client secret, client credentials.
      expect((await relay(alice)).status).toBe(200);
      expect((await relay(alice)).status).toBe(200);
      expect((await relay(mallory)).status).toBeGreaterThanOrEqual(400);
      expect((await relay(alice, 'badSecret')).status).toBeGreaterThanOrEqual(400);
      const issued = [
        await started.tokens.getToken('archive', await started.verify(alice)),
        await started.tokens.getToken('service'),
      ];
      secrets.push(...issued.map((t) => t.accessToken));
      // The provider goes away: the next exchange fails (provider unavailable).
      const lateCaller = await started.verify(late);
      await setup.provider.close();
      await expect(started.tokens.getToken('archive', lateCaller)).rejects.toMatchObject({
        code: expect.stringMatching(/^provider_/),
      });

      const metrics = await otel.collect();
      const spans = otel
        .spans()
        .map((s) => JSON.stringify({ name: s.name, attributes: s.attributes, status: s.status }));
      const telemetry = [
        ...logger.lines,
        ...events,
        ...EverythingListener.heard.slice(heardBefore),
        ...spans,
        JSON.stringify([...metrics.entries()]),
      ].join('\n');

      // It did report every kind of exchange.
      const outcomes = events.filter((e) => e.includes('"type":"mcp-auth.exchange"'));
      for (const outcome of ['success', 'cached', 'failure'])
        expect(outcomes.some((e) => e.includes(`"outcome":"${outcome}"`))).toBe(true);
      expect(spans.filter((s) => s.includes('mcp_auth.token_exchange')).length).toBeGreaterThanOrEqual(4);
      expect(logger.lines.some((l) => l.includes('"event":"accepted"'))).toBe(true);

      for (const secret of secrets) {
        expect(telemetry).not.toContain(secret);
        for (const piece of secret.split('.').filter((p) => p.length >= 16))
          expect(telemetry).not.toContain(piece);
      }
    } finally {
      for (const close of closing) await close().catch(() => undefined);
      await otel.uninstall();
    }
  }, 60_000);
});

/** A JWS header naming a key the provider never published (base64url JSON). */
function forgedHeader(): string {
  return Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rotated-away', typ: 'at+jwt' })).toString(
    'base64url',
  );
}
