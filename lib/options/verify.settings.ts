import type { Type } from '@nestjs/common';
import { IsDefined, IsIn, IsInt, IsString, Min, MinLength, ValidateIf } from 'class-validator';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { TokenVerifier } from '../core/token-verifier.js';
import type { Defaulted } from './option-types.js';
import { Is, Nested, Optional } from './option-tree.js';
import { IsEndpointUrl, IsIdentifier } from './option-rules.js';

/** Context handed to a custom verify function. */
export interface TokenVerifyContext {
  /** The resource identifier the request is for. */
  resource: string;
  /** Issuers trusted for this resource. */
  issuers: readonly string[];
}

/**
 * A custom verify function for tokens that are not JWTs (or need a special check). It resolves with the caller's
 * auth info, or throws (an `McpAuthError` keeps its code; anything else becomes 401 `invalid_token`). The module
 * still applies the claim rules every verifier shares: `issuer` must be one of the resource's authorization
 * servers, `audience` must name the resource (RFC 9068 §4, RFC 8707), and the time rules of RFC 7519 §4.1.4–4.1.6
 * with the `clockTolerance` — `expiresAt` is the token's `exp`: optional (leave it `undefined` when the function
 * vouches for the lifetime itself, as RFC 7662 allows), else a finite NumericDate, refused once `now ≥ expiresAt +
 * clockTolerance` (`NaN`, `Infinity`, strings are refused); `claims.nbf` and `claims.iat`, when present, are
 * honoured as for a JWT.
 */
export type TokenVerifyFunction = (
  token: string,
  context: TokenVerifyContext,
) => Promise<Omit<McpAuthInfo, 'token' | 'resource'> & { token?: string; resource?: URL }>;

/** Opaque access tokens, verified by RFC 7662 token introspection. */
export class IntrospectionSettings {
  /**
   * The introspection endpoint (`https:`, plain `http:` on loopback). Default: the authorization server metadata's
   * `introspection_endpoint`.
   */
  @Optional()
  @IsEndpointUrl()
  endpoint?: string;

  /** Which authorization server introspects (opaque tokens do not name their issuer). Default: the resource's first. */
  @Optional()
  @IsIdentifier()
  issuer?: string;

  /** The resource server's client identifier at the authorization server. */
  @IsString()
  @MinLength(1)
  clientId: string;

  /** The resource server's client secret at the authorization server. */
  @IsString()
  @MinLength(1)
  clientSecret: string;

  /** How the credentials are sent (RFC 6749 §2.3.1). Default `'client_secret_basic'`. */
  @IsIn(['client_secret_basic', 'client_secret_post'])
  authMethod: Defaulted<'client_secret_basic' | 'client_secret_post'> = 'client_secret_basic';

  /** Milliseconds an introspection request may take; beyond it the request gets 503. Default 5000. */
  @IsInt()
  @Min(1)
  timeout: Defaulted<number> = 5_000;

  /** Seconds an active result is reused at most (never past the token's `exp`). Default 60; 0 disables caching. */
  @IsInt()
  @Min(0)
  cacheTtl: Defaulted<number> = 60;

  /** Most results cached at once (least recently used evicted). Default 10 000. */
  @IsInt()
  @Min(1)
  cacheMaxEntries: Defaulted<number> = 10_000;
}

const isTokenVerifier = (value: unknown): boolean => {
  const target = typeof value === 'function' ? (value as { prototype?: unknown }).prototype : value;
  return typeof (target as { verify?: unknown } | null)?.verify === 'function';
};

/** The object form of `verify`: one of `introspection` or `verifier`. */
export class VerifySettings {
  /** Opaque access tokens, verified by RFC 7662 token introspection. */
  @ValidateIf((o: VerifySettings) => o.verifier === undefined)
  @IsDefined({ message: 'is required, unless verify.verifier is given' })
  @Nested({ type: () => IntrospectionSettings })
  introspection?: IntrospectionSettings;

  /**
   * Your own `TokenVerifier` (`verify(token, resource)` → `McpAuthInfo`): an instance — build it in
   * `forRootAsync`'s factory to give it injected dependencies — or a class, which the module instantiates with
   * Nest's dependency injection (`ModuleRef.create`: its dependencies come from the module's context, that is
   * global modules and `forRootAsync`'s `imports`). The module still checks the `issuer`, `audience` and
   * `expiresAt` it answers, as for a verify function.
   */
  @Optional()
  @Is(
    'tokenVerifier',
    isTokenVerifier,
    'must be a TokenVerifier (an object with a verify method) or its class',
  )
  @Is('alone', (_, o) => o.introspection === undefined, 'cannot be combined with verify.introspection')
  verifier?: TokenVerifier | Type<TokenVerifier>;
}

/** The `verify` option: `'jwt'`, a verify function, or `{ introspection }` / `{ verifier }`. */
export type VerifyForm = 'jwt' | TokenVerifyFunction | VerifySettings;

/** Why a value that is not an object is not a `verify` option. */
export const verifyShorthand = (value: unknown): string | undefined =>
  value === 'jwt' || typeof value === 'function'
    ? undefined
    : "must be 'jwt', { introspection: { clientId, clientSecret, … } }, { verifier } or a function (token, context) => Promise<McpAuthInfo>";
