import { errors, type CryptoKey, type JWSHeaderParameters, type JWTPayload } from 'jose';
import type { McpAuthInfo } from '../context/mcp-auth-info.js';
import { McpAuthError } from '../errors/mcp-auth.error.js';
import type { ResolvedMcpAuthOptions, ResolvedResource } from '../options/resolve-options.js';
import { assertAudience } from './audience.js';
import type { ClaimMapper } from './claim-mapper.js';
import { IssuerKeySet } from './issuer-key-set.js';
import { verifyJwsSignature } from './jws-signature.js';
import { metadataOf, type MetadataLookup } from './metadata-lookup.js';
import { isProviderFault, providerUnavailable } from './provider-unavailable.js';
import { TokenCache } from './token-cache.js';
import type { TokenVerifier } from './token-verifier.js';

/** A verified token, as the cache keeps it. */
interface Verified {
  readonly auth: McpAuthInfo;
  readonly exp: number;
  readonly nbf?: number;
  readonly kid?: string;
  readonly keys: IssuerKeySet;
  /** The key set version the token was last checked against. */
  version: number;
}

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Canonical unpadded base64url: no impossible length, and the unused low bits of the last character are zero. */
function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = BASE64URL.indexOf(segment[segment.length - 1]);
  return (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
}

/**
 * Verifies JWT access tokens (RFC 9068) with jose: the issuer is chosen from the unverified `iss` among the
 * resource's trusted servers before any network call (R19); keys come only from that issuer's `jwks_uri` (R20 —
 * `jku`, `x5u` and embedded `jwk` are never followed); algorithms from the allow-list; `exp` required, `nbf`/`iat`
 * checked with the clock tolerance (R21); `aud` must name the resource (R18); optional `typ: at+jwt` (R22).
 *
 * A token already verified is not verified again while it is cached (`tokenCache`): per resource, keyed by the
 * token, LRU-bounded, never past its `exp` nor `maxAge`; `exp`/`nbf` are re-checked on every hit, and an entry is
 * dropped when its key left the issuer's key set or the key set is due for a refresh.
 */
export class JwtTokenVerifier implements TokenVerifier {
  private readonly keySets = new Map<string, IssuerKeySet>();
  private readonly caches = new Map<ResolvedResource, TokenCache<Verified>>();
  private readonly algorithms: ReadonlySet<string>;

  constructor(
    private readonly options: ResolvedMcpAuthOptions,
    private readonly metadata: MetadataLookup,
    private readonly mapper: ClaimMapper,
  ) {
    this.algorithms = new Set(options.algorithms);
    for (const resource of options.resources) {
      this.caches.set(
        resource,
        new TokenCache<Verified>(options.tokenCache ? options.tokenCache.maxEntries : 0),
      );
    }
  }

  async verify(token: string, resource: ResolvedResource): Promise<McpAuthInfo> {
    const cache = this.caches.get(resource)!;
    const now = Date.now() / 1000;
    const hit = cache.get(token, now);
    if (hit && this.stillValid(hit, now)) return hit.auth;
    const verified = await this.verifyFully(token, resource, now);
    const tokenCache = this.options.tokenCache;
    if (tokenCache)
      cache.set(
        token,
        verified,
        Math.min(verified.exp + this.options.clockTolerance, now + tokenCache.maxAge),
      );
    return verified.auth;
  }

  /** A cache hit stands while exp/nbf hold and its key is still published by a key set not due for refresh. */
  private stillValid(hit: Verified, now: number): boolean {
    const tolerance = this.options.clockTolerance;
    if (hit.exp + tolerance <= now) throw new McpAuthError('ERR_TOKEN_EXPIRED', 'The token has expired');
    if (hit.nbf !== undefined && hit.nbf - tolerance > now) {
      throw new McpAuthError('ERR_TOKEN_NOT_YET_VALID', 'The token is not valid yet ("nbf")');
    }
    if (!hit.keys.fresh) return false; // verify again: jose refreshes the key set
    if (hit.version !== hit.keys.version) {
      if (!hit.keys.hasKid(hit.kid)) return false; // the key left the set: verify again (and fail)
      hit.version = hit.keys.version;
    }
    return true;
  }

  private async verifyFully(token: string, resource: ResolvedResource, now: number): Promise<Verified> {
    const { header, payload, segments } = this.decode(token);
    const issuer = payload.iss;
    if (typeof issuer !== 'string' || !resource.issuers.includes(issuer)) {
      throw new McpAuthError(
        'ERR_TOKEN_ISSUER',
        'The token was not issued by a trusted authorization server',
      );
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.algorithms.has(alg)) {
      throw new McpAuthError(
        'ERR_TOKEN_SIGNATURE',
        'The token is signed with an algorithm that is not allowed',
      );
    }
    if (header.crit !== undefined) {
      // RFC 7515 §4.1.11: no extension is understood here, so none may be critical.
      throw new McpAuthError(
        'ERR_TOKEN_SIGNATURE',
        'The token uses a critical header extension that is not supported',
      );
    }
    const keys = await this.keySetFor(issuer);
    await this.checkSignature(alg, header, segments, keys);
    this.checkClaims(header, payload, resource, now);
    return {
      auth: this.mapper.toAuthInfo(token, payload, resource.url),
      exp: payload.exp!,
      nbf: payload.nbf,
      kid: typeof header.kid === 'string' ? header.kid : undefined,
      keys,
      version: keys.version,
    };
  }

  /**
   * The signature, against the issuer's keys that match the header (jose selects and imports them; several keys
   * without a `kid` are each tried), checked with node:crypto (`verifyJwsSignature`).
   */
  private async checkSignature(
    alg: string,
    header: JWSHeaderParameters,
    segments: string[],
    keys: IssuerKeySet,
  ): Promise<void> {
    let candidates: CryptoKey[];
    try {
      candidates = [
        await keys.getKey(header, { protected: segments[0], payload: segments[1], signature: segments[2] }),
      ];
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw this.translate(error);
      candidates = [];
      for await (const key of error) candidates.push(key);
    }
    const signingInput = `${segments[0]}.${segments[1]}`;
    const signature = Buffer.from(segments[2], 'base64url');
    if (!candidates.some((key) => verifyJwsSignature(alg, signingInput, signature, key))) {
      throw new McpAuthError('ERR_TOKEN_SIGNATURE', 'The token signature could not be verified');
    }
  }

  /** RFC 9068 / RFC 7519 claim rules: `typ` (strict mode), `exp` required, `nbf`, `iat`, the audience (R18, R21, R22). */
  private checkClaims(
    header: JWSHeaderParameters,
    payload: JWTPayload,
    resource: ResolvedResource,
    now: number,
  ): void {
    const tolerance = this.options.clockTolerance;
    if (this.options.strictJwtType && (typeof header.typ !== 'string' || mediaType(header.typ) !== AT_JWT)) {
      throw new McpAuthError('ERR_TOKEN_TYPE', 'The token is not an RFC 9068 access token ("typ": "at+jwt")');
    }
    const { exp, nbf, iat } = payload;
    if (exp === undefined) throw new McpAuthError('ERR_TOKEN_EXPIRED', 'The token has no "exp" claim');
    if (typeof exp !== 'number' || exp <= now - tolerance) {
      throw new McpAuthError('ERR_TOKEN_EXPIRED', 'The token has expired');
    }
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) {
      throw new McpAuthError('ERR_TOKEN_NOT_YET_VALID', 'The token is not valid yet ("nbf")');
    }
    if (iat !== undefined && (typeof iat !== 'number' || iat > now + tolerance)) {
      throw new McpAuthError('ERR_TOKEN_NOT_YET_VALID', 'The token was issued in the future ("iat")');
    }
    if (resource.audience !== false)
      assertAudience(this.mapper.audience(payload, resource.audienceClaim), resource);
  }

  /**
   * Cheap structural parse before anything else: exactly three segments (JWS compact) in canonical, unpadded
   * base64url (RFC 7515 §2) — decoders accept padding and ignore unused bits, which would let one token be spelled
   * many ways — with a JSON object as header and as payload.
   */
  private decode(token: string) {
    const segments = token.split('.');
    if (!JWS_COMPACT.test(token) || !segments.every(isCanonicalBase64url)) {
      throw new McpAuthError(
        'ERR_TOKEN_MALFORMED',
        'The token is not a signed JWT (JWS compact serialization)',
      );
    }
    const header = jsonObject(segments[0]);
    const payload = jsonObject(segments[1]);
    if (!header || !payload)
      throw new McpAuthError('ERR_TOKEN_MALFORMED', 'The token is not a well-formed JWT');
    return { header: header as JWSHeaderParameters, payload: payload as JWTPayload, segments };
  }

  private async keySetFor(issuer: string): Promise<IssuerKeySet> {
    const uri = (await metadataOf(this.metadata, issuer, this.options.retryAfter)).jwks_uri;
    if (!uri)
      throw providerUnavailable('the issuer publishes no jwks_uri', this.options.retryAfter, undefined);
    let keys = this.keySets.get(uri);
    if (!keys) {
      keys = new IssuerKeySet(uri, this.options.jwks);
      this.keySets.set(uri, keys);
    }
    return keys;
  }

  /** Errors of the key set: no matching key is the token's fault (401), an unreachable provider is not (503). */
  private translate(error: unknown): McpAuthError {
    if (error instanceof McpAuthError) return error;
    if (
      error instanceof errors.JWKSNoMatchingKey ||
      error instanceof errors.JOSEAlgNotAllowed ||
      error instanceof errors.JOSENotSupported ||
      error instanceof errors.JWKInvalid
    ) {
      return new McpAuthError('ERR_TOKEN_SIGNATURE', 'The token signature could not be verified');
    }
    if (isProviderFault(error)) {
      return providerUnavailable('the key set could not be fetched', this.options.retryAfter, error);
    }
    return new McpAuthError('ERR_TOKEN_INVALID', 'The token is not acceptable');
  }
}

const AT_JWT = 'application/at+jwt';

/** A base64url segment (already checked canonical) as a JSON object, or `undefined`. */
function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A `typ` value as a media type (RFC 7515 §4.1.9: `application/` may be omitted; case-insensitive). */
function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}
