/**
 * Introspection outcomes in the telemetry (issue 17), against oidc-provider's RFC 7662 endpoint: active, inactive
 * and failure, as `mcp-auth.introspection` events, `mcp_auth.introspections{issuer,outcome}` and
 * `mcp_auth.introspection` spans — none holding the token or the resource server's credentials.
 */
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { McpAuthEvents, type McpAuthEvent } from '../lib/index.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { installOpenTelemetry, valueOf, type InstalledOpenTelemetry } from './support/otel.js';
import { createProtectedApp } from './support/protected-app.js';

const RESOURCE = 'http://127.0.0.1/api';
const CLIENT = { clientId: 'app', clientSecret: 'app-secret-0123456789abcdef' };
const RS = { clientId: 'rs', clientSecret: 'rs-secret-0123456789abcdef' };

describe('telemetry of RFC 7662 introspection (issue 17)', () => {
  let provider: TestProvider;
  let otel: InstalledOpenTelemetry;
  let app: INestApplication;
  const events: McpAuthEvent[] = [];

  beforeAll(async () => {
    provider = await startTestProvider({
      resources: { [RESOURCE]: { scopes: ['read:todos'], accessTokenFormat: 'opaque' } },
      clients: [CLIENT, RS],
    });
    otel = installOpenTelemetry();
    app = await createProtectedApp({
      resource: RESOURCE,
      authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
      verify: { introspection: { ...RS, cacheTtl: 0 } },
    });
    app.get(McpAuthEvents).subscribe((e) => events.push(e));
  });
  afterAll(async () => {
    await app?.close();
    await otel?.uninstall();
    await provider?.close();
  });

  it('active, inactive and failure: events, counted outcomes, spans; the provider reported down then recovered', async () => {
    const token = await provider.clientCredentialsToken({
      ...CLIENT,
      scope: 'read:todos',
      resource: RESOURCE,
    });
    const get = (t: string) =>
      request(app.getHttpServer()).get('/api/todos').set('Authorization', `Bearer ${t}`);
    await get(token).expect(200);
    await get('an-opaque-token-the-provider-never-issued').expect(401);
    provider.setDown(true);
    try {
      await get(token).expect(503);
    } finally {
      provider.setDown(false);
    }
    await get(token).expect(200);

    const outcomes = events.filter((e) => e.type === 'mcp-auth.introspection').map((e) => e.outcome);
    expect(outcomes).toEqual(['active', 'inactive', 'failure', 'active']);
    const metrics = await otel.collect();
    const count = (outcome: string) =>
      valueOf(metrics.get('mcp_auth.introspections'), { issuer: provider.issuer, outcome });
    expect([count('active'), count('inactive'), count('failure')]).toEqual([2, 1, 1]);
    expect(valueOf(metrics.get('mcp_auth.introspection.duration'), { outcome: 'active' })).toBe(2);
    const spans = otel.spans().filter((s) => s.name === 'mcp_auth.introspection');
    expect(spans.map((s) => [s.attributes['mcp_auth.introspection.active'], s.status.code])).toEqual([
      [true, 0],
      [false, 0],
      [undefined, 2],
      [true, 0],
    ]);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['mcp-auth.provider.unavailable', 'mcp-auth.provider.recovered']),
    );
    const everything = JSON.stringify([events, otel.spans().map((s) => s.attributes), [...metrics]]);
    for (const secret of [token, RS.clientSecret, 'an-opaque-token-the-provider-never-issued']) {
      expect(everything).not.toContain(secret);
    }
  });
});
