import type { ProviderSource } from './mcp-auth-event.js';

/** The last attempt to use one part (`discovery`, `jwks`, `introspection`) of an authorization server. */
export interface SourceStatus {
  /** `ok`: the last attempt succeeded; `failed`: it failed (the provider is reported down until one succeeds). */
  readonly outcome: 'ok' | 'failed';
  /** ISO time of the last attempt. */
  readonly at: string;
  /** ISO time of the last success, if any. */
  readonly lastSuccessAt?: string;
  /** Why the last attempt failed (an error code or name; never a message with data from the provider). */
  readonly reason?: string;
}

/** One authorization server, as the health check reports it. */
export interface ProviderStatus {
  /** `up` unless the last attempt at its metadata, keys or introspection endpoint failed. */
  readonly status: 'up' | 'down';
  /** `true` once its metadata is resolved (metadata is kept for the life of the app). */
  readonly metadata: boolean;
  /**
   * Whether its key set is younger than `jwks.cacheMaxAge`; `undefined` before the first fetch (JWT verification
   * fetches keys with the first token). A stale set is refetched with the next token: informative, not a failure.
   */
  readonly keysFresh?: boolean;
  readonly discovery?: SourceStatus;
  readonly jwks?: SourceStatus;
  readonly introspection?: SourceStatus;
}

interface Entry {
  outcome: 'ok' | 'failed';
  at: number;
  lastSuccessAt?: number;
  reason?: string;
}

/**
 * The last outcome of every fetch the module made of each authorization server (metadata, key set, introspection),
 * fed by the telemetry as fetches end; read by `McpAuthHealthIndicator`. Passive: it never calls a provider.
 */
export class ProviderHealth {
  private readonly entries = new Map<string, Map<ProviderSource, Entry>>();

  /**
   * @param issuers every configured issuer, in configuration order.
   * @param keysMaxAge milliseconds a key set stays fresh (`jwks.cacheMaxAge`).
   */
  constructor(
    readonly issuers: readonly string[],
    private readonly keysMaxAge: number,
  ) {}

  /** Records a success; answers `true` when `issuer` was down and no part of it is failing any more. */
  succeeded(issuer: string, source: ProviderSource, now = Date.now()): boolean {
    const wasDown = this.isDown(issuer);
    this.sources(issuer).set(source, { outcome: 'ok', at: now, lastSuccessAt: now });
    return wasDown && !this.isDown(issuer);
  }

  /** Records a failure; answers `true` when `issuer` was up until now. */
  failed(issuer: string, source: ProviderSource, reason: string, now = Date.now()): boolean {
    const wasDown = this.isDown(issuer);
    const sources = this.sources(issuer);
    sources.set(source, {
      outcome: 'failed',
      at: now,
      lastSuccessAt: sources.get(source)?.lastSuccessAt,
      reason,
    });
    return !wasDown;
  }

  /** Whether the last attempt at any part of `issuer` failed. */
  isDown(issuer: string): boolean {
    for (const entry of this.entries.get(issuer)?.values() ?? []) if (entry.outcome === 'failed') return true;
    return false;
  }

  /** Every configured issuer (and any other one the module fetched from), with its status. */
  snapshot(now = Date.now()): Record<string, ProviderStatus> {
    const issuers = new Set([...this.issuers, ...this.entries.keys()]);
    return Object.fromEntries([...issuers].map((issuer) => [issuer, this.status(issuer, now)]));
  }

  private status(issuer: string, now: number): ProviderStatus {
    const sources = this.entries.get(issuer);
    const view = (source: ProviderSource) => describe(sources?.get(source));
    const keys = sources?.get('jwks')?.lastSuccessAt;
    return {
      status: this.isDown(issuer) ? 'down' : 'up',
      metadata: sources?.get('discovery')?.lastSuccessAt !== undefined,
      keysFresh: keys === undefined ? undefined : now - keys < this.keysMaxAge,
      discovery: view('discovery'),
      jwks: view('jwks'),
      introspection: view('introspection'),
    };
  }

  private sources(issuer: string): Map<ProviderSource, Entry> {
    let sources = this.entries.get(issuer);
    if (!sources) this.entries.set(issuer, (sources = new Map()));
    return sources;
  }
}

function describe(entry: Entry | undefined): SourceStatus | undefined {
  if (!entry) return undefined;
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  return {
    outcome: entry.outcome,
    at: iso(entry.at)!,
    lastSuccessAt: iso(entry.lastSuccessAt),
    reason: entry.reason,
  };
}
