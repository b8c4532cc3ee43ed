import { Injectable, Logger, type LoggerService, type OnModuleInit } from '@nestjs/common';
import type { AuthorizationServerMetadata, AuthServerConfig } from './authorization-server-metadata.js';
import type { AuthorizationServerSource } from './authorization-server-source.js';
import { fetchServerConfig, fetchServerConfigByWellKnownUrl } from './fetch-server-config.js';
import { metadataProblems, type MetadataRuleSeverity } from './metadata-rules.js';
import { validateServerMetadata } from './validate-server-metadata.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { McpAuthTelemetry } from '../telemetry/mcp-auth-telemetry.js';

/** Milliseconds a failed resolution is remembered before the next `get` tries again. */
export const DEFAULT_DISCOVERY_FAILURE_COOLDOWN = 1000;

/** How the registry resolves its sources. */
export interface AuthorizationServerRegistrySettings {
  /** `'eager'`: every source is resolved in `onModuleInit` (boot fails on error). `'lazy'`: on first `get`. */
  discovery: 'eager' | 'lazy';
  /** Milliseconds each metadata request may take. */
  timeout: number;
  /** Require `jwks_uri` in every document (JWT verification). */
  requireJwksUri: boolean;
  /** Require `introspection_endpoint` in every document (opaque token verification). Default false. */
  requireIntrospection?: boolean;
  /** Where the broken metadata rules are logged. Default: Nest's `Logger` with context `McpAuthModule`. */
  logger?: LoggerService;
  /**
   * Milliseconds during which a failed resolution is answered from memory (the same error) instead of a new fetch,
   * so a storm of requests against an unreachable provider costs one request per cooldown. Default 1000; 0 off.
   */
  failureCooldown?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Where each resolution is reported (span, metrics, events, health). Default: nowhere. */
  telemetry?: McpAuthTelemetry;
}

interface Entry {
  readonly source: AuthorizationServerSource;
  config?: AuthServerConfig;
  pending?: Promise<AuthServerConfig>;
  failure?: { error: unknown; at: number };
}

const LOG_CONTEXT = 'McpAuthModule';

/** How each severity of the metadata rules (`metadata-rules.ts`) is logged at boot. */
const LOG_LEVELS = { error: 'error', warning: 'warn', info: 'log' } as const satisfies Record<
  MetadataRuleSeverity,
  keyof LoggerService
>;

/**
 * The metadata of every configured authorization server, keyed by exact issuer string. Injectable by the app to
 * read a provider's endpoints. Built by `McpAuthModule` through a factory.
 *
 * Resolution is single-flight: concurrent callers share one fetch. A success is kept for the life of the app
 * (metadata is stable; key rotation is the JWKS cache's business). A failure is kept for `failureCooldown`
 * milliseconds, then the next call fetches again. Inline `metadata` is validated (never fetched) at
 * `onModuleInit` in both modes. When an issuer appears in several sources, the first one is used.
 */
@Injectable()
export class AuthorizationServerRegistry implements OnModuleInit {
  private readonly entries = new Map<string, Entry>();
  private readonly issuerList: readonly string[];
  private readonly logger: LoggerService;
  private readonly failureCooldown: number;
  private readonly telemetry: McpAuthTelemetry;

  constructor(
    sources: AuthorizationServerSource[],
    private readonly settings: AuthorizationServerRegistrySettings,
  ) {
    for (const source of sources) {
      if (!this.entries.has(source.issuer)) {
        this.entries.set(source.issuer, { source });
      }
    }
    this.issuerList = Object.freeze([...this.entries.keys()]);
    this.logger = settings.logger ?? new Logger(LOG_CONTEXT);
    this.failureCooldown = settings.failureCooldown ?? DEFAULT_DISCOVERY_FAILURE_COOLDOWN;
    this.telemetry = settings.telemetry ?? McpAuthTelemetry.disabled();
  }

  /**
   * Resolves every source (eager) or only inline metadata (lazy), in parallel.
   *
   * @throws the first failure in source order (an `McpAuthConfigError`), so the app's boot fails with its
   *   message; further failures are logged.
   */
  async onModuleInit(): Promise<void> {
    const entries = [...this.entries.values()].filter(
      (entry) => this.settings.discovery === 'eager' || entry.source.metadata !== undefined,
    );
    const results = await Promise.allSettled(entries.map((entry) => this.load(entry)));
    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (failures.length > 0) {
      for (const failure of failures.slice(1)) {
        this.logger.error(failure instanceof Error ? failure.message : String(failure), LOG_CONTEXT);
      }
      throw failures[0];
    }
  }

  /** The configured issuers, in configuration order. */
  get issuers(): readonly string[] {
    return this.issuerList;
  }

  /** Whether `issuer` (exact string) is configured. */
  has(issuer: string): boolean {
    return this.entries.has(issuer);
  }

  /** The metadata of `issuer` if already resolved — synchronous, for the hot path. */
  peek(issuer: string): AuthorizationServerMetadata | undefined {
    return this.entries.get(issuer)?.config?.metadata;
  }

  /** The resolved configuration (metadata and discovery type) of `issuer`, if already resolved. */
  getConfig(issuer: string): AuthServerConfig | undefined {
    return this.entries.get(issuer)?.config;
  }

  /**
   * The metadata of `issuer`: the resolved value, or a fetch shared by every concurrent caller.
   *
   * @throws McpAuthConfigError `ERR_UNKNOWN_ISSUER` when `issuer` is not configured (check `has()` first), or the
   *   discovery error (`ERR_DISCOVERY_*`, `ERR_METADATA_INVALID`, `ERR_ISSUER_MISMATCH`).
   */
  async get(issuer: string): Promise<AuthorizationServerMetadata> {
    const entry = this.entries.get(issuer);
    if (entry === undefined) {
      throw new McpAuthConfigError(
        'ERR_UNKNOWN_ISSUER',
        `Authorization server ${JSON.stringify(issuer)} is not configured (issuers are compared byte for byte); ` +
          `configured: ${this.issuerList.map((i) => JSON.stringify(i)).join(', ') || 'none'}.`,
      );
    }
    return entry.config?.metadata ?? (await this.load(entry)).metadata;
  }

  private load(entry: Entry): Promise<AuthServerConfig> {
    if (entry.config !== undefined) return Promise.resolve(entry.config);
    if (entry.pending !== undefined) return entry.pending;
    if (entry.failure !== undefined && performance.now() - entry.failure.at < this.failureCooldown) {
      return Promise.reject(entry.failure.error);
    }
    const { source } = entry;
    const pending = this.telemetry
      .discovery(source.issuer, () => this.resolve(source))
      .then(
        (config) => {
          entry.config = config;
          entry.pending = undefined;
          entry.failure = undefined;
          for (const { severity, message } of metadataProblems(config.metadata)) {
            this.logger[LOG_LEVELS[severity]](message, LOG_CONTEXT);
          }
          return config;
        },
        (error: unknown) => {
          entry.pending = undefined;
          entry.failure = { error, at: performance.now() };
          throw error;
        },
      );
    entry.pending = pending;
    return pending;
  }

  private async resolve(source: AuthorizationServerSource): Promise<AuthServerConfig> {
    const { timeout, requireJwksUri, requireIntrospection, fetch } = this.settings;
    const { issuer, type, option, transpile } = source;
    if (source.metadata !== undefined) {
      const metadata = validateServerMetadata(source.metadata, {
        expectedIssuer: issuer,
        requireJwksUri,
        requireIntrospection,
        option,
      });
      return { type: type ?? 'oauth', metadata };
    }
    const options = { type, timeout, transpile, requireJwksUri, requireIntrospection, fetch, option };
    return source.wellKnownUrl === undefined
      ? fetchServerConfig(issuer, options)
      : fetchServerConfigByWellKnownUrl(source.wellKnownUrl, { ...options, expectedIssuer: issuer });
  }
}
