import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { McpAuthError, type McpAuthErrorCode } from '../core/mcp-auth.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import { AuditLog, type AuditConfig } from './audit-log.js';
import { AuthMetrics, type OpenTelemetryApi } from './auth-metrics.js';
import type { CacheStats } from './cache-stats.js';
import { AuthTracing, type SpanOutcome } from './auth-tracing.js';
import { addressKey, clientAddress, type AddressedRequest } from './client-address.js';
import type { McpAuthCaller, McpAuthEvent, ProviderSource } from './mcp-auth-event.js';
import { McpAuthEvents } from './mcp-auth-events.js';
import { invocationOf } from './mcp-invocation-site.js';
import { loadOpenTelemetry } from './optional-peers.js';
import { ProviderHealth } from './provider-health.js';
import { RefusalLimiter, type RefusalLimitConfig } from './refusal-limiter.js';

/** What the telemetry is asked to do (from the module's options). */
export interface TelemetrySettings {
  /** Metrics and spans through `@opentelemetry/api` when it is installed. */
  readonly openTelemetry: boolean;
  readonly audit: AuditConfig | false;
  readonly refusalLimit: RefusalLimitConfig | false;
  /** The route a request matched, as the app declared it (never the request URL). */
  readonly routeOf?: (req: DecisionRequest) => string | undefined;
}

/** What the telemetry reads of a request being decided. */
export type DecisionRequest = AddressedRequest & { readonly method?: string };

/** What the downstream layer tells of a token exchange (see {@link McpAuthTelemetry.exchange}). */
export interface ExchangeDetails extends McpAuthCaller {
  /** `token-exchange` (RFC 8693), `on-behalf-of`, `client-credentials`… */
  readonly grant: string;
  /** The downstream target, by its name in the `downstream.targets` option (`archive`). */
  readonly target?: string;
}

/** Refusals that count towards `refusalLimit`: a bad token or a malformed request, never a missing one. */
const COUNTED: ReadonlySet<McpAuthErrorCode> = new Set<McpAuthErrorCode>([
  'ERR_INVALID_REQUEST',
  'ERR_TOKEN_MALFORMED',
  'ERR_TOKEN_SIGNATURE',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_NOT_YET_VALID',
  'ERR_TOKEN_ISSUER',
  'ERR_TOKEN_AUDIENCE',
  'ERR_TOKEN_TYPE',
  'ERR_TOKEN_INVALID',
]);

const ms = (from: number, to = performance.now()) => Math.round((to - from) * 1000) / 1000;

/** An error as a short reason: its `code` (McpAuthError, McpAuthConfigError, jose), else its name. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'unknown';
}

/**
 * Where every layer reports what happened — decisions, provider calls, token exchanges — and where the reports
 * fan out: `McpAuthEvents` (RxJS and `EventEmitter2`), OpenTelemetry metrics and spans, the audit trail, the
 * health state, and the per-address refusal limit. Built once per module (`create`); the layers hold it.
 *
 * The hot path (a token already verified) costs an increment and a WeakSet lookup when an SDK is installed, one
 * check each for events and audit otherwise; no object is built unless someone listens.
 */
export class McpAuthTelemetry {
  private readonly metrics?: AuthMetrics;
  private readonly tracing?: AuthTracing;
  private readonly audit?: AuditLog;
  private readonly limiter?: RefusalLimiter;
  private readonly routeOf?: (req: DecisionRequest) => string | undefined;

  private constructor(
    settings: TelemetrySettings,
    readonly events: McpAuthEvents,
    readonly health: ProviderHealth,
    api: OpenTelemetryApi | undefined,
  ) {
    if (api) {
      this.metrics = AuthMetrics.create(api, (issuer) => !health.isDown(issuer), health.issuers);
      this.tracing = new AuthTracing(api);
    }
    if (settings.audit) this.audit = new AuditLog(settings.audit);
    if (settings.refusalLimit) this.limiter = new RefusalLimiter(settings.refusalLimit);
    this.routeOf = settings.routeOf;
  }

  /** The telemetry of a module: loads `@opentelemetry/api` when asked and installed. */
  static async create(
    settings: TelemetrySettings,
    events: McpAuthEvents,
    health: ProviderHealth,
  ): Promise<McpAuthTelemetry> {
    const api = settings.openTelemetry ? await loadOpenTelemetry() : undefined;
    return new McpAuthTelemetry(settings, events, health, api);
  }

  /** Telemetry that reports to nobody: for classes used outside the module (no metrics, audit, limit). */
  static disabled(): McpAuthTelemetry {
    const settings = { openTelemetry: false, audit: false, refusalLimit: false } as const;
    return new McpAuthTelemetry(settings, new McpAuthEvents(), new ProviderHealth([], 0), undefined);
  }

  // ---- Decisions -------------------------------------------------------------------------------------------

  /**
   * Throws `ERR_RATE_LIMITED` (429) when the request's address is over `refusalLimit`. One comparison while no
   * address is.
   */
  admit(req: DecisionRequest, now: number): void {
    const limiter = this.limiter;
    if (limiter === undefined || !limiter.limiting(now)) return;
    const address = clientAddress(req);
    const retryAfter = address === undefined ? 0 : limiter.retryAfter(addressKey(address), now);
    if (retryAfter > 0) {
      throw new McpAuthError('ERR_RATE_LIMITED', 'Too many refused tokens from this address; retry later', {
        retryAfter,
      });
    }
  }

  /** A request accepted for `resource`; `started` is `performance.now()` when the decision began. */
  accepted(req: DecisionRequest, auth: McpAuthInfo, resource: ResolvedResource, started: number): void {
    this.metrics?.accepted(resource.id, invocationOf(req), started, auth);
    const audited = this.audit?.config.accepted === true;
    if (!audited && !this.events.wants('mcp-auth.accepted')) return;
    const event: McpAuthEvent = {
      type: 'mcp-auth.accepted',
      timestamp: Date.now(),
      ...this.site(req, resource, started),
      ...caller(auth),
      issuer: auth.issuer,
      scopes: auth.scopes,
    };
    this.events.emit(event);
    if (audited) this.audit!.decision(event);
  }

  /** A request refused with `failure`; `auth` when its token was verified (insufficient scope). */
  refused(
    req: DecisionRequest,
    failure: McpAuthError,
    resource: ResolvedResource,
    started: number,
    auth?: McpAuthInfo,
  ): void {
    const now = performance.now();
    this.metrics?.refused(resource.id, invocationOf(req), failure.code, (now - started) / 1000);
    if (this.limiter && COUNTED.has(failure.code)) this.countRefusal(req, resource, now);
    const audited = this.audit?.config.refused === true && failure.code !== 'ERR_RATE_LIMITED';
    if (!audited && !this.events.wants('mcp-auth.refused')) return;
    const event: McpAuthEvent = {
      type: 'mcp-auth.refused',
      timestamp: Date.now(),
      reason: failure.code,
      status: failure.status,
      ...this.site(req, resource, started, now),
      ...(auth ? caller(auth) : {}),
      ...(failure.code === 'ERR_INSUFFICIENT_SCOPE' ? { requiredScopes: failure.requiredScopes } : {}),
    };
    this.events.emit(event);
    if (audited) this.audit!.decision(event);
  }

  private countRefusal(req: DecisionRequest, resource: ResolvedResource, now: number): void {
    const address = clientAddress(req);
    if (address === undefined) return;
    const key = addressKey(address);
    const refusals = this.limiter!.refused(key, now);
    if (refusals === 0) return;
    this.metrics?.addressLimited(resource.id);
    const event = {
      type: 'mcp-auth.rate-limited',
      timestamp: Date.now(),
      address: key,
      resource: resource.id,
      refusals,
      retryAfter: this.limiter!.retryAfter(key, now),
    } as const;
    this.events.emit(event);
    this.audit?.rateLimited(event);
  }

  private site(req: DecisionRequest, resource: ResolvedResource, started: number, now?: number) {
    return {
      resource: resource.id,
      route: this.routeOf?.(req),
      tool: invocationOf(req),
      method: req.method,
      address: clientAddress(req),
      durationMs: ms(started, now),
    };
  }

  // ---- Provider calls --------------------------------------------------------------------------------------

  /** Resolving `issuer`'s metadata (`run`): a span, the outcome counted, an event, the health state. */
  discovery<T>(issuer: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    return this.traced('mcp_auth.discovery', { 'mcp_auth.issuer': issuer }, run).then(
      (result) => {
        this.metrics?.discovery(issuer, 'success');
        this.emit({
          type: 'mcp-auth.discovery.done',
          timestamp: Date.now(),
          issuer,
          durationMs: ms(started),
        });
        this.providerOk(issuer, 'discovery');
        return result;
      },
      (error: unknown) => {
        const reason = reasonOf(error);
        this.metrics?.discovery(issuer, 'failure');
        const durationMs = ms(started);
        this.emit({ type: 'mcp-auth.discovery.failed', timestamp: Date.now(), issuer, reason, durationMs });
        this.providerFailed(issuer, 'discovery', reason);
        throw error;
      },
    );
  }

  /** The HTTP request of a key set fetch (`run`), in a span. Its outcome is reported by `jwksFetched`/`jwksFailed`. */
  jwksRequest(issuer: string, jwksUri: string, run: () => Promise<Response>): Promise<Response> {
    const attributes = { 'mcp_auth.issuer': issuer, 'url.full': jwksUri };
    if (!this.tracing) return run();
    return this.tracing.span('mcp_auth.jwks.fetch', attributes, run, reasonOf, (response) => ({
      attributes: { 'http.response.status_code': response.status },
      error: response.ok ? undefined : `HTTP ${response.status}`,
    }));
  }

  /** A new key set version of `issuer` with `keys` keys; `rotation` when the keys changed (by thumbprint). */
  jwksFetched(
    issuer: string,
    jwksUri: string,
    keys: number,
    rotation?: { added: number; removed: number },
  ): void {
    this.metrics?.jwksFetch(issuer, 'success');
    this.emit({ type: 'mcp-auth.jwks.fetched', timestamp: Date.now(), issuer, jwksUri, keys });
    if (rotation) {
      this.metrics?.jwksRotation(issuer);
      this.emit({ type: 'mcp-auth.jwks.rotated', timestamp: Date.now(), issuer, jwksUri, ...rotation });
    }
    this.providerOk(issuer, 'jwks');
  }

  /** A key set fetch of `issuer` that failed (a provider fault). */
  jwksFailed(issuer: string, jwksUri: string, error: unknown): void {
    const reason = reasonOf(error);
    this.metrics?.jwksFetch(issuer, 'failure');
    this.emit({ type: 'mcp-auth.jwks.failed', timestamp: Date.now(), issuer, jwksUri, reason });
    this.providerFailed(issuer, 'jwks', reason);
  }

  /** An introspection request to `issuer` (`run` answers the response's claims). */
  introspection<T extends Record<string, unknown>>(issuer: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const report = (outcome: 'active' | 'inactive' | 'failure') => {
      const durationMs = ms(started);
      this.metrics?.introspection(issuer, outcome, durationMs / 1000);
      this.emit({ type: 'mcp-auth.introspection', timestamp: Date.now(), issuer, outcome, durationMs });
    };
    const attributes = { 'mcp_auth.issuer': issuer };
    return this.traced('mcp_auth.introspection', attributes, run, (claims) => ({
      attributes: { 'mcp_auth.introspection.active': claims.active === true },
    })).then(
      (claims) => {
        report(claims.active === true ? 'active' : 'inactive');
        this.providerOk(issuer, 'introspection');
        return claims;
      },
      (error: unknown) => {
        report('failure');
        this.providerFailed(issuer, 'introspection', reasonOf(error));
        throw error;
      },
    );
  }

  /**
   * For the downstream layer: runs a token exchange (`run`) in a span `mcp_auth.token_exchange`, counts it
   * (`mcp_auth.exchanges`, `mcp_auth.exchange.duration` by grant and outcome) and emits `mcp-auth.exchange`. The
   * details must not hold a token or a secret; the outcome's reason is the error's code or name.
   */
  exchange<T>(details: ExchangeDetails, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const { grant, target, issuer, subject, clientId } = details;
    const attributes = {
      'mcp_auth.grant': grant,
      ...(target === undefined ? {} : { 'mcp_auth.target': target }),
    };
    const report = (outcome: 'success' | 'failure', reason?: string) => {
      const durationMs = ms(started);
      this.metrics?.exchange(grant, outcome, durationMs / 1000);
      const who = { issuer, subject, clientId };
      this.emit({
        type: 'mcp-auth.exchange',
        timestamp: Date.now(),
        grant,
        target,
        outcome,
        reason,
        durationMs,
        ...who,
      });
    };
    return this.traced('mcp_auth.token_exchange', attributes, run).then(
      (result) => {
        report('success');
        return result;
      },
      (error: unknown) => {
        report('failure', reasonOf(error));
        throw error;
      },
    );
  }

  /**
   * For the downstream layer: a token for a downstream call obtained without a request to the provider (from the
   * process's cache, the shared store, or an exchange already in flight for the same caller): counted as
   * `mcp_auth.exchanges{outcome="cached"}` and emitted as `mcp-auth.exchange`, without a span or a duration.
   */
  exchangeCached(details: ExchangeDetails): void {
    this.metrics?.exchangeCached(details.grant);
    if (!this.events.wants('mcp-auth.exchange')) return;
    const { grant, target, issuer, subject, clientId } = details;
    this.emit({
      type: 'mcp-auth.exchange',
      timestamp: Date.now(),
      grant,
      target,
      outcome: 'cached',
      durationMs: 0,
      issuer,
      subject,
      clientId,
    });
  }

  /** Reports a verified-token cache (`cache`: `jwt`, `introspection`) at each metrics collection. */
  observeCache(cache: string, resource: string | undefined, stats: CacheStats): void {
    this.metrics?.observeCache(cache, resource, stats);
  }

  private traced<T>(
    name: string,
    attributes: Record<string, string>,
    run: () => Promise<T>,
    annotate?: (result: T) => SpanOutcome,
  ): Promise<T> {
    return this.tracing ? this.tracing.span(name, attributes, run, reasonOf, annotate) : run();
  }

  private emit(event: McpAuthEvent): void {
    this.events.emit(event);
  }

  private providerOk(issuer: string, source: ProviderSource): void {
    if (this.health.succeeded(issuer, source)) {
      this.emit({ type: 'mcp-auth.provider.recovered', timestamp: Date.now(), issuer, source });
    }
  }

  private providerFailed(issuer: string, source: ProviderSource, reason: string): void {
    if (this.health.failed(issuer, source, reason)) {
      this.emit({ type: 'mcp-auth.provider.unavailable', timestamp: Date.now(), issuer, source });
    }
  }
}

/** The verified identity of `auth`, without its token nor its claims. */
function caller(auth: McpAuthInfo): McpAuthCaller {
  return {
    issuer: auth.issuer,
    subject: auth.subject,
    clientId: auth.clientId === '' ? undefined : auth.clientId,
  };
}
