import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { McpAuthErrorCode } from '../core/mcp-auth.error.js';
import type { CacheStats } from './cache-stats.js';

/** The `@opentelemetry/api` module (an optional peer). */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

/** The instrumentation scope of every metric and span. */
export const INSTRUMENTATION_SCOPE = 'nest-mcp-auth';

/** Decisions so far (plain numbers, read when the SDK collects). */
interface DecisionCounts {
  accepted: number;
  readonly refused: Map<McpAuthErrorCode, number>;
}

/** Per resource: its decisions by invoked MCP handlers (`undefined`: none, e.g. a REST route). */
interface DecisionTally {
  readonly byTool: Map<string | undefined, DecisionCounts>;
  /** Histogram attributes, built once per resource and result. */
  readonly acceptedAttributes: Attributes;
  readonly refusedAttributes: Attributes;
}

/** Seconds: 50 µs (a cached token) … 10 s (a provider round-trip at its timeout). */
const DURATION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A histogram of seconds, with buckets from a cached token to a provider round-trip at its timeout. */
function seconds(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, {
    unit: 's',
    description,
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
}

/**
 * The module's OpenTelemetry instruments, created once. Decisions and cache hits are counted in plain numbers and
 * reported through observable instruments when the SDK collects, so the per-request cost is an increment; the
 * duration histogram is recorded per verified token and per refusal. Exists only when a meter provider is installed: with the API alone,
 * the module does not touch metrics at all.
 */
export class AuthMetrics {
  private readonly tallies = new Map<string, DecisionTally>();
  /** The auth infos whose decision was timed: a cache answering with one again is not. */
  private readonly timed = new WeakSet<object>();
  private readonly caches: Array<{ attributes: Attributes; stats: CacheStats }> = [];
  private readonly duration: Histogram;
  private readonly jwksFetches: Counter;
  private readonly jwksRotations: Counter;
  private readonly discoveryFetches: Counter;
  private readonly introspections: Counter;
  private readonly introspectionDuration: Histogram;
  private readonly exchanges: Counter;
  private readonly exchangeDuration: Histogram;
  private readonly rateLimited: Counter;

  /** The instruments of the global meter provider, or `undefined` when it records nothing (no SDK installed). */
  static create(api: OpenTelemetryApi, providerUp: (issuer: string) => boolean, issuers: readonly string[]) {
    const meter = api.metrics.getMeter(INSTRUMENTATION_SCOPE);
    const duration = seconds(meter, 'mcp_auth.verification.duration', 'How long deciding on a request took');
    if (duration === api.createNoopMeter().createHistogram('mcp_auth.verification.duration'))
      return undefined;
    return new AuthMetrics(meter, duration, providerUp, issuers);
  }

  private constructor(
    meter: Meter,
    duration: Histogram,
    providerUp: (issuer: string) => boolean,
    issuers: readonly string[],
  ) {
    this.duration = duration;
    this.introspectionDuration = seconds(meter, 'mcp_auth.introspection.duration', 'RFC 7662 introspections');
    this.exchangeDuration = seconds(
      meter,
      'mcp_auth.exchange.duration',
      'Token exchanges for downstream calls',
    );
    this.jwksFetches = meter.createCounter('mcp_auth.jwks.fetches', {
      description: 'Key set fetches by outcome',
    });
    this.jwksRotations = meter.createCounter('mcp_auth.jwks.rotations', { description: 'Key set changes' });
    this.discoveryFetches = meter.createCounter('mcp_auth.discovery.fetches', {
      description: 'Metadata resolutions by outcome',
    });
    this.introspections = meter.createCounter('mcp_auth.introspections', { description: 'By outcome' });
    this.exchanges = meter.createCounter('mcp_auth.exchanges', { description: 'Token exchanges by outcome' });
    this.rateLimited = meter.createCounter('mcp_auth.rate_limited', {
      description: 'Client addresses that passed refusalLimit',
    });
    meter
      .createObservableCounter('mcp_auth.decisions', { description: 'Requests accepted or refused' })
      .addCallback((result) => this.observeDecisions(result));
    const cache = (pick: (s: CacheStats) => number) => (result: ObservableResult) => {
      for (const { attributes, stats } of this.caches) result.observe(pick(stats), attributes);
    };
    meter
      .createObservableGauge('mcp_auth.token_cache.size', { description: 'Verified tokens cached' })
      .addCallback(cache((s) => s.size));
    meter
      .createObservableCounter('mcp_auth.token_cache.hits', {
        description: 'Requests answered from the cache',
      })
      .addCallback(cache((s) => s.hits));
    meter
      .createObservableCounter('mcp_auth.token_cache.misses', {
        description: 'Requests that verified a token',
      })
      .addCallback(cache((s) => s.misses));
    meter
      .createObservableGauge('mcp_auth.provider.up', {
        description: '1 while an authorization server is usable',
      })
      .addCallback((result) => {
        for (const issuer of issuers) result.observe(providerUp(issuer) ? 1 : 0, { issuer });
      });
  }

  /**
   * An accepted request (`tool`: the MCP handlers it invokes; `started`: `performance.now()` when the decision
   * began): one increment; its duration is recorded the first time a decision gives this auth info — when its
   * token was verified — not when a cache answers with it again (`mcp_auth.token_cache.hits` counts those): a
   * µs-long cache hit would bury the verifications' latency, and an SDK's `record` allocates ~1.5 KB (measured,
   * `@opentelemetry/sdk-metrics` 2.12).
   */
  accepted(resource: string, tool: string | undefined, started: number, auth: object): void {
    const tally = this.tally(resource);
    countsOf(tally, tool).accepted++;
    if (this.timed.has(auth)) return; // a cache hit: the clock is not read again
    this.timed.add(auth);
    this.duration.record((performance.now() - started) / 1000, tally.acceptedAttributes);
  }

  refused(resource: string, tool: string | undefined, reason: McpAuthErrorCode, seconds: number): void {
    const tally = this.tally(resource);
    const { refused } = countsOf(tally, tool);
    refused.set(reason, (refused.get(reason) ?? 0) + 1);
    this.duration.record(seconds, tally.refusedAttributes);
  }

  /** Reports a cache's size, hits and misses at each collection. */
  observeCache(cache: string, resource: string | undefined, stats: CacheStats): void {
    this.caches.push({ attributes: resource === undefined ? { cache } : { cache, resource }, stats });
  }

  jwksFetch(issuer: string, outcome: 'success' | 'failure'): void {
    this.jwksFetches.add(1, { issuer, outcome });
  }

  jwksRotation(issuer: string): void {
    this.jwksRotations.add(1, { issuer });
  }

  discovery(issuer: string, outcome: 'success' | 'failure'): void {
    this.discoveryFetches.add(1, { issuer, outcome });
  }

  introspection(issuer: string, outcome: string, seconds: number): void {
    this.introspections.add(1, { issuer, outcome });
    this.introspectionDuration.record(seconds, { issuer, outcome });
  }

  exchange(grant: string, outcome: string, seconds: number): void {
    this.exchanges.add(1, { grant, outcome });
    this.exchangeDuration.record(seconds, { grant, outcome });
  }

  /** A downstream token answered without a provider round-trip: counted, no duration recorded. */
  exchangeCached(grant: string): void {
    this.exchanges.add(1, { grant, outcome: 'cached' });
  }

  addressLimited(resource: string): void {
    this.rateLimited.add(1, { resource });
  }

  private tally(resource: string): DecisionTally {
    let tally = this.tallies.get(resource);
    if (!tally) {
      tally = {
        byTool: new Map(),
        acceptedAttributes: { result: 'accepted', resource },
        refusedAttributes: { result: 'refused', resource },
      };
      this.tallies.set(resource, tally);
    }
    return tally;
  }

  private observeDecisions(result: ObservableResult): void {
    for (const [resource, tally] of this.tallies) {
      for (const [tool, counts] of tally.byTool) {
        const where = tool === undefined ? { resource } : { resource, tool };
        result.observe(counts.accepted, { result: 'accepted', ...where });
        for (const [reason, count] of counts.refused)
          result.observe(count, { result: 'refused', reason, ...where });
      }
    }
  }
}

/** The counts of `tally` for the requests invoking `tool`. */
function countsOf(tally: DecisionTally, tool: string | undefined): DecisionCounts {
  let counts = tally.byTool.get(tool);
  if (!counts) tally.byTool.set(tool, (counts = { accepted: 0, refused: new Map() }));
  return counts;
}
