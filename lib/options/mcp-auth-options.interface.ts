import type {
  AuthorizationServerMetadata,
  AuthorizationServerType,
  AuthServerConfig,
} from '../discovery/authorization-server-metadata.js';
import type {
  AuthorizationServerOptions,
  MetadataTranspiler,
} from '../discovery/authorization-server-options.js';

export type { AuthorizationServerOptions, MetadataTranspiler };
import type { McpAuthInfo } from '../core/mcp-auth-info.js';

/**
 * An authorization server: an issuer URL (discovered, type probed), discovery options, or resolved metadata
 * (what `fetchServerConfig` returns, or a literal `{ metadata }` — no network at all).
 */
export type AuthorizationServerInput =
  | string
  | AuthorizationServerOptions
  | AuthServerConfig
  | { type?: AuthorizationServerType; metadata: AuthorizationServerMetadata };

/** Context handed to a custom verifier. */
export interface TokenVerifyContext {
  /** The resource identifier the request is for. */
  resource: string;
  /** Issuers trusted for this resource. */
  issuers: readonly string[];
}

/**
 * A custom verifier for tokens that are not JWTs (or need a special check). It resolves with the caller's auth
 * info, or throws (an `McpAuthError` keeps its code; anything else becomes 401 `invalid_token`). The module still
 * applies the claim rules every verifier shares: `issuer` must be one of the resource's authorization servers,
 * `audience` must name the resource (RFC 9068 §4, RFC 8707), and the time rules of RFC 7519 §4.1.4–4.1.6 with the
 * `clockTolerance` — `expiresAt` is the token's `exp`: optional (leave it `undefined` when the function vouches for
 * the lifetime itself, as RFC 7662 allows), else a finite NumericDate, refused once `now ≥ expiresAt +
 * clockTolerance` (`NaN`, `Infinity`, strings are refused); `claims.nbf` and `claims.iat`, when present, are
 * honoured as for a JWT.
 */
export type TokenVerifyFunction = (
  token: string,
  context: TokenVerifyContext,
) => Promise<Omit<McpAuthInfo, 'token' | 'resource'> & { token?: string; resource?: URL }>;

/** How a provider's claims become `McpAuthInfo` (the provider profile layer). */
export interface ClaimMappingOptions {
  /** Claims read, in order, for `clientId`. Default `['client_id', 'azp', 'cid', 'appid']`. */
  clientId?: string[];
  /** Claims holding granted scopes (a space-separated string, or an array). Default `['scope', 'scp', 'scopes']`. */
  scopes?: string[];
  /**
   * Claims of roles or permissions also granted as scopes, e.g. Auth0's `permissions` (RBAC) or Entra ID's
   * `roles` (app roles). Default none.
   */
  scopesFromClaims?: string[];
  /** Last word: receives the verified claims and the mapped auth info, returns the auth info to use. */
  map?: (claims: Record<string, unknown>, info: McpAuthInfo) => McpAuthInfo;
}

/** Opaque access tokens, verified by RFC 7662 token introspection. */
export interface IntrospectionOptions {
  /** The introspection endpoint. Default: the authorization server metadata's `introspection_endpoint`. */
  endpoint?: string;
  /** Which authorization server introspects (opaque tokens do not name their issuer). Default: the resource's first. */
  issuer?: string;
  /** The resource server's client credentials at the authorization server. */
  clientId: string;
  clientSecret: string;
  /** How the credentials are sent. Default `'client_secret_basic'`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Milliseconds an introspection request may take; beyond it the request gets 503. Default 5000. */
  timeout?: number;
  /** Seconds an active result is reused at most (never past the token's `exp`). Default 60; 0 disables caching. */
  cacheTtl?: number;
  /** Most results cached at once (least recently used evicted). Default 10 000. */
  cacheMaxEntries?: number;
}

/** One protected resource (an MCP server, or any group of routes) served by this app. */
export interface ResourceOptions {
  /**
   * The resource identifier (RFC 8707 / RFC 9728): an absolute `https:` (or loopback `http:`) URL without
   * fragment or query, e.g. `https://todo.example.com/mcp`. Used verbatim as `resource` in the metadata (R5).
   */
  resource: string;
  /** Authorization servers for this resource; defaults to the module's `authorizationServers`. */
  authorizationServers?: AuthorizationServerInput | AuthorizationServerInput[];
  /** Accepted `aud` values; defaults to the module's `audience`, then to `[resource]` (R18). */
  audience?: string | string[] | false;
  /** The claim compared with `audience`; defaults to the module's `audienceClaim`. */
  audienceClaim?: string;
  /** Scopes advertised in this resource's metadata; defaults to the module's `scopesSupported`. */
  scopesSupported?: string[];
  /** Scopes a 401 challenge names for this resource; defaults to the module's `defaultScopes`. */
  defaultScopes?: string[];
  /** Human-readable name (`resource_name`). */
  resourceName?: string;
  /** URL of human-readable documentation (`resource_documentation`). */
  resourceDocumentation?: string;
}

/** Options of `McpAuthModule.forRoot` / `forRootAsync`. */
export interface McpAuthModuleOptions {
  /**
   * This server's resource identifier(s). With several, a route names its resource with `@ProtectedResource()`,
   * or the guard picks the resource whose path is the longest prefix of the request path.
   */
  resource: string | ResourceOptions | Array<string | ResourceOptions>;
  /** The authorization servers whose tokens are accepted (at least one). */
  authorizationServers?: AuthorizationServerInput | AuthorizationServerInput[];
  /**
   * Accepted `aud` values. Default: the resource identifier (R18, a MUST since MCP 2025-06-18). `false` turns the
   * audience check off — only for providers that cannot put the resource in `aud`, and only on purpose.
   */
  audience?: string | string[] | false;
  /**
   * The claim the audience rule reads. Default `aud`. For providers that cannot put the resource in `aud` —
   * Amazon Cognito access tokens (`client_id`), Keycloak without an audience mapper (`azp`) — name the claim and
   * set `audience` to the value it must hold: explicit, never silently off.
   */
  audienceClaim?: string;
  /** How claims become `McpAuthInfo` (provider quirks: `scp`, `cid`, roles as scopes…). */
  claims?: ClaimMappingOptions;
  /** Scopes advertised in `scopes_supported` of the protected resource metadata. */
  scopesSupported?: string[];
  /**
   * Scopes every 401 challenge names (R9), besides those the operation itself needs: what clients ask for on
   * their first authorization — for an MCP server, the scopes a typical session starts with (e.g. `read:todos`).
   * Without them, a client sent to authorize by a request that needs no scope falls back to `scopesSupported`
   * (the SDK client does). Default: none.
   */
  defaultScopes?: string[];
  /** `resource_name` of the protected resource metadata. */
  resourceName?: string;
  /** `resource_documentation` of the protected resource metadata. */
  resourceDocumentation?: string;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (R21). Default 5. */
  clockTolerance?: number;
  /**
   * Accepted JWS algorithms (R20). Asymmetric only: HMAC and `none` are refused at boot.
   * Default: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519.
   */
  algorithms?: string[];
  /** Require `typ: at+jwt` (RFC 9068 strict mode, R22). Default false. */
  strictJwtType?: boolean;
  /**
   * `'jwt'` (default): verify JWT access tokens with the issuer's JWKS. `{ introspection }`: opaque tokens, by
   * RFC 7662 introspection. Or a custom verifier function.
   */
  verify?: 'jwt' | { introspection: IntrospectionOptions } | TokenVerifyFunction;
  /**
   * `'eager'` (default): metadata is fetched at boot, so a bad issuer fails the app's start.
   * `'lazy'`: on first use (single-flight; a failure is retried on a later request).
   */
  discovery?: 'eager' | 'lazy';
  /** Milliseconds a discovery request may take. Default 5000. */
  discoveryTimeout?: number;
  /** Remote JWKS tuning (milliseconds). */
  jwks?: {
    /** Fetch timeout. Default 5000. */
    timeout?: number;
    /** Minimum time between refetches triggered by an unknown `kid`. Default 30000. */
    cooldown?: number;
    /** Maximum age of a fetched key set. Default 600000. */
    cacheMaxAge?: number;
  };
  /**
   * The verified-token cache: MCP clients send the same access token with every request of a session, so a token
   * already verified is not verified again (signature included) until it could have changed. Entries are kept per
   * resource, keyed by the token, never past its `exp` nor `maxAge` seconds; `exp`/`nbf` are re-checked on every
   * hit; an entry is dropped when its signing key leaves the issuer's key set (noticed at the next key set refresh,
   * at most `jwks.cacheMaxAge` later). `false` turns it off. Default `{ maxEntries: 10000, maxAge: 300 }`.
   */
  tokenCache?: false | { maxEntries?: number; maxAge?: number };
  /**
   * `McpAuthContext` (AsyncLocalStorage) gives the caller to any service during a request. AsyncLocalStorage adds a
   * cost to every promise of the process on Node 20 and 22 (`npm run bench`: about 10-40 µs per REST request, more
   * on MCP requests), so it is only paid for when used:
   * - `'auto'` (default): on when a provider, controller, guard, interceptor or pipe of the application injects
   *   `McpAuthContext` (constructor, `@Inject()`, property injection or a factory's `inject`), decided at boot.
   *   When nothing does, reading `current` throws an error naming this option (the context was obtained some other
   *   way, e.g. `app.get(McpAuthContext)` or in a lazy-loaded module: set `true`).
   * - `true`: always on.
   * - `false`: off; `current` is always `undefined`.
   *
   * `req.auth`, `@AuthInfo()` and the MCP SDK's `extra.authInfo` work in every case.
   */
  context?: boolean | 'auto';
  /** Serve the first authorization server's metadata at `/.well-known/oauth-authorization-server` (R31). */
  legacyAuthorizationServerMetadata?: boolean;
  /**
   * What a 403 `insufficient_scope` challenge names in `scope` (R13):
   * `'accumulate'` (default) — the scopes the token already holds that this resource knows, plus those the
   * operation needs, so that clients which ask for exactly the challenged scopes keep what they had;
   * `'required'` — only the scopes the operation needs.
   */
  stepUpScopes?: 'accumulate' | 'required';
  /**
   * A scope hierarchy (R15): a granted key scope implies every scope in its list, e.g.
   * `{ 'todos:admin': ['read:todos', 'create:todos', 'delete:todos'] }`.
   */
  scopeHierarchy?: Record<string, string[]>;
  /** Seconds sent in `Retry-After` when the provider is unreachable (503). Default 5. */
  retryAfter?: number;
}
