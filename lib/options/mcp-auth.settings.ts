import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  Max,
  Min,
} from 'class-validator';
import { DEFAULT_ALGORITHMS } from '../core/algorithms.js';
import { DEFAULT_DISCOVERY_TIMEOUT } from '../discovery/fetch-server-config.js';
import { AuditSettings } from './audit.settings.js';
import { DownstreamSettings } from './downstream.settings.js';
import { ClaimMappingSettings } from './claim-mapping.settings.js';
import { JwksSettings } from './jwks.settings.js';
import type { Defaulted } from './option-types.js';
import { Is, Nested } from './option-tree.js';
import { NotEmptyList } from './option-rules.js';
import {
  ResourceDefaults,
  ResourceSettings,
  resourceShorthand,
  type ResourceForm,
} from './resource.settings.js';
import { RefusalLimitSettings } from './refusal-limit.settings.js';
import { TokenCacheSettings } from './token-cache.settings.js';
import { VerifySettings, verifyShorthand, type VerifyForm } from './verify.settings.js';

const isScopeHierarchy = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every(
    (v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0),
  );

/**
 * The options of `McpAuthModule.forRoot` / `forRootAsync` — each option once: its documentation, its constraints
 * and its default (the field's initializer). The per-resource options it inherits are the default of every
 * resource.
 */
export class McpAuthSettings extends ResourceDefaults {
  /**
   * This server's resource identifier(s): an identifier, a resource's options, or a list of them. With several, a
   * route names its resource with `@ProtectedResource()`, or the guard picks the resource whose path is the
   * longest prefix of the request path.
   */
  @IsDefined({ message: 'is required' })
  @NotEmptyList('must name at least one resource')
  @Nested({ type: () => ResourceSettings, shorthand: resourceShorthand, list: true })
  resource: ResourceForm | ResourceForm[];

  /** How claims become `McpAuthInfo` (provider quirks: `scp`, `cid`, roles as scopes…). */
  @Nested({ type: () => ClaimMappingSettings })
  claims: Defaulted<ClaimMappingSettings> = new ClaimMappingSettings();

  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (RFC 7519 §4.1.4–4.1.6), 0–600. Default 5. */
  @IsNumber()
  @Min(0)
  @Max(600)
  clockTolerance: Defaulted<number> = 5;

  /**
   * Accepted JWS algorithms (RFC 8725 §3.1). Asymmetric only: HMAC and `none` are refused at boot.
   * Default `DEFAULT_ALGORITHMS`: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519.
   */
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(DEFAULT_ALGORITHMS, {
    each: true,
    message: `must contain only asymmetric JWS algorithms (${DEFAULT_ALGORITHMS.join(', ')}); HMAC and none are never accepted`,
  })
  algorithms: Defaulted<string[]> = [...DEFAULT_ALGORITHMS];

  /** Require `typ: at+jwt` (RFC 9068 §2.1, strict mode). Default false. */
  @IsBoolean()
  strictJwtType: Defaulted<boolean> = false;

  /**
   * How tokens are verified. `'jwt'` (default): JWT access tokens (RFC 9068) with the issuer's JWKS.
   * `{ introspection }`: opaque tokens, by RFC 7662 introspection. `{ verifier }`: your own `TokenVerifier`. Or a
   * verify function. The module applies the issuer, audience and expiry rules to what a verifier or function
   * answers.
   */
  @Nested({ type: () => VerifySettings, shorthand: verifyShorthand })
  verify: Defaulted<VerifyForm> = 'jwt';

  /**
   * `'eager'` (default): metadata is fetched at boot, so a bad issuer fails the app's start.
   * `'lazy'`: on first use (single-flight; a failure is retried on a later request).
   */
  @IsIn(['eager', 'lazy'])
  discovery: Defaulted<'eager' | 'lazy'> = 'eager';

  /** Milliseconds a discovery request may take. Default 5000 (`fetchServerConfig`'s default). */
  @IsInt()
  @Min(1)
  discoveryTimeout: Defaulted<number> = DEFAULT_DISCOVERY_TIMEOUT;

  /** Remote JWKS tuning (milliseconds). */
  @Nested({ type: () => JwksSettings })
  jwks: Defaulted<JwksSettings> = new JwksSettings();

  /**
   * The verified-token cache: MCP clients send the same access token with every request of a session, so a token
   * already verified is not verified again (signature included) until it could have changed. Entries are kept per
   * resource, keyed by the token, never past its `exp` nor `maxAge` seconds; `exp`/`nbf` are re-checked on every
   * hit; an entry is dropped when its signing key leaves the issuer's key set (noticed at the next key set refresh,
   * at most `jwks.cacheMaxAge` later). A token enters the cache when it is verified a second time (`admission`), so
   * tokens used once do not evict those of live sessions. `false` turns it off. Default
   * `{ maxEntries: 10000, maxAge: 300, admission: 'second-use' }`.
   */
  @Nested({
    type: () => TokenCacheSettings,
    shorthand: (value) =>
      value === false ? undefined : 'must be false or { maxEntries?, maxAge?, admission? }',
  })
  tokenCache: Defaulted<false | TokenCacheSettings> = new TokenCacheSettings();

  /**
   * `McpAuthContext`: the caller of the current request for any singleton service, through AsyncLocalStorage.
   * Default `false`. Set `true` to read `McpAuthContext.current` (or `require()`) in your services; while off,
   * reading it throws `McpAuthConfigError` `ERR_CONTEXT_DISABLED`. What it costs when on: on Node 20 and 22,
   * AsyncLocalStorage puts a hook on every promise of the process — 30–40 µs per REST request and about 50 µs per
   * MCP request in this library's benchmark. `@AuthInfo()`, `req.auth` and the MCP SDK's `extra.authInfo` give
   * the caller at no cost, whatever this option.
   */
  @IsBoolean({ message: 'must be true or false' })
  context: Defaulted<boolean> = false;

  /**
   * Serve the first authorization server's metadata at `/.well-known/oauth-authorization-server` (for clients of
   * the MCP 2025-03-26 revision). Default false.
   */
  @IsBoolean()
  legacyAuthorizationServerMetadata: Defaulted<boolean> = false;

  /**
   * What a 403 `insufficient_scope` challenge names in `scope` (RFC 6750 §3.1, MCP 2025-11-25 scope step-up):
   * `'accumulate'` (default) — the scopes the token already holds that this resource knows, plus those the
   * operation needs, so that clients which ask for exactly the challenged scopes keep what they had;
   * `'required'` — only the scopes the operation needs.
   */
  @IsIn(['accumulate', 'required'])
  stepUpScopes: Defaulted<'accumulate' | 'required'> = 'accumulate';

  /**
   * A scope hierarchy: a granted key scope implies every scope in its list, transitively, e.g.
   * `{ 'todos:admin': ['read:todos', 'create:todos', 'delete:todos'] }`. Default none.
   */
  @Is('scopeHierarchy', isScopeHierarchy, 'must map each scope to an array of the scopes it implies')
  scopeHierarchy: Defaulted<Record<string, string[]>> = {};

  /**
   * Calling downstream APIs as the caller without forwarding the caller's token (token passthrough is forbidden by
   * the MCP security best practices): RFC 8693 token exchange, Entra ID on-behalf-of, or client credentials, through
   * the injectable `DownstreamTokens`. Default: none.
   */
  @Nested({ type: () => DownstreamSettings })
  downstream?: DownstreamSettings;

  /**
   * Seconds sent in `Retry-After` when a provider is unreachable (503): discovery, the JWKS, introspection, and a
   * downstream token endpoint (`DownstreamTokenError` `provider_unavailable`). Default 5.
   */
  @IsInt()
  @Min(0)
  retryAfter: Defaulted<number> = 5;

  /**
   * The audit trail: one structured line per refused request (and, with `accepted: true`, per accepted one)
   * through Nest's `Logger`, context `McpAuthAudit`: reason code, status, resource, route, method, client address,
   * the verified caller (issuer, subject, client id) and the duration — never a token. `false` turns it off.
   * Default `{ refused: true, accepted: false, format: 'json' }`.
   */
  @Nested({
    type: () => AuditSettings,
    shorthand: (value) => (value === false ? undefined : 'must be false or { refused?, accepted?, format? }'),
  })
  audit: Defaulted<false | AuditSettings> = new AuditSettings();

  /**
   * Limits refused-token floods per client address (IPv6: per /64): an address that sent more than `max` bad
   * tokens (or malformed requests) within `window` seconds gets 429 with `Retry-After` until the window ends,
   * before any verification (RFC 6585 §4). In-process, bounded by `maxAddresses`. Default `false` (off): behind a
   * proxy every client has the proxy's address unless the app trusts it (Express `app.set('trust proxy', …)`), and
   * one client's bad tokens would then lock out everyone. `{}` turns it on with `{ max: 20, window: 60,
   * maxAddresses: 10000 }`.
   */
  @Nested({
    type: () => RefusalLimitSettings,
    shorthand: (value) => (value === false ? undefined : 'must be false or { max?, window?, maxAddresses? }'),
  })
  refusalLimit: Defaulted<false | RefusalLimitSettings> = false;

  /**
   * Metrics and spans through `@opentelemetry/api` (an optional peer: install it and an SDK — the API alone records
   * nothing, at no cost). The SDK must be registered before the app is created: instruments are created at boot.
   * Default true.
   */
  @IsBoolean({ message: 'must be true or false' })
  openTelemetry: Defaulted<boolean> = true;
}
