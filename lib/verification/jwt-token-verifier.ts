import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import type { McpAuthInfo } from '../context/mcp-auth-info.js';
import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import { McpAuthError, type McpAuthErrorCode } from '../errors/mcp-auth.error.js';
import type { ResolvedMcpAuthOptions, ResolvedResource } from '../options/resolve-options.js';
import { assertAudience } from './audience.js';
import type { ClaimMapper } from './claim-mapper.js';
import { isProviderFault, providerUnavailable } from './provider-unavailable.js';
import type { TokenVerifier } from './token-verifier.js';

/** Where the verifier reads an issuer's metadata (the `AuthorizationServerRegistry`). */
export interface MetadataLookup {
  peek(issuer: string): AuthorizationServerMetadata | undefined;
  get(issuer: string): Promise<AuthorizationServerMetadata>;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const CLAIM_CODES: Record<string, McpAuthErrorCode> = {
  exp: 'ERR_TOKEN_EXPIRED',
  nbf: 'ERR_TOKEN_NOT_YET_VALID',
  iat: 'ERR_TOKEN_NOT_YET_VALID',
  iss: 'ERR_TOKEN_ISSUER',
  aud: 'ERR_TOKEN_AUDIENCE',
  typ: 'ERR_TOKEN_TYPE',
};

/**
 * Verifies JWT access tokens (RFC 9068) with jose: the issuer is chosen from the unverified `iss` among the
 * resource's trusted servers before any network call (R19); keys come only from that issuer's `jwks_uri` (R20 —
 * `jku`, `x5u` and embedded `jwk` are never followed); algorithms from the allow-list; `exp` required, `nbf`/`iat`
 * checked with the clock tolerance (R21); `aud` must name the resource (R18); optional `typ: at+jwt` (R22).
 */
export class JwtTokenVerifier implements TokenVerifier {
  private readonly keySets = new Map<string, KeySet>();
  private readonly verifyOptions = new Map<string, JWTVerifyOptions>();
  private readonly algorithms: ReadonlySet<string>;

  constructor(
    private readonly options: ResolvedMcpAuthOptions,
    private readonly metadata: MetadataLookup,
    private readonly mapper: ClaimMapper,
  ) {
    this.algorithms = new Set(options.algorithms);
  }

  async verify(token: string, resource: ResolvedResource): Promise<McpAuthInfo> {
    const { header, payload } = this.decode(token);
    const issuer = payload.iss;
    if (typeof issuer !== 'string' || !resource.issuers.includes(issuer)) {
      throw new McpAuthError(
        'ERR_TOKEN_ISSUER',
        'The token was not issued by a trusted authorization server',
      );
    }
    if (typeof header.alg !== 'string' || !this.algorithms.has(header.alg)) {
      throw new McpAuthError(
        'ERR_TOKEN_SIGNATURE',
        'The token is signed with an algorithm that is not allowed',
      );
    }
    const keys = await this.keySetFor(issuer);
    let verified: JWTPayload;
    try {
      ({ payload: verified } = await jwtVerify(token, keys, this.verifyOptionsFor(resource, issuer)));
    } catch (error) {
      throw this.translate(error);
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof verified.iat === 'number' && verified.iat > now + this.options.clockTolerance) {
      throw new McpAuthError('ERR_TOKEN_NOT_YET_VALID', 'The token was issued in the future ("iat")');
    }
    // jose checks `aud`; another audience claim (Cognito's client_id, Keycloak's azp) is checked here.
    if (resource.audienceClaim !== 'aud')
      assertAudience(this.mapper.audience(verified, resource.audienceClaim), resource);
    return this.mapper.toAuthInfo(token, verified, resource.url);
  }

  /** Cheap structural parse before anything else: exactly three segments (JWS compact), JSON header and payload. */
  private decode(token: string) {
    if (token.split('.', 4).length !== 3) {
      throw new McpAuthError(
        'ERR_TOKEN_MALFORMED',
        'The token is not a signed JWT (JWS compact serialization)',
      );
    }
    try {
      return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
    } catch {
      throw new McpAuthError('ERR_TOKEN_MALFORMED', 'The token is not a well-formed JWT');
    }
  }

  private async keySetFor(issuer: string): Promise<KeySet> {
    let metadata = this.metadata.peek(issuer);
    if (!metadata) {
      try {
        metadata = await this.metadata.get(issuer);
      } catch (error) {
        throw providerUnavailable('metadata discovery failed', this.options.retryAfter, error);
      }
    }
    const uri = metadata.jwks_uri;
    if (!uri)
      throw providerUnavailable('the issuer publishes no jwks_uri', this.options.retryAfter, undefined);
    let keys = this.keySets.get(uri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(uri), {
        timeoutDuration: this.options.jwks.timeout,
        cooldownDuration: this.options.jwks.cooldown,
        cacheMaxAge: this.options.jwks.cacheMaxAge,
      });
      this.keySets.set(uri, keys);
    }
    return keys;
  }

  private verifyOptionsFor(resource: ResolvedResource, issuer: string): JWTVerifyOptions {
    const key = `${resource.id}\n${issuer}`;
    let options = this.verifyOptions.get(key);
    if (!options) {
      options = {
        issuer,
        audience:
          resource.audience === false || resource.audienceClaim !== 'aud'
            ? undefined
            : [...resource.audience],
        algorithms: [...this.options.algorithms],
        clockTolerance: this.options.clockTolerance,
        requiredClaims: ['exp'],
        typ: this.options.strictJwtType ? 'at+jwt' : undefined,
      };
      this.verifyOptions.set(key, options);
    }
    return options;
  }

  private translate(error: unknown): McpAuthError {
    if (error instanceof errors.JWTExpired) {
      return new McpAuthError('ERR_TOKEN_EXPIRED', 'The token has expired');
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      const code = CLAIM_CODES[error.claim] ?? 'ERR_TOKEN_INVALID';
      const message =
        error.reason === 'missing'
          ? `The token has no "${error.claim}" claim`
          : `The token's "${error.claim}" claim is not acceptable`;
      return new McpAuthError(code, message);
    }
    if (
      error instanceof errors.JWSSignatureVerificationFailed ||
      error instanceof errors.JWKSNoMatchingKey ||
      error instanceof errors.JOSEAlgNotAllowed ||
      error instanceof errors.JOSENotSupported
    ) {
      return new McpAuthError('ERR_TOKEN_SIGNATURE', 'The token signature could not be verified');
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return new McpAuthError('ERR_TOKEN_MALFORMED', 'The token is not a well-formed JWT');
    }
    if (error instanceof McpAuthError) return error;
    if (isProviderFault(error))
      return providerUnavailable('the key set could not be fetched', this.options.retryAfter, error);
    return new McpAuthError('ERR_TOKEN_INVALID', 'The token is not acceptable');
  }
}
