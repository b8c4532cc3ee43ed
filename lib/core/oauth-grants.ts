/** The ways `DownstreamTokens` obtains a token for a downstream API. */
export type DownstreamGrant = 'token-exchange' | 'on-behalf-of' | 'client-credentials';

/** Every `DownstreamGrant`, in documentation order. */
export const DOWNSTREAM_GRANTS: readonly DownstreamGrant[] = [
  'token-exchange',
  'on-behalf-of',
  'client-credentials',
];

/** RFC 8693 §2.1 `grant_type` of a token exchange. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 7523 §2.1 `grant_type`, used by Microsoft Entra ID's on-behalf-of flow (`requested_token_use=on_behalf_of`). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** RFC 6749 §4.4 `grant_type`. */
export const CLIENT_CREDENTIALS_GRANT = 'client_credentials';
/** RFC 8693 §3 token type identifier of an OAuth 2.0 access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** RFC 7523 §2.2 `client_assertion_type` of `private_key_jwt` client authentication. */
export const JWT_CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The `grant_type` each `DownstreamGrant` is sent as (and looked up in `grant_types_supported`). */
export const GRANT_TYPE: Readonly<Record<DownstreamGrant, string>> = {
  'token-exchange': TOKEN_EXCHANGE_GRANT,
  'on-behalf-of': JWT_BEARER_GRANT,
  'client-credentials': CLIENT_CREDENTIALS_GRANT,
};

/** Client authentication methods at the token endpoint (RFC 6749 §2.3.1, OpenID Connect Core §9). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Every `ClientAuthMethod`. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
];
