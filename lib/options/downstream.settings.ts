import 'reflect-metadata';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import type { JWK } from 'jose';
import { DEFAULT_ALGORITHMS } from '../core/algorithms.js';
import { identifierProblem } from '../core/url-rules.js';
import {
  ACCESS_TOKEN_TYPE,
  CLIENT_AUTH_METHODS,
  DOWNSTREAM_GRANTS,
  type ClientAuthMethod,
  type DownstreamGrant,
} from '../core/oauth-grants.js';

/** An https URL (plain http on loopback hosts), without query, fragment or credentials. */
@ValidatorConstraint({ name: 'httpsUrl' })
class HttpsUrlConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return value === undefined || identifierProblem(value) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return identifierProblem(args.value) ?? 'is invalid';
  }
}

/** RFC 8707 `resource` / RFC 8693 `audience` values: one absolute URI (or any non-empty string), or a list. */
@ValidatorConstraint({ name: 'targetValues' })
class TargetValuesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    if (value === undefined) return true;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || !values.every((v) => typeof v === 'string' && v.length > 0)) return false;
    return args.property !== 'resource' || values.every(isResourceIndicator);
  }
  defaultMessage(args: ValidationArguments): string {
    return args.property === 'resource'
      ? 'must be an absolute URI without a fragment (RFC 8707 §2), or a non-empty list of them'
      : 'must be a non-empty string or a non-empty list of strings';
  }
}

function isResourceIndicator(value: string): boolean {
  return URL.canParse(value) && !value.includes('#');
}

/** A private JWK (with `d`) or a PKCS#8 PEM string. */
@ValidatorConstraint({ name: 'privateKey' })
class PrivateKeyConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === undefined) return true;
    if (typeof value === 'string') return value.includes('-----BEGIN PRIVATE KEY-----');
    return typeof value === 'object' && value !== null && typeof (value as JWK).d === 'string';
  }
  defaultMessage(): string {
    return 'must be a private JWK (with "d") or a PKCS#8 PEM string (-----BEGIN PRIVATE KEY-----)';
  }
}

/** Where a shared cache keeps downstream tokens: a cache-manager 7 `Cache` (`CACHE_MANAGER`) or a Keyv fits. */
export interface DownstreamTokenStore {
  get<T>(key: string): Promise<T | undefined | null>;
  /** `ttl` in milliseconds. */
  set<T>(key: string, value: T, ttl?: number): Promise<unknown>;
}

@ValidatorConstraint({ name: 'tokenStore' })
class TokenStoreConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === undefined) return true;
    const store = value as Partial<DownstreamTokenStore> | null;
    return typeof store?.get === 'function' && typeof store.set === 'function';
  }
  defaultMessage(): string {
    return 'must have get(key) and set(key, value, ttlMs) (a cache-manager Cache, e.g. CACHE_MANAGER, or a Keyv)';
  }
}

/**
 * This server's own client at the authorization server: who asks for downstream tokens (RFC 6749 §2.3). It needs
 * the grants its targets use (token exchange, jwt-bearer, client credentials) enabled at the provider.
 */
export class DownstreamClientOptions {
  /** The client identifier (`client_id`). */
  @IsString()
  @MinLength(1)
  clientId!: string;

  /** The client secret, for `client_secret_basic` / `client_secret_post`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  clientSecret?: string;

  /** The private key for `private_key_jwt` (RFC 7523 §2.2): a private JWK or a PKCS#8 PEM string. */
  @Validate(PrivateKeyConstraint)
  privateKey?: JWK | string;

  /** `kid` of the client assertion. Default: the JWK's `kid`. */
  @IsOptional()
  @IsString()
  privateKeyId?: string;

  /** JWS algorithm of the client assertion. Default: the JWK's `alg`, else RS256 (RSA) / ES256 (EC) / EdDSA. */
  @IsOptional()
  @IsIn(DEFAULT_ALGORITHMS)
  signingAlgorithm?: string;

  /**
   * How the client authenticates at the token endpoint. Default: `private_key_jwt` when a `privateKey` is given,
   * else `client_secret_basic` unless the provider's `token_endpoint_auth_methods_supported` lists only
   * `client_secret_post`.
   */
  @IsOptional()
  @IsIn(CLIENT_AUTH_METHODS)
  authMethod?: ClientAuthMethod;

  /**
   * The issuer (exactly) of the authorization server this client is registered at; it must be one of the module's
   * `authorizationServers`, unless `tokenEndpoint` and `authMethod` are both set. Default: the issuer of the
   * caller's token (token exchange, on-behalf-of) or the first configured authorization server (client
   * credentials).
   */
  @IsOptional()
  @Validate(HttpsUrlConstraint)
  issuer?: string;

  /** The token endpoint. Default: the issuer's metadata `token_endpoint` (discovered). */
  @IsOptional()
  @Validate(HttpsUrlConstraint)
  tokenEndpoint?: string;
}

/** One downstream API and how a token for it is obtained. */
export class DownstreamTargetOptions {
  /**
   * - `'token-exchange'`: RFC 8693 — the caller's access token is the `subject_token` (Keycloak, Okta, Auth0
   *   custom token exchange, any RFC 8693 provider);
   * - `'on-behalf-of'`: Microsoft Entra ID's OBO — the caller's token is the `assertion` of a jwt-bearer grant
   *   with `requested_token_use=on_behalf_of`;
   * - `'client-credentials'`: RFC 6749 §4.4 — a token of this server itself, the same for every caller.
   */
  @IsOptional()
  @IsIn(DOWNSTREAM_GRANTS)
  grant?: DownstreamGrant = 'token-exchange';

  /** RFC 8707 `resource` indicator(s) of the API: absolute URIs, sent as they are. */
  @Validate(TargetValuesConstraint)
  resource?: string | string[];

  /** RFC 8693 `audience` value(s) (logical names, e.g. Auth0 API identifiers); also sent for client credentials. */
  @Validate(TargetValuesConstraint)
  audience?: string | string[];

  /** Scopes asked for (Entra: `api://<app-id>/.default` or the API's scopes). Default none. */
  @IsOptional()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  scopes?: string[] = [];

  /**
   * RFC 8693 `subject_token_type` (token exchange only). Default `urn:ietf:params:oauth:token-type:access_token`;
   * Auth0's custom token exchange requires a type of your own (e.g. `urn:example:mcp-access-token`).
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  subjectTokenType?: string = ACCESS_TOKEN_TYPE;

  /** RFC 8693 `requested_token_type` (token exchange only). Default `urn:ietf:params:oauth:token-type:access_token`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  requestedTokenType?: string = ACCESS_TOKEN_TYPE;

  /**
   * Where `DownstreamTokens.fetch()` may send this target's token: URLs under this one (same origin, path prefix);
   * relative URLs are resolved against it. Default: the first `resource` that is an http(s) URL.
   */
  @IsOptional()
  @Validate(HttpsUrlConstraint)
  baseUrl?: string;

  /** This target's own client. Default: the `downstream.client`. */
  client?: DownstreamClientOptions;
}

/** The cache of downstream tokens. */
export class DownstreamCacheOptions {
  /** Most tokens kept in this process (least recently used evicted). Default 10 000. */
  @IsOptional()
  @IsInt()
  @Min(1)
  maxEntries?: number = 10_000;

  /** Seconds before its expiry a token stops being handed out (a call in flight must not outlive it). Default 30. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  margin?: number = 30;

  /**
   * A store shared by replicas (looked up after this process's own cache misses): a cache-manager `Cache`
   * (`@nestjs/cache-manager`'s `CACHE_MANAGER`, e.g. with `@keyv/redis`) or a Keyv. It holds downstream tokens:
   * protect it like a credential store. Default: none (each process keeps its own).
   */
  @Validate(TokenStoreConstraint)
  store?: DownstreamTokenStore;
}

/** `downstream` of `McpAuthModule`: calling other APIs as the caller, without forwarding the caller's token. */
export class DownstreamOptions {
  /** This server's client at the authorization server. */
  client!: DownstreamClientOptions;

  /** The downstream APIs, by the name `getToken(name)` and `fetch(name, …)` use. */
  targets!: Record<string, DownstreamTargetOptions>;

  /** Milliseconds a token request may take; beyond it the call fails with `provider_timeout` (504). Default 5000. */
  @IsOptional()
  @IsInt()
  @Min(1)
  timeout?: number = 5_000;

  /** The token cache; `false` turns it off (every call asks the provider: tests only). */
  cache?: DownstreamCacheOptions | false;

  /** Seconds a `provider_unavailable` error suggests waiting (`retryAfter`). Default 5. */
  @IsOptional()
  @IsInt()
  @Min(0)
  retryAfter?: number = 5;
}
