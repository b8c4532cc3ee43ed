import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { TokenCache } from '../verification/token-cache.js';
import type { DownstreamTokenStore } from '../options/downstream.settings.js';
import type { ResolvedDownstreamOptions } from './resolve-downstream-options.js';
import type { DownstreamToken } from './token-request.js';

const KEY_PREFIX = 'nest-mcp-auth:downstream:v1:';

/**
 * Downstream tokens, reused until their expiry minus a margin: in this process (bounded, least recently used
 * evicted), then in the shared `store` when one is configured. Concurrent requests for one key share one
 * exchange (single-flight). A token without a known expiry is never kept. Keys are SHA-256 digests: they hold
 * neither a token nor who the caller is.
 */
export class DownstreamTokenCache {
  private readonly local?: TokenCache<DownstreamToken>;
  private readonly store?: DownstreamTokenStore;
  private readonly margin: number;
  private readonly inflight = new Map<string, Promise<DownstreamToken>>();

  constructor(
    settings: ResolvedDownstreamOptions['cache'],
    private readonly logger: LoggerService,
  ) {
    this.margin = settings === false ? 0 : settings.margin;
    if (settings !== false) {
      this.local = new TokenCache(settings.maxEntries);
      this.store = settings.store;
    }
  }

  /** The cache key of `parts` (issuer, subject, client, target, scope…): a digest, safe to share and to log. */
  static keyOf(parts: readonly string[]): string {
    return KEY_PREFIX + createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  }

  /** Exchanges in flight in this process (for tests and metrics). */
  get pending(): number {
    return this.inflight.size;
  }

  /** The token kept for `key`, else the one `obtain` gets (once for every concurrent caller of the same key). */
  get(key: string, obtain: () => Promise<DownstreamToken>): Promise<DownstreamToken> {
    const hit = this.local?.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const flight = this.load(key, obtain).finally(() => this.inflight.delete(key));
    this.inflight.set(key, flight);
    return flight;
  }

  private async load(key: string, obtain: () => Promise<DownstreamToken>): Promise<DownstreamToken> {
    const shared = await this.fromStore(key);
    if (shared !== undefined) {
      this.local?.set(key, shared, shared.expiresAt! - this.margin);
      return shared;
    }
    const token = await obtain();
    const until = token.expiresAt === undefined ? undefined : token.expiresAt - this.margin;
    if (until !== undefined && until > Date.now() / 1000) {
      this.local?.set(key, token, until);
      await this.toStore(key, token, until);
    }
    return token;
  }

  private async fromStore(key: string): Promise<DownstreamToken | undefined> {
    if (this.store === undefined) return undefined;
    let value: unknown;
    try {
      value = await this.store.get<DownstreamToken>(key);
    } catch (error) {
      this.logger.warn(
        `Downstream token store unavailable on read (${describe(error)}); asking the provider`,
      );
      return undefined;
    }
    if (!isToken(value) || value.expiresAt! - this.margin <= Date.now() / 1000) return undefined;
    return value;
  }

  private async toStore(key: string, token: DownstreamToken, until: number): Promise<void> {
    if (this.store === undefined) return;
    const ttl = Math.floor((until - Date.now() / 1000) * 1000);
    if (ttl <= 0) return;
    try {
      await this.store.set(key, token, ttl);
    } catch (error) {
      this.logger.warn(
        `Downstream token store unavailable on write (${describe(error)}); kept in this process only`,
      );
    }
  }
}

function isToken(value: unknown): value is DownstreamToken {
  const t = value as Partial<DownstreamToken> | null | undefined;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.accessToken === 'string' &&
    t.tokenType === 'Bearer' &&
    typeof t.expiresAt === 'number' &&
    Array.isArray(t.scopes)
  );
}

/** An error's name and code only: a store's message may quote the value it failed to write. */
function describe(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown } | null;
  return [e?.name, e?.code].filter((v) => typeof v === 'string').join(' ') || 'error';
}
