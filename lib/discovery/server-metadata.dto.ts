import { IsArray, IsBoolean, IsOptional, IsString, IsUrl } from 'class-validator';

type UrlRules = NonNullable<Parameters<typeof IsUrl>[0]>;

/**
 * An absolute `http:` or `https:` URL. `require_tld: false` admits `localhost`, loopback addresses and single-label
 * hosts (development providers, containers); `allow_underscores` admits container host names such as `auth_server`.
 */
const HTTP_URL: UrlRules = {
  require_protocol: true,
  require_valid_protocol: true,
  protocols: ['http', 'https'],
  require_tld: false,
  allow_underscores: true,
};

/** An issuer identifier: an absolute http(s) URL without query or fragment (RFC 8414 §2). */
const ISSUER_URL: UrlRules = { ...HTTP_URL, allow_query_components: false, allow_fragments: false };

const MUST_BE_URL = 'must be an absolute http(s) URL';
const MUST_BE_STRINGS = 'must be an array of strings';
const MUST_BE_BOOLEAN = 'must be a boolean';

/** Validates an absent-or-URL field. */
function OptionalHttpUrl(): PropertyDecorator {
  const optional = IsOptional();
  const url = IsUrl(HTTP_URL, { message: MUST_BE_URL });
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
  @IsUrl(ISSUER_URL, { message: 'must be an absolute http(s) URL without query or fragment' })
  issuer: string;

  @OptionalHttpUrl() authorization_endpoint?: string;
  @OptionalHttpUrl() token_endpoint?: string;
  @OptionalHttpUrl() jwks_uri?: string;
  @OptionalHttpUrl() registration_endpoint?: string;
  @OptionalHttpUrl() introspection_endpoint?: string;
  @OptionalHttpUrl() revocation_endpoint?: string;
  @OptionalHttpUrl() userinfo_endpoint?: string;
  @OptionalHttpUrl() end_session_endpoint?: string;
  @OptionalHttpUrl() service_documentation?: string;

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
