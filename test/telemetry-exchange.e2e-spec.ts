/**
 * Token exchanges for downstream calls in the telemetry (issue 17), with the OpenTelemetry SDK installed as an app
 * would and the real development provider: each request to the token endpoint is one `mcp_auth.token_exchange`
 * span, counted in `mcp_auth.exchanges` and `mcp_auth.exchange.duration` by grant and outcome, and one
 * `mcp-auth.exchange` event naming the caller and the target; a token answered from the cache is counted
 * (`outcome="cached"`) and emitted without a span; a refused exchange says its error code, never a message.
 */
import { McpAuthEvents, type McpAuthExchangeEvent, type McpAuthInfo } from '../lib/index.js';
import {
  startDownstreamApp,
  startExchangeProvider,
  type DownstreamApp,
  type ExchangeProvider,
} from './support/downstream.js';
import { installOpenTelemetry, valueOf, type InstalledOpenTelemetry } from './support/otel.js';

describe('telemetry of token exchanges for downstream calls (issue 17)', () => {
  let setup: ExchangeProvider;
  let otel: InstalledOpenTelemetry;
  let started: DownstreamApp;
  const events: McpAuthExchangeEvent[] = [];
  /** Alice's auth info (one client, one token: the cache key is the caller and its client). */
  let alice: McpAuthInfo;

  beforeAll(async () => {
    setup = await startExchangeProvider();
    otel = installOpenTelemetry();
    started = await startDownstreamApp(setup, {
      client: setup.basic,
      targets: {
        archive: { resource: setup.archive, scopes: ['archive:write'] },
        service: { grant: 'client-credentials', resource: setup.archive, scopes: ['archive:read'] },
      },
      cache: { margin: 1 },
    });
    started.app
      .get(McpAuthEvents)
      .on('mcp-auth.exchange')
      .subscribe((e) => events.push(e));
  });
  afterAll(async () => {
    await started?.close();
    await otel?.uninstall();
    await setup?.provider.close();
  });

  const caller = async (account: string): Promise<McpAuthInfo> =>
    started.verify(await setup.userToken(account));
  const exchangeSpans = () => otel.spans().filter((s) => s.name === 'mcp_auth.token_exchange');

  it('a token exchange: one CLIENT span, counted with its duration, one event naming the caller and the target', async () => {
    alice = await caller('alice');
    await started.tokens.getToken('archive', alice);

    expect(exchangeSpans()).toHaveLength(1);
    const [span] = exchangeSpans();
    expect(span.attributes).toEqual({ 'mcp_auth.grant': 'token-exchange', 'mcp_auth.target': 'archive' });
    expect(span.kind).toBe(2); // SpanKind.CLIENT
    const metrics = await otel.collect();
    const success = { grant: 'token-exchange', outcome: 'success' };
    expect(valueOf(metrics.get('mcp_auth.exchanges'), success)).toBe(1);
    expect(valueOf(metrics.get('mcp_auth.exchange.duration'), success)).toBe(1);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'mcp-auth.exchange',
        grant: 'token-exchange',
        target: 'archive',
        outcome: 'success',
        issuer: alice.issuer,
        subject: 'alice',
        durationMs: expect.any(Number),
      }),
    ]);
  });

  it('a cache hit is counted (outcome "cached") and emitted, without a span or a duration', async () => {
    const spans = exchangeSpans().length;
    const before = events.length;
    await started.tokens.getToken('archive', { auth: alice });

    expect(exchangeSpans()).toHaveLength(spans);
    const metrics = await otel.collect();
    expect(valueOf(metrics.get('mcp_auth.exchanges'), { grant: 'token-exchange', outcome: 'cached' })).toBe(
      1,
    );
    expect(valueOf(metrics.get('mcp_auth.exchange.duration'), { outcome: 'cached' })).toBe(0);
    expect(events.slice(before)).toEqual([
      expect.objectContaining({ target: 'archive', outcome: 'cached', subject: 'alice', durationMs: 0 }),
    ]);
  });

  it('a refused exchange: the span is an error with the code, counted as a failure, the event says the code', async () => {
    const before = events.length;
    await expect(started.tokens.getToken('archive', await caller('mallory'))).rejects.toMatchObject({
      code: 'invalid_grant',
    });

    const failed = exchangeSpans().at(-1)!;
    expect(failed.status).toEqual({ code: 2, message: 'invalid_grant' }); // SpanStatusCode.ERROR
    const metrics = await otel.collect();
    expect(valueOf(metrics.get('mcp_auth.exchanges'), { grant: 'token-exchange', outcome: 'failure' })).toBe(
      1,
    );
    expect(events.slice(before)).toEqual([
      expect.objectContaining({ outcome: 'failure', reason: 'invalid_grant', subject: 'mallory' }),
    ]);
  });

  it('client credentials: reported with the grant and the issuer asked, no caller', async () => {
    const before = events.length;
    await started.tokens.getToken('service');
    await started.tokens.getToken('service');

    const metrics = await otel.collect();
    expect(
      valueOf(metrics.get('mcp_auth.exchanges'), { grant: 'client-credentials', outcome: 'success' }),
    ).toBe(1);
    expect(
      valueOf(metrics.get('mcp_auth.exchanges'), { grant: 'client-credentials', outcome: 'cached' }),
    ).toBe(1);
    const reported = events.slice(before);
    expect(reported.map((e) => e.outcome)).toEqual(['success', 'cached']);
    expect(reported[0]).toMatchObject({
      grant: 'client-credentials',
      target: 'service',
      issuer: setup.provider.issuer,
    });
    expect(reported[0].subject).toBeUndefined();
  });
});
