import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
  ValidateNested,
  ValidatorConstraint,
  Validate,
  type ValidatorConstraintInterface,
  type ValidationArguments,
} from 'class-validator';
import { DEFAULT_ALGORITHMS } from './defaults.js';
import { identifierProblem } from '../core/url-rules.js';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Resource and issuer identifiers (see `identifierProblem`). */
@ValidatorConstraint({ name: 'identifier' })
class IdentifierConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return identifierProblem(value) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return identifierProblem(args.value) ?? 'is invalid';
  }
}

/** `audience`: a non-empty string, a non-empty array of strings, or `false`. */
@ValidatorConstraint({ name: 'audience' })
class AudienceConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === undefined || value === false) return true;
    if (typeof value === 'string') return value.length > 0;
    return (
      Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0)
    );
  }
  defaultMessage(): string {
    return 'must be a non-empty string, a non-empty array of strings, or false (to turn the audience check off on purpose)';
  }
}

@ValidatorConstraint({ name: 'verify' })
class VerifyConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === undefined || value === 'jwt' || typeof value === 'function') return true;
    return !!value && typeof value === 'object' && 'introspection' in value;
  }
  defaultMessage(): string {
    return "must be 'jwt', { introspection: { clientId, clientSecret, … } } or a function (token, context) => Promise<McpAuthInfo>";
  }
}

@ValidatorConstraint({ name: 'optionalFunction' })
class OptionalFunctionConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return value === undefined || typeof value === 'function';
  }
  defaultMessage(): string {
    return 'must be a function';
  }
}

@ValidatorConstraint({ name: 'scopeHierarchy' })
class ScopeHierarchyConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === undefined) return true;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.values(value).every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s));
  }
  defaultMessage(): string {
    return 'must map each scope to an array of the scopes it implies';
  }
}

export class AuthorizationServerSchema {
  @Validate(IdentifierConstraint)
  issuer: string;

  @IsOptional()
  @IsIn(['oidc', 'oauth'])
  type?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  wellKnownUrl?: string;
}

export class ClaimMappingSchema {
  @IsOptional() @IsString({ each: true }) clientId?: string[];
  @IsOptional() @IsString({ each: true }) scopes?: string[];
  @IsOptional() @IsString({ each: true }) scopesFromClaims?: string[];
  @Validate(OptionalFunctionConstraint) map?: unknown;
}

export class IntrospectionSchema {
  @IsOptional() @IsUrl(URL_OPTIONS) endpoint?: string;
  @IsOptional() @Validate(IdentifierConstraint) issuer?: string;
  @IsString() @MinLength(1) clientId: string;
  @IsString() @MinLength(1) clientSecret: string;
  @IsOptional() @IsIn(['client_secret_basic', 'client_secret_post']) authMethod?: string;
  @IsOptional() @IsInt() @Min(1) timeout?: number;
  @IsOptional() @IsInt() @Min(0) cacheTtl?: number;
  @IsOptional() @IsInt() @Min(1) cacheMaxEntries?: number;
}

export class ResourceSchema {
  @Validate(IdentifierConstraint)
  resource: string;

  @IsArray()
  @ArrayNotEmpty({ message: 'must name at least one authorization server' })
  @ValidateNested({ each: true })
  @Type(() => AuthorizationServerSchema)
  authorizationServers: AuthorizationServerSchema[];

  @Validate(AudienceConstraint)
  audience?: string | string[] | false;

  @IsOptional()
  @IsString()
  @MinLength(1)
  audienceClaim?: string;

  @IsOptional()
  @IsString({ each: true })
  scopesSupported?: string[];

  @IsOptional()
  @IsString({ each: true })
  defaultScopes?: string[];

  @IsOptional()
  @IsString()
  resourceName?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  resourceDocumentation?: string;
}

@ValidatorConstraint({ name: 'tokenCache' })
class TokenCacheConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === undefined || value === false) return true;
    if (!value || typeof value !== 'object') return false;
    const { maxEntries, maxAge } = value as { maxEntries?: unknown; maxAge?: unknown };
    const ok = (n: unknown, min: number) => n === undefined || (Number.isInteger(n) && (n as number) >= min);
    return ok(maxEntries, 1) && ok(maxAge, 1);
  }
  defaultMessage(): string {
    return 'must be false or { maxEntries?: integer >= 1, maxAge?: seconds, integer >= 1 }';
  }
}

export class JwksSchema {
  @IsOptional() @IsInt() @Min(1) timeout?: number;
  @IsOptional() @IsInt() @Min(0) cooldown?: number;
  @IsOptional() @IsInt() @Min(0) cacheMaxAge?: number;
}

/** The options after resources and servers were normalised to lists; validated at boot. */
export class McpAuthOptionsSchema {
  @IsArray()
  @ArrayNotEmpty({ message: 'must name at least one resource' })
  @ValidateNested({ each: true })
  @Type(() => ResourceSchema)
  resource: ResourceSchema[];

  @IsOptional() @IsNumber() @Min(0) @Max(600) clockTolerance?: number;

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(DEFAULT_ALGORITHMS, {
    each: true,
    message: `must contain only asymmetric JWS algorithms (${DEFAULT_ALGORITHMS.join(', ')}); HMAC and none are never accepted`,
  })
  algorithms?: string[];

  @IsOptional() @IsBoolean() strictJwtType?: boolean;
  @Validate(VerifyConstraint) verify?: unknown;

  /** `verify.introspection`, lifted here by `resolveOptions` to be validated as a class. */
  @IsOptional()
  @ValidateNested()
  @Type(() => IntrospectionSchema)
  introspection?: IntrospectionSchema;

  @IsOptional()
  @ValidateNested()
  @Type(() => ClaimMappingSchema)
  claims?: ClaimMappingSchema;
  @IsOptional() @IsIn(['eager', 'lazy']) discovery?: string;
  @IsOptional() @IsInt() @Min(1) discoveryTimeout?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => JwksSchema)
  jwks?: JwksSchema;

  @Validate(TokenCacheConstraint) tokenCache?: unknown;
  @IsOptional() @IsBoolean() legacyAuthorizationServerMetadata?: boolean;
  @IsOptional() @IsIn([true, false, 'auto']) context?: boolean | 'auto';
  @IsOptional() @IsIn(['accumulate', 'required']) stepUpScopes?: string;
  @Validate(ScopeHierarchyConstraint) scopeHierarchy?: Record<string, string[]>;
  @IsOptional() @IsInt() @Min(0) retryAfter?: number;
}
