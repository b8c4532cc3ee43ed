/**
 * Events, OpenTelemetry metrics and spans (issue 17), with the SDK installed as an app would (global providers,
 * in-memory exporters) and `EventEmitterModule` imported: the metric names and attributes, the spans around provider
 * calls (and none per cached verification), and the events — for accepted requests, every refusal reason, an
 * outage and a key rotation. On Express and on Fastify.
 */
import { Injectable, type INestApplication } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  McpAuthEvents,
  McpAuthModule,
  type McpAuthErrorCode,
  type McpAuthEvent,
  type McpAuthRefusedEvent,
} from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { ADAPTERS, createApp } from './support/adapters.js';
import { installOpenTelemetry, valueOf, type InstalledOpenTelemetry } from './support/otel.js';
import { ProtectedFeatureModule } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';

/** Hears `mcp-auth.refused` through `@nestjs/event-emitter`, as an app would. */
@Injectable()
class RefusalListener {
  readonly heard: McpAuthRefusedEvent[] = [];
  @OnEvent('mcp-auth.refused')
  onRefused(event: McpAuthRefusedEvent) {
    this.heard.push(event);
  }
}

describe.each(ADAPTERS)('telemetry on %s: events, metrics and spans (issue 17)', (adapter) => {
  let issuer: LocalIssuer;
  let otel: InstalledOpenTelemetry;
  let app: INestApplication;
  let listener: RefusalListener;
  const events: McpAuthEvent[] = [];
  const get = (token?: string, path = '/api/todos') => {
    const req = request(app.getHttpServer()).get(path);
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };

  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: RESOURCE });
    otel = installOpenTelemetry();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        McpAuthModule.forRoot({
          resource: RESOURCE,
          authorizationServers: [issuer.authorizationServer],
          jwks: { cooldown: 0 },
          audit: false,
        }),
        ProtectedFeatureModule,
      ],
      providers: [RefusalListener],
    }).compile();
    moduleRef.get(McpAuthEvents).subscribe((event) => events.push(event));
    app = await createApp(adapter, moduleRef);
    listener = app.get(RefusalListener);
  });
  afterAll(async () => {
    await app?.close();
    await otel?.uninstall();
    await issuer?.close();
  });

  it('boot: the discovery is one span, one counted success and one event', async () => {
    const metrics = await otel.collect();
    expect(
      valueOf(metrics.get('mcp_auth.discovery.fetches'), { issuer: issuer.issuer, outcome: 'success' }),
    ).toBe(1);
    const span = otel.spans().find((s) => s.name === 'mcp_auth.discovery');
    expect(span?.attributes).toEqual({ 'mcp_auth.issuer': issuer.issuer });
    expect(valueOf(metrics.get('mcp_auth.provider.up'), { issuer: issuer.issuer })).toBe(1);
    expect(events.filter((e) => e.type === 'mcp-auth.discovery.done')).toEqual([
      expect.objectContaining({ issuer: issuer.issuer, durationMs: expect.any(Number) }),
    ]);
  });

  it('accepted: decisions{result=accepted}, the duration histogram, one key set fetch span; a cached token adds no span', async () => {
    const token = await issuer.mint({ subject: 'alice', clientId: 'app-1', scopes: ['read:todos'] });
    await get(token).expect(200);
    const spansAfterFirst = otel.spans().length;
    await get(token).expect(200); // verified a second time: now cached (tokenCache.admission 'second-use')
    await get(token).expect(200);
    await get(token).expect(200);
    expect(otel.spans().length).toBe(spansAfterFirst);

    const metrics = await otel.collect();
    expect(valueOf(metrics.get('mcp_auth.decisions'), { result: 'accepted', resource: RESOURCE })).toBe(4);
    // Timed when the token was verified (its first two uses), not when the cache answered.
    expect(
      valueOf(metrics.get('mcp_auth.verification.duration'), { result: 'accepted', resource: RESOURCE }),
    ).toBe(2);
    expect(valueOf(metrics.get('mcp_auth.jwks.fetches'), { issuer: issuer.issuer, outcome: 'success' })).toBe(
      1,
    );
    expect(valueOf(metrics.get('mcp_auth.token_cache.hits'), { cache: 'jwt', resource: RESOURCE })).toBe(2);
    expect(valueOf(metrics.get('mcp_auth.token_cache.misses'), { cache: 'jwt', resource: RESOURCE })).toBe(2);
    expect(valueOf(metrics.get('mcp_auth.token_cache.size'), { cache: 'jwt', resource: RESOURCE })).toBe(1);
    const jwksSpans = otel.spans().filter((s) => s.name === 'mcp_auth.jwks.fetch');
    expect(jwksSpans).toHaveLength(1);
    expect(jwksSpans[0].attributes).toEqual({
      'mcp_auth.issuer': issuer.issuer,
      'url.full': issuer.jwksUri,
      'http.response.status_code': 200,
    });

    const accepted = events.filter((e) => e.type === 'mcp-auth.accepted');
    expect(accepted).toHaveLength(4);
    expect(accepted[0]).toMatchObject({
      resource: RESOURCE,
      route: '/api/todos',
      method: 'GET',
      issuer: issuer.issuer,
      subject: 'alice',
      clientId: 'app-1',
      scopes: ['read:todos'],
    });
    expect(accepted[0].type === 'mcp-auth.accepted' && accepted[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(events.find((e) => e.type === 'mcp-auth.jwks.fetched')).toMatchObject({
      issuer: issuer.issuer,
      keys: 1,
    });
  });

  it('refused: decisions{result=refused, reason} for each reason, as events and through @OnEvent', async () => {
    const cases: Array<[McpAuthErrorCode, () => Promise<request.Response>]> = [
      ['ERR_MISSING_TOKEN', () => get()],
      ['ERR_INVALID_REQUEST', async () => get(await issuer.mint(), '/api/todos?access_token=x')],
      ['ERR_TOKEN_MALFORMED', () => get('not-a-jwt')],
      ['ERR_TOKEN_SIGNATURE', async () => get(`${(await issuer.mint()).slice(0, -6)}AAAAAA`)],
      ['ERR_TOKEN_EXPIRED', async () => get(await issuer.mint({ scopes: ['read:todos'], expiresIn: -60 }))],
      ['ERR_TOKEN_NOT_YET_VALID', async () => get(await issuer.mint({ notBefore: 600 }))],
      ['ERR_TOKEN_ISSUER', async () => get(await issuer.mint({ claims: { iss: 'https://evil.example' } }))],
      ['ERR_TOKEN_AUDIENCE', async () => get(await issuer.mint({ audience: 'https://elsewhere.example' }))],
      ['ERR_TOKEN_INVALID', async () => get(await issuer.mint({ claims: { exp: 'soon' } }))],
      ['ERR_INSUFFICIENT_SCOPE', async () => get(await issuer.mint({ subject: 'bob', scopes: [] }))],
    ];
    const status = (reason: McpAuthErrorCode) =>
      reason === 'ERR_INVALID_REQUEST' ? 400 : reason === 'ERR_INSUFFICIENT_SCOPE' ? 403 : 401;
    for (const [reason, send] of cases) {
      expect([reason, (await send()).status]).toEqual([reason, status(reason)]);
    }
    const metrics = await otel.collect();
    const decisions = metrics.get('mcp_auth.decisions');
    for (const [reason] of cases) {
      expect([reason, valueOf(decisions, { result: 'refused', reason, resource: RESOURCE })]).toEqual([
        reason,
        1,
      ]);
    }
    const refused = events.filter((e): e is McpAuthRefusedEvent => e.type === 'mcp-auth.refused');
    expect(refused.map((e) => e.reason)).toEqual(cases.map(([reason]) => reason));
    expect(listener.heard.map((e) => e.reason)).toEqual(cases.map(([reason]) => reason));
    // The caller is named only when the token was verified (insufficient scope).
    expect(refused.find((e) => e.reason === 'ERR_INSUFFICIENT_SCOPE')).toMatchObject({
      subject: 'bob',
      issuer: issuer.issuer,
      status: 403,
      requiredScopes: ['read:todos'],
    });
    expect(refused.filter((e) => e.subject !== undefined)).toHaveLength(1);
    expect(refused.find((e) => e.reason === 'ERR_INVALID_REQUEST')?.route).toBe('/api/todos');
  });

  it('outage: the key set fetch fails (span error, counted, provider down, 503), then recovers', async () => {
    const kid = await issuer.addKey();
    issuer.setDown(true);
    const during = await get(await issuer.mint({ scopes: ['read:todos'], header: { kid } }));
    expect(during.status).toBe(503);
    let metrics = await otel.collect();
    expect(valueOf(metrics.get('mcp_auth.jwks.fetches'), { issuer: issuer.issuer, outcome: 'failure' })).toBe(
      1,
    );
    expect(valueOf(metrics.get('mcp_auth.provider.up'), { issuer: issuer.issuer })).toBe(0);
    expect(
      valueOf(metrics.get('mcp_auth.decisions'), { result: 'refused', reason: 'ERR_PROVIDER_UNAVAILABLE' }),
    ).toBe(1);
    const failed = otel.spans().filter((s) => s.name === 'mcp_auth.jwks.fetch' && s.status.code === 2);
    expect(failed.map((s) => [s.attributes['http.response.status_code'], s.status.message])).toEqual([
      [503, 'HTTP 503'],
    ]);
    expect(events.find((e) => e.type === 'mcp-auth.jwks.failed')).toMatchObject({ issuer: issuer.issuer });
    expect(events.find((e) => e.type === 'mcp-auth.provider.unavailable')).toMatchObject({ source: 'jwks' });

    issuer.setDown(false);
    await get(await issuer.mint({ scopes: ['read:todos'], header: { kid } })).expect(200);
    metrics = await otel.collect();
    expect(valueOf(metrics.get('mcp_auth.provider.up'), { issuer: issuer.issuer })).toBe(1);
    expect(events.find((e) => e.type === 'mcp-auth.provider.recovered')).toMatchObject({ source: 'jwks' });
  });

  it('rotation: a new key set with other keys counts mcp_auth.jwks.rotations and emits jwks.rotated', async () => {
    const before = (await otel.collect()).get('mcp_auth.jwks.rotations');
    const rotatedBefore = valueOf(before, { issuer: issuer.issuer });
    const kid = await issuer.addKey();
    await get(await issuer.mint({ scopes: ['read:todos'], header: { kid } })).expect(200);
    const metrics = await otel.collect();
    expect(valueOf(metrics.get('mcp_auth.jwks.rotations'), { issuer: issuer.issuer })).toBe(
      rotatedBefore + 1,
    );
    const rotated = events.filter((e) => e.type === 'mcp-auth.jwks.rotated');
    expect(rotated.at(-1)).toMatchObject({ issuer: issuer.issuer, added: 1, removed: 0 });
  });
});
