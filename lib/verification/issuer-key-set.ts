import { Logger, type LoggerService } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwksCache,
  type CryptoKey,
  type ExportedJWKSCache,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { providerFetch } from '../discovery/provider-fetch.js';
import { McpAuthTelemetry } from '../telemetry/mcp-auth-telemetry.js';
import { cryptoKeyIdentity, jwkIdentity } from './key-identity.js';
import { isProviderFault } from './provider-unavailable.js';

type KeyGetter = ReturnType<typeof createLocalJWKSet>;

/** Remembered key selections at most (a key set has a handful of keys; bounded against kid storms). */
const MAX_SELECTED_KEYS = 64;

/** A key jose selected, and the key set version it was selected from. */
interface SelectedKey {
  readonly version: number;
  readonly key: Awaited<ReturnType<KeyGetter>>;
}

/** jose's refusal of a published private key: raised by one key at import, not by the set (not a provider fault). */
const PRIVATE_KEY_REFUSAL = 'JSON Web Key Set members must be public keys';

/**
 * A published key that cannot be used — jose could not import it (an EC point off its curve, a bad encoding, an
 * unsupported curve, a private key): the key's fault, neither the provider being down nor the token's.
 */
function isUnusableKey(error: unknown): boolean {
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return false;
  if (error instanceof errors.JWKSInvalid) return error.message === PRIVATE_KEY_REFUSAL;
  return !isProviderFault(error);
}

/** Settings of {@link IssuerKeySet}: the `jwks` options, and where an unusable key is reported. */
export interface IssuerKeySetSettings {
  timeout: number;
  cooldown: number;
  cacheMaxAge: number;
  logger?: LoggerService;
  /** The issuer whose keys these are, as reported to the telemetry. Default: the key set's URI. */
  issuer?: string;
  /** Where fetches, rotations and failures are reported. Default: nowhere. */
  telemetry?: McpAuthTelemetry;
}

/**
 * The signing keys of one `jwks_uri`: jose's remote key set (single-flight fetches, refetch on an unknown `kid` at
 * most once per cooldown, refetch when older than `cacheMaxAge`), plus what jose does not do —
 * - the JWKS is fetched through `providerFetch`: a redirect is never followed (a provider fault);
 * - while the provider is unreachable, keys already known keep verifying (a stale key set beats refusing every
 *   valid request); a token whose `kid` is not among them still fails as a provider fault (503), since the key
 *   might be new;
 * - a published key that cannot be imported (e.g. an EC point off its curve) is refused alone and reported once:
 *   tokens naming it are refused (401), the other keys keep working, the provider is not marked down;
 * - a `version` that changes with every successful fetch, and the identities (RFC 7638 thumbprints) of the
 *   current keys, so the verified-token cache can drop entries whose key disappeared, `kid` or not.
 */
export class IssuerKeySet {
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private readonly cache: Partial<ExportedJWKSCache> = {};
  private stale?: { uat: number; keys: KeyGetter };
  /** The last provider fault and when it happened: within the cooldown, known keys are used without a fetch. */
  private outage?: { at: number; error: unknown };
  private identitiesOf?: { uat: number; identities: ReadonlySet<string> };
  /** Keys already reported unusable (`alg` and `kid`), so each is logged once. */
  private readonly reported = new Set<string>();
  private readonly logger: LoggerService;
  private readonly telemetry: McpAuthTelemetry;
  private readonly issuer: string;
  /** The key set version the telemetry last heard of, with its keys' identities; the last failure it heard of. */
  private lastReport?: { version: number; identities: ReadonlySet<string> };
  private lastFailure?: unknown;
  readonly getKey: (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<KeyGetter>;

  constructor(
    private readonly uri: string,
    private readonly settings: IssuerKeySetSettings,
  ) {
    this.telemetry = settings.telemetry ?? McpAuthTelemetry.disabled();
    this.issuer = settings.issuer ?? uri;
    this.remote = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: settings.timeout,
      cooldownDuration: settings.cooldown,
      cacheMaxAge: settings.cacheMaxAge,
      [jwksCache]: this.cache as ExportedJWKSCache,
      [customFetch]: (url, { headers, method, signal }) =>
        this.telemetry.jwksRequest(this.issuer, uri, () => providerFetch(url, { headers, method, signal })),
    });
    this.logger = settings.logger ?? new Logger('McpAuthModule');
    this.getKey = (header, token) => this.selected(header, token);
  }

  /**
   * Keys jose selected and imported, by `alg` then `kid`, for the key set version they came from. Two maps rather
   * than one keyed by a string of both: the header's `alg` and `kid` are the same strings token after token (a
   * header is decoded once per segment, `jws-compact.ts`), whose hashes V8 keeps, while a joined key would be a new
   * string to hash for every new token (measured: ~27 against ~95–108 ns per lookup, Node 20 and 24).
   */
  private readonly selectedKeys = new Map<string, Map<string, SelectedKey>>();

  /**
   * jose's selection (kid, alg, use, key type) is remembered per `alg` and `kid` while the key set neither changed
   * nor is due for a refresh: the same signing key verifies token after token without being selected again.
   */
  private async selected(header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<KeyGetter> {
    const known = this.knownKey(header);
    if (known) return known;
    let key: Awaited<ReturnType<KeyGetter>>;
    try {
      key = await this.resolve(header, token);
    } catch (error) {
      if (!isUnusableKey(error)) throw error;
      this.reportUnusable(header, error);
      throw new errors.JWKSNoMatchingKey('The key this token names cannot be used');
    }
    if (this.version !== 0 && typeof header.kid === 'string' && typeof header.alg === 'string') {
      let selected = 0;
      for (const byKid of this.selectedKeys.values()) selected += byKid.size;
      if (selected >= MAX_SELECTED_KEYS) this.selectedKeys.clear();
      let byKid = this.selectedKeys.get(header.alg);
      if (!byKid) this.selectedKeys.set(header.alg, (byKid = new Map()));
      byKid.set(header.kid, { version: this.version, key });
    }
    return key;
  }

  /**
   * The key `getKey` would answer with, at once, when it selected it before for this `alg` and `kid` from the current
   * key set and no refresh is due; `undefined` when `getKey` has work to do (selection, fetch, outage handling).
   */
  knownKey(header: JWSHeaderParameters): Awaited<ReturnType<KeyGetter>> | undefined {
    if (typeof header.kid !== 'string' || typeof header.alg !== 'string') return undefined;
    const known = this.selectedKeys.get(header.alg)?.get(header.kid);
    return known && known.version === this.version && this.fresh ? known.key : undefined;
  }

  /** Changes with every successful fetch (0 before the first). */
  get version(): number {
    return this.cache.uat ?? 0;
  }

  /** True while the fetched set is younger than `cacheMaxAge` (no refetch due). */
  get fresh(): boolean {
    return this.freshAt(Date.now());
  }

  /** {@link fresh} at `now` (milliseconds since the epoch): for a caller that already read the clock. */
  freshAt(now: number): boolean {
    return this.cache.uat !== undefined && now - this.cache.uat < this.settings.cacheMaxAge;
  }

  /**
   * Whether the current set still publishes `key` (by RFC 7638 thumbprint, whatever the `kid`s): a token it
   * verified stays acceptable only while it does.
   */
  publishes(key: CryptoKey): boolean {
    const { uat, jwks } = this.cache as { uat?: number; jwks?: JSONWebKeySet };
    const identity = cryptoKeyIdentity(key);
    if (uat === undefined || !jwks || identity === undefined) return false;
    if (this.identitiesOf?.uat !== uat) {
      const identities = new Set(jwks.keys.flatMap((jwk) => jwkIdentity(jwk) ?? []));
      this.identitiesOf = { uat, identities };
    }
    return this.identitiesOf.identities.has(identity);
  }

  /** Logs a key that cannot be used, once per `alg` and `kid`: where it is and why, never its material. */
  private reportUnusable(header: JWSHeaderParameters, error: unknown): void {
    const id = `${header.alg}\n${String(header.kid)}`;
    if (this.reported.has(id)) return;
    if (this.reported.size >= MAX_SELECTED_KEYS) this.reported.clear();
    this.reported.add(id);
    const kid =
      typeof header.kid === 'string' ? `"kid" ${JSON.stringify(header.kid.slice(0, 80))}` : 'no "kid"';
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown reason';
    this.logger.warn(
      `The JWKS at ${this.uri} publishes a key that cannot be used for ${String(header.alg)} (${kid}; ${reason}). ` +
        'It is ignored: tokens it signs are refused, the other keys keep working. Fix the key at the provider.',
    );
  }

  private async resolve(header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<KeyGetter> {
    if (this.outage && Date.now() - this.outage.at < this.settings.cooldown) {
      return this.fromStale(header, token, this.outage.error);
    }
    try {
      const key = await this.remote(header, token);
      this.outage = undefined;
      this.reportFetch();
      return key;
    } catch (error) {
      this.reportFetch();
      if (!isProviderFault(error) || isUnusableKey(error)) throw error;
      this.outage = { at: Date.now(), error };
      this.reportFailure(error);
      return this.fromStale(header, token, error);
    }
  }

  /** Tells the telemetry about a new key set version (once per version), and whether its keys changed. */
  private reportFetch(): void {
    const { version } = this;
    if (version === 0 || this.lastReport?.version === version) return;
    const keys = (this.cache.jwks as JSONWebKeySet | undefined)?.keys ?? [];
    const identities = new Set(keys.flatMap((jwk) => jwkIdentity(jwk) ?? []));
    const before = this.lastReport?.identities;
    this.lastReport = { version, identities };
    const added = before ? [...identities].filter((id) => !before.has(id)).length : 0;
    const removed = before ? [...before].filter((id) => !identities.has(id)).length : 0;
    const rotation = added + removed > 0 ? { added, removed } : undefined;
    this.telemetry.jwksFetched(this.issuer, this.uri, keys.length, rotation);
  }

  /** Tells the telemetry about a failed fetch, once per failure (concurrent callers share jose's one fetch). */
  private reportFailure(error: unknown): void {
    if (this.lastFailure === error) return;
    this.lastFailure = error;
    this.telemetry.jwksFailed(this.issuer, this.uri, error);
  }

  /** Known keys while the provider is down; a `kid` they lack is the provider's fault (it may be new). */
  private async fromStale(header: JWSHeaderParameters, token: FlattenedJWSInput, fault: unknown) {
    const keys = this.staleKeys();
    if (!keys) throw fault;
    try {
      return await keys(header, token);
    } catch (error) {
      throw error instanceof errors.JWKSNoMatchingKey ? fault : error;
    }
  }

  private staleKeys(): KeyGetter | undefined {
    const { uat, jwks } = this.cache;
    if (uat === undefined || !jwks) return undefined;
    if (this.stale?.uat !== uat) this.stale = { uat, keys: createLocalJWKSet(jwks as JSONWebKeySet) };
    return this.stale.keys;
  }
}
