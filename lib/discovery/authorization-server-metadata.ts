/**
 * OAuth 2.0 Authorization Server Metadata (RFC 8414 §2), which OpenID Connect Discovery 1.0 extends.
 * Only `issuer` is required by RFC 8414; what a resource server needs beyond it (`jwks_uri` for JWTs,
 * `introspection_endpoint` for opaque tokens) is checked by `validateServerMetadata`.
 */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  jwks_uri?: string;
  registration_endpoint?: string;
  scopes_supported?: string[];
  response_types_supported?: string[];
  response_modes_supported?: string[];
  grant_types_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  service_documentation?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  introspection_endpoint_auth_methods_supported?: string[];
  code_challenge_methods_supported?: string[];
  /** OpenID Connect Discovery. */
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
  id_token_signing_alg_values_supported?: string[];
  /** OAuth Client ID Metadata Documents (MCP 2025-11-25). */
  client_id_metadata_document_supported?: boolean;
  /** RFC 9207. */
  authorization_response_iss_parameter_supported?: boolean;
  [extension: string]: unknown;
}

/** How an authorization server publishes its metadata. */
export type AuthorizationServerType = 'oidc' | 'oauth';

/** Resolved authorization server configuration, as `fetchServerConfig` returns it (mcp-auth's `AuthServerConfig`). */
export interface AuthServerConfig {
  /** Which discovery convention produced the metadata (`oauth` for inline metadata without a type). */
  type: AuthorizationServerType;
  /** The validated metadata document. */
  metadata: AuthorizationServerMetadata;
}
