import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwksCache,
  type ExportedJWKSCache,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { isProviderFault } from './provider-unavailable.js';

type KeyGetter = ReturnType<typeof createLocalJWKSet>;

/** Remembered key selections at most (a key set has a handful of keys; bounded against kid storms). */
const MAX_SELECTED_KEYS = 64;

/**
 * The signing keys of one `jwks_uri`: jose's remote key set (single-flight fetches, refetch on an unknown `kid` at
 * most once per cooldown, refetch when older than `cacheMaxAge`), plus what jose does not do —
 * - while the provider is unreachable, keys already known keep verifying (a stale key set beats refusing every
 *   valid request); a token whose `kid` is not among them still fails as a provider fault (503), since the key
 *   might be new;
 * - a `version` that changes with every successful fetch, and the `kid`s of the current set, so the verified-token
 *   cache can drop entries whose key disappeared.
 */
export class IssuerKeySet {
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private readonly cache: Partial<ExportedJWKSCache> = {};
  private stale?: { uat: number; keys: KeyGetter };
  /** The last provider fault and when it happened: within the cooldown, known keys are used without a fetch. */
  private outage?: { at: number; error: unknown };
  private kidsOf?: { uat: number; kids: ReadonlySet<string> };
  readonly getKey: (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<KeyGetter>;

  constructor(
    uri: string,
    private readonly settings: { timeout: number; cooldown: number; cacheMaxAge: number },
  ) {
    this.remote = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: settings.timeout,
      cooldownDuration: settings.cooldown,
      cacheMaxAge: settings.cacheMaxAge,
      [jwksCache]: this.cache as ExportedJWKSCache,
    });
    this.getKey = (header, token) => this.selected(header, token);
  }

  /** Keys jose selected and imported, per alg and kid, for the key set version they came from. */
  private readonly selectedKeys = new Map<string, { version: number; key: Awaited<ReturnType<KeyGetter>> }>();

  /**
   * jose's selection (kid, alg, use, key type) is remembered per `alg` and `kid` while the key set neither changed
   * nor is due for a refresh: the same signing key verifies token after token without being selected again.
   */
  private async selected(header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<KeyGetter> {
    const known = this.knownKey(header);
    if (known) return known;
    const key = await this.resolve(header, token);
    if (this.version !== 0 && typeof header.kid === 'string') {
      if (this.selectedKeys.size >= MAX_SELECTED_KEYS) this.selectedKeys.clear();
      this.selectedKeys.set(`${header.alg}\n${header.kid}`, { version: this.version, key });
    }
    return key;
  }

  /**
   * The key `getKey` would answer with, at once, when it selected it before for this `alg` and `kid` from the current
   * key set and no refresh is due; `undefined` when `getKey` has work to do (selection, fetch, outage handling).
   */
  knownKey(header: JWSHeaderParameters): Awaited<ReturnType<KeyGetter>> | undefined {
    if (typeof header.kid !== 'string') return undefined;
    const known = this.selectedKeys.get(`${header.alg}\n${header.kid}`);
    return known && known.version === this.version && this.fresh ? known.key : undefined;
  }

  /** Changes with every successful fetch (0 before the first). */
  get version(): number {
    return this.cache.uat ?? 0;
  }

  /** True while the fetched set is younger than `cacheMaxAge` (no refetch due). */
  get fresh(): boolean {
    return this.cache.uat !== undefined && Date.now() - this.cache.uat < this.settings.cacheMaxAge;
  }

  /** Whether the current set still has a key with this `kid` (tokens without `kid`: any key). */
  hasKid(kid: string | undefined): boolean {
    const jwks = this.cache.jwks as JSONWebKeySet | undefined;
    if (!jwks) return false;
    if (kid === undefined) return jwks.keys.length > 0;
    if (this.kidsOf === undefined || this.kidsOf.uat !== this.cache.uat) {
      const kids = new Set(jwks.keys.flatMap((k) => (k.kid === undefined ? [] : [k.kid])));
      this.kidsOf = { uat: this.cache.uat!, kids };
    }
    return this.kidsOf.kids.has(kid);
  }

  private async resolve(header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<KeyGetter> {
    if (this.outage && Date.now() - this.outage.at < this.settings.cooldown) {
      return this.fromStale(header, token, this.outage.error);
    }
    try {
      const key = await this.remote(header, token);
      this.outage = undefined;
      return key;
    } catch (error) {
      if (!isProviderFault(error)) throw error;
      this.outage = { at: Date.now(), error };
      return this.fromStale(header, token, error);
    }
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
