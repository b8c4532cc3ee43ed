import { IsDefined, IsIn, IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import type { JWK } from 'jose';
import { DEFAULT_ALGORITHMS } from '../core/algorithms.js';
import {
  ACCESS_TOKEN_TYPE,
  CLIENT_AUTH_METHODS,
  DOWNSTREAM_GRANTS,
  type ClientAuthMethod,
  type DownstreamGrant,
} from '../core/oauth-grants.js';
import type { Defaulted } from './option-types.js';
import { Is, Nested, Optional } from './option-tree.js';
import { IsIdentifier, IsStringList, RequiredWhen } from './option-rules.js';

/** Where a shared cache keeps downstream tokens: a cache-manager 7 `Cache` (`CACHE_MANAGER`) or a Keyv fits. */
export interface DownstreamTokenStore {
  get<T>(key: string): Promise<T | undefined | null>;
  /** `ttl` in milliseconds. */
  set<T>(key: string, value: T, ttl?: number): Promise<unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isPrivateKey = (value: unknown) =>
  typeof value === 'string'
    ? value.includes('-----BEGIN PRIVATE KEY-----')
    : isObject(value) && typeof value.d === 'string';

const SECRET_METHODS: readonly unknown[] = ['client_secret_basic', 'client_secret_post'];

/** Why `clientSecret` is required, if it is: a secret method is named, or nothing else authenticates the client. */
const secretRequired = ({ authMethod, privateKey }: Record<string, unknown>) => {
  if (SECRET_METHODS.includes(authMethod)) return `is required by authMethod ${String(authMethod)}`;
  return authMethod === undefined && privateKey === undefined
    ? 'is required unless a privateKey is given'
    : undefined;
};

/** One value or a non-empty list of values, each a non-empty string accepted by `each`. */
const oneOrMore = (value: unknown, each: (v: string) => boolean = () => true) => {
  const values = Array.isArray(value) ? value : [value];
  return values.length > 0 && values.every((v) => typeof v === 'string' && v.length > 0 && each(v));
};

/** An RFC 8707 §2 resource indicator: an absolute URI without a fragment. */
const isResourceIndicator = (value: string) => URL.canParse(value) && !value.includes('#');

/** Why `resource` is required, if it is: a target names what its token is for. */
const resourceRequired = ({ audience, scopes }: Record<string, unknown>) =>
  audience === undefined && !(Array.isArray(scopes) && scopes.length > 0)
    ? 'is required unless audience or scopes are given (what the token is for)'
    : undefined;

/**
 * This server's own client at the authorization server: who asks for downstream tokens (RFC 6749 §2.3). It needs
 * the grants its targets use (token exchange, jwt-bearer, client credentials) enabled at the provider.
 */
export class DownstreamClientSettings {
  /** The client identifier (`client_id`). */
  @IsString()
  @MinLength(1)
  clientId: string;

  /**
   * The client secret, for `client_secret_basic` / `client_secret_post`: required unless a `privateKey` is given
   * (RFC 6749 §2.3.1).
   */
  @RequiredWhen(secretRequired)
  @IsString()
  @MinLength(1)
  clientSecret?: string;

  /**
   * The private key for `private_key_jwt` (RFC 7523 §2.2): a private JWK or a PKCS#8 PEM string. Assertions are
   * signed with jose: `aud` the token endpoint, valid 60 s.
   */
  @RequiredWhen((o) =>
    o.authMethod === 'private_key_jwt' ? 'is required by authMethod private_key_jwt' : undefined,
  )
  @Is(
    'privateKey',
    isPrivateKey,
    'must be a private JWK (with "d") or a PKCS#8 PEM string (-----BEGIN PRIVATE KEY-----)',
  )
  privateKey?: JWK | string;

  /** `kid` of the client assertion. Default: the JWK's `kid`. */
  @Optional()
  @IsString()
  privateKeyId?: string;

  /** JWS algorithm of the client assertion. Default: the JWK's `alg`, else RS256 (RSA) / ES256 (EC) / EdDSA. */
  @Optional()
  @IsIn(DEFAULT_ALGORITHMS)
  signingAlgorithm?: string;

  /**
   * How the client authenticates at the token endpoint. Default: `private_key_jwt` when a `privateKey` is given,
   * else `client_secret_basic` unless the provider's `token_endpoint_auth_methods_supported` lists only
   * `client_secret_post`.
   */
  @Optional()
  @IsIn(CLIENT_AUTH_METHODS)
  authMethod?: ClientAuthMethod;

  /**
   * The issuer (exactly) of the authorization server this client is registered at; it must be one of the module's
   * `authorizationServers`, unless `tokenEndpoint` and `authMethod` are both set. Default: the issuer of the
   * caller's token (token exchange, on-behalf-of) or the first configured authorization server (client
   * credentials).
   */
  @Optional()
  @IsIdentifier()
  issuer?: string;

  /** The token endpoint. Default: the issuer's metadata `token_endpoint` (discovered). */
  @Optional()
  @IsIdentifier()
  tokenEndpoint?: string;
}

/** One downstream API and how a token for it is obtained. */
export class DownstreamTargetSettings {
  /**
   * - `'token-exchange'` (default): RFC 8693 — the caller's access token is the `subject_token` (Keycloak, Okta,
   *   Auth0 custom token exchange, any RFC 8693 provider);
   * - `'on-behalf-of'`: Microsoft Entra ID's OBO — the caller's token is the `assertion` of a jwt-bearer grant
   *   with `requested_token_use=on_behalf_of`;
   * - `'client-credentials'`: RFC 6749 §4.4 — a token of this server itself, the same for every caller.
   */
  @IsIn(DOWNSTREAM_GRANTS)
  grant: Defaulted<DownstreamGrant> = 'token-exchange';

  /**
   * RFC 8707 `resource` indicator(s) of the API: absolute URIs, sent as they are. A target names what its token
   * is for: a `resource`, an `audience` or `scopes`.
   */
  @RequiredWhen(resourceRequired)
  @Is(
    'resourceIndicators',
    (value) => oneOrMore(value, isResourceIndicator),
    'must be an absolute URI without a fragment (RFC 8707 §2), or a non-empty list of them',
  )
  resource?: string | string[];

  /** RFC 8693 `audience` value(s) (logical names, e.g. Auth0 API identifiers); also sent for client credentials. */
  @Optional()
  @Is('audience', (value) => oneOrMore(value), 'must be a non-empty string or a non-empty list of strings')
  audience?: string | string[];

  /** Scopes asked for (Entra: `api://<app-id>/.default` or the API's scopes). Default none. */
  @IsStringList()
  @MinLength(1, { each: true, message: 'must not contain an empty scope' })
  scopes: Defaulted<string[]> = [];

  /**
   * RFC 8693 `subject_token_type` (token exchange only). Default `urn:ietf:params:oauth:token-type:access_token`;
   * Auth0's custom token exchange requires a type of your own (e.g. `urn:example:mcp-access-token`).
   */
  @IsString()
  @MinLength(1)
  subjectTokenType: Defaulted<string> = ACCESS_TOKEN_TYPE;

  /** RFC 8693 `requested_token_type` (token exchange only). Default `urn:ietf:params:oauth:token-type:access_token`. */
  @IsString()
  @MinLength(1)
  requestedTokenType: Defaulted<string> = ACCESS_TOKEN_TYPE;

  /**
   * Where `DownstreamTokens.fetch()` may send this target's token: URLs under this one (same origin, path prefix);
   * relative URLs are resolved against it. Default: the first `resource` that is an http(s) URL.
   */
  @Optional()
  @IsIdentifier()
  baseUrl?: string;

  /** This target's own client. Default: the `downstream.client`. */
  @Nested({ type: () => DownstreamClientSettings })
  client?: DownstreamClientSettings;
}

/** The cache of downstream tokens. */
export class DownstreamCacheSettings {
  /** Most tokens kept in this process (least recently used evicted). Default 10 000. */
  @IsInt()
  @Min(1)
  maxEntries: Defaulted<number> = 10_000;

  /** Seconds before its expiry a token stops being handed out (a call in flight must not outlive it). Default 30. */
  @IsInt()
  @Min(0)
  @Max(3600)
  margin: Defaulted<number> = 30;

  /**
   * A store shared by replicas (looked up after this process's own cache misses): a cache-manager `Cache`
   * (`@nestjs/cache-manager`'s `CACHE_MANAGER`, e.g. with `@keyv/redis`) or a Keyv. It holds downstream tokens:
   * protect it like a credential store. Default: none (each process keeps its own).
   */
  @Optional()
  @Is(
    'tokenStore',
    (value) => isObject(value) && typeof value.get === 'function' && typeof value.set === 'function',
    'must have get(key) and set(key, value, ttlMs) (a cache-manager Cache, e.g. CACHE_MANAGER, or a Keyv)',
  )
  store?: DownstreamTokenStore;
}

/** `downstream` of `McpAuthModule`: calling other APIs as the caller, without forwarding the caller's token. */
export class DownstreamSettings {
  /** This server's client at the authorization server. */
  @IsDefined({ message: 'is required: { clientId, clientSecret | privateKey }' })
  @Nested({ type: () => DownstreamClientSettings })
  client: DownstreamClientSettings;

  /** The downstream APIs, by the name `getToken(name)` and `fetch(name, …)` use: at least one. */
  @IsDefined({ message: 'is required: { name: { resource | audience | scopes, … } }' })
  @Is(
    'notEmptyRecord',
    (value) => !isObject(value) || Object.keys(value).length > 0,
    'must name at least one target: { name: { resource | audience | scopes, … } }',
  )
  @Nested({ type: () => DownstreamTargetSettings, record: true })
  targets: Record<string, DownstreamTargetSettings>;

  /** Milliseconds a token request may take; beyond it the call fails with `provider_timeout` (504). Default 5000. */
  @IsInt()
  @Min(1)
  timeout: Defaulted<number> = 5_000;

  /**
   * The token cache: per caller and target, until the token's expiry minus `margin`. `false` turns it off (every
   * call asks the provider: tests only). Default `{ maxEntries: 10000, margin: 30 }`.
   */
  @Nested({
    type: () => DownstreamCacheSettings,
    shorthand: (value) => (value === false ? undefined : 'must be false or { maxEntries?, margin?, store? }'),
  })
  cache: Defaulted<false | DownstreamCacheSettings> = new DownstreamCacheSettings();
}
