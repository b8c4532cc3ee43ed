import { IsArray, IsBoolean, IsOptional, IsString, ValidateBy } from 'class-validator';
import { urlProblem, type UrlKind } from '../core/url-rules.js';

const MUST_BE_STRINGS = 'must be an array of strings';
const MUST_BE_BOOLEAN = 'must be a boolean';

/** A URL of `kind`, by the rules of `core/url-rules.ts` (the value itself is added by the message builder). */
function IsUrlOf(kind: UrlKind): PropertyDecorator {
  return ValidateBy({
    name: `${kind}Url`,
    validator: {
      validate: (value: unknown) => urlProblem(value, kind) === undefined,
      defaultMessage: (args) => urlProblem(args?.value, kind)?.reason ?? '',
    },
  });
}

/** Validates an absent-or-URL field of `kind`. */
function OptionalUrl(kind: UrlKind): PropertyDecorator {
  const optional = IsOptional();
  const url = IsUrlOf(kind);
  return (target, key) => {
    optional(target, key);
    url(target, key);
  };
}

/** Validates an absent-or-string-array field. */
function OptionalStringArray(): PropertyDecorator {
  const optional = IsOptional();
  const array = IsArray({ message: MUST_BE_STRINGS });
  const strings = IsString({ each: true, message: MUST_BE_STRINGS });
  return (target, key) => {
    optional(target, key);
    array(target, key);
    strings(target, key);
  };
}

/** Validates an absent-or-boolean field. */
function OptionalBoolean(): PropertyDecorator {
  const optional = IsOptional();
  const boolean = IsBoolean({ message: MUST_BE_BOOLEAN });
  return (target, key) => {
    optional(target, key);
    boolean(target, key);
  };
}

/**
 * The class-validator view of an authorization server metadata document (RFC 8414 §2, OpenID Connect Discovery
 * 1.0 §3). It checks the types of the fields this library and MCP clients rely on; other members are neither
 * checked nor removed. Internal: use `validateServerMetadata`.
 */
export class ServerMetadataDocument {
  @IsString({ message: 'must be a string' })
  @IsUrlOf('identifier')
  issuer: string;

  @OptionalUrl('endpoint') authorization_endpoint?: string;
  @OptionalUrl('endpoint') token_endpoint?: string;
  @OptionalUrl('endpoint') jwks_uri?: string;
  @OptionalUrl('endpoint') registration_endpoint?: string;
  @OptionalUrl('endpoint') introspection_endpoint?: string;
  @OptionalUrl('endpoint') revocation_endpoint?: string;
  @OptionalUrl('endpoint') userinfo_endpoint?: string;
  @OptionalUrl('endpoint') end_session_endpoint?: string;
  @OptionalUrl('page') service_documentation?: string;

  @OptionalStringArray() scopes_supported?: string[];
  @OptionalStringArray() response_types_supported?: string[];
  @OptionalStringArray() response_modes_supported?: string[];
  @OptionalStringArray() grant_types_supported?: string[];
  @OptionalStringArray() token_endpoint_auth_methods_supported?: string[];
  @OptionalStringArray() token_endpoint_auth_signing_alg_values_supported?: string[];
  @OptionalStringArray() introspection_endpoint_auth_methods_supported?: string[];
  @OptionalStringArray() code_challenge_methods_supported?: string[];
  @OptionalStringArray() id_token_signing_alg_values_supported?: string[];

  @OptionalBoolean() client_id_metadata_document_supported?: boolean;
  @OptionalBoolean() authorization_response_iss_parameter_supported?: boolean;
}
