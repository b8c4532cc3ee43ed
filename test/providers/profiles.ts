/**
 * Provider profiles: how Auth0, Microsoft Entra ID (v2), Keycloak, Okta (custom authorization server), Amazon
 * Cognito and Logto look to a resource server — the issuer form, the discovery document (which members are present
 * or missing), the JWS header and the access-token claim set they issue — reproduced on 127.0.0.1 by the local
 * issuer of `nest-mcp-auth/testing`, with the `McpAuthModule` options a user of each provider sets. No test runner
 * is imported here: the e2e suite is `providers.e2e-spec.ts`.
 *
 * Identifiers (tenant, realm, pool and client ids) are made up but have the real shapes. Every endpoint of a
 * document is written on the local issuer's origin, so nothing outside 127.0.0.1 is ever named; where the real
 * provider serves an endpoint on another host (Cognito's user pool domain, Entra's Graph userinfo) the path is kept.
 */
import type { McpAuthInfo, McpAuthModuleOptions } from '../../lib/index.js';
import type { LocalIssuer, LocalIssuerOptions } from '../../lib/testing/index.js';

/** The MCP server's resource identifier in every profile (RFC 8707 / RFC 9728). */
export const RESOURCE = 'https://todo.example.com/mcp';
/** The scopes the protected test app (`test/support/protected-app.ts`) requires. */
export const APP_SCOPES = ['read:todos', 'create:todos'] as const;
/** Another API of the same tenant: what a wrong-audience token was issued for. */
export const OTHER_API = 'https://billing.example.com/api';

export type ProviderId = 'auth0' | 'entra' | 'keycloak' | 'keycloak-azp' | 'okta' | 'cognito' | 'logto';

/** An R30 boot warning: what MCP clients will miss in the provider's document. */
export type MetadataWarning = 'pkce' | 'registration';

/** What to mint. */
export interface TokenRequest {
  /** App-level scope names (`read:todos`), written by the profile in the provider's form. */
  scopes: readonly string[];
  /** `'other'`: the same claim set, issued for another API (Cognito: to another app client). Default `'own'`. */
  audience?: 'own' | 'other';
}

export interface ProviderProfile {
  readonly id: ProviderId;
  readonly name: string;
  /** The real provider's issuer and JWKS URL, for documentation. */
  readonly real: { readonly issuer: string; readonly jwksUri: string };
  /** Issuer form, JWKS path, discovery convention, keys and the discovery document. */
  readonly localIssuer: LocalIssuerOptions;
  /** The `typ` JWS header parameter the provider writes in access tokens (`null`: none). */
  readonly typ: string | null;
  /** Paths the module fetches at boot with this profile's options, and the answer each gets. */
  readonly discoveryRequests: ReadonlyArray<{ readonly path: string; readonly status: 200 | 404 }>;
  /** The R30 warnings the module logs at boot for this document. */
  readonly warnings: readonly MetadataWarning[];
  /** The `McpAuthModule` options a user of this provider sets (with the test app's plain scope names). */
  options(issuer: LocalIssuer): McpAuthModuleOptions;
  /** A realistic access token for `RESOURCE`. */
  token(issuer: LocalIssuer, request: TokenRequest): Promise<string>;
  /** What `/api/me` shows for `token(issuer, { scopes })`. */
  expected(scopes: readonly string[]): { subject: string; clientId: string; scopes: string[] };
  /** The scope a client asks the provider for, for an app-level scope name. */
  requestedScope(scope: string): string;
  /**
   * Options for an app whose `@RequireScopes` and `scopesSupported` use the names clients ask the provider for
   * (`requestedScope`), so that challenges name scopes the provider knows. Only where they differ from the
   * app-level names (Entra ID, Cognito).
   */
  providerNamedOptions?(issuer: LocalIssuer): McpAuthModuleOptions;
  /** What to configure at the provider (README provider table). */
  readonly configure: string;
}

const originOf = (doc: Record<string, unknown>) => new URL(String(doc.issuer)).origin;
const OIDC_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'name', 'email', 'email_verified'];

// ---------------------------------------------------------------------------------------------------------------
// Auth0: https://{tenant}.auth0.com/ (trailing slash), JWKS at /.well-known/jwks.json.
// ---------------------------------------------------------------------------------------------------------------

const AUTH0_CLIENT = 'kX3pQ9rT2vW8yZ1aB4cD6eF7gH0jK5mN';
const AUTH0_USER = 'auth0|6650f1c2e4b0a1d2c3e4f5a6';

export const AUTH0: ProviderProfile = {
  id: 'auth0',
  name: 'Auth0',
  real: {
    issuer: 'https://{tenant}.auth0.com/',
    jwksUri: 'https://{tenant}.auth0.com/.well-known/jwks.json',
  },
  localIssuer: {
    issuerPath: '/',
    jwksPath: '/.well-known/jwks.json',
    discovery: 'oidc',
    algorithms: ['RS256'],
    metadata: (doc) => {
      const o = originOf(doc);
      return {
        issuer: doc.issuer,
        authorization_endpoint: `${o}/authorize`,
        token_endpoint: `${o}/oauth/token`,
        device_authorization_endpoint: `${o}/oauth/device/code`,
        userinfo_endpoint: `${o}/userinfo`,
        mfa_challenge_endpoint: `${o}/mfa/challenge`,
        jwks_uri: doc.jwks_uri,
        // Advertised by the tenant; registration succeeds only with Dynamic Client Registration turned on.
        registration_endpoint: `${o}/oidc/register`,
        revocation_endpoint: `${o}/oauth/revoke`,
        scopes_supported: [
          'openid',
          'profile',
          'offline_access',
          'name',
          'given_name',
          'family_name',
          'nickname',
          'email',
          'email_verified',
          'picture',
          'created_at',
          'identities',
          'phone',
          'address',
        ],
        response_types_supported: [
          'code',
          'token',
          'id_token',
          'code token',
          'code id_token',
          'token id_token',
          'code token id_token',
        ],
        code_challenge_methods_supported: ['S256', 'plain'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'private_key_jwt',
        ],
        claims_supported: [...OIDC_CLAIMS, 'nickname', 'picture', 'given_name', 'family_name'],
        request_uri_parameter_supported: false,
        request_parameter_supported: false,
        token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
        end_session_endpoint: `${o}/oidc/logout`,
        // No grant_types_supported, no introspection_endpoint: Auth0 lists neither.
      };
    },
  },
  typ: 'JWT', // 'at+jwt' with the RFC 9068 token dialects
  discoveryRequests: [{ path: '/.well-known/openid-configuration', status: 200 }],
  warnings: [],
  options: (issuer) => ({
    resource: RESOURCE, // the API identifier is the resource URL: the default audience rule holds
    authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
    scopesSupported: [...APP_SCOPES],
    claims: { scopesFromClaims: ['permissions'] }, // RBAC + "Add Permissions in the Access Token"
  }),
  token: (issuer, { scopes, audience }) =>
    issuer.mint({
      subject: AUTH0_USER,
      audience: [audience === 'other' ? OTHER_API : RESOURCE, `${issuer.issuer}userinfo`],
      scopes: ['openid', 'profile', 'email', ...scopes],
      header: { typ: 'JWT' },
      claims: {
        azp: AUTH0_CLIENT,
        permissions: [...scopes], // RBAC: the user's permissions on this API
        client_id: undefined, // the default dialect writes azp; client_id only with the RFC 9068 dialects
        jti: undefined,
      },
    }),
  expected: (scopes) => ({
    subject: AUTH0_USER,
    clientId: AUTH0_CLIENT,
    scopes: ['openid', 'profile', 'email', ...scopes],
  }),
  requestedScope: (scope) => scope,
  configure:
    'Create an API whose Identifier is the MCP resource URL, with the scopes as its permissions; enable the ' +
    'Resource Parameter Compatibility Profile (tenant Advanced settings) so that `resource` selects the API ' +
    '(without it, tokens are issued for `audience` only, or for the default audience); for DCR enable Dynamic ' +
    'Client Registration (open registration) and promote the connections users sign in with to domain level, ' +
    'or pre-register the client. Refresh tokens: "Allow Offline Access" on the API plus `offline_access`. RBAC ' +
    'with "Add Permissions in the Access Token" writes a `permissions` array.',
};

// ---------------------------------------------------------------------------------------------------------------
// Microsoft Entra ID v2: https://login.microsoftonline.com/{tenant-id}/v2.0, keys at /{tenant-id}/discovery/v2.0/keys.
// ---------------------------------------------------------------------------------------------------------------

export const ENTRA_TENANT = '3f9b8c2e-5d4a-4e6f-9a1b-7c8d2e0f4a6b';
/** The API's app registration (application/client id): `aud` of v2 access tokens. */
export const ENTRA_API_APP = 'b2d6c0a4-8e1f-4b3a-9c5d-0f7e6a1b2c3d';
const ENTRA_CLIENT_APP = 'e8f1a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b';
const ENTRA_USER_OID = '7a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
/** Microsoft Graph's application id: a Graph token sent to the API is the typical wrong-audience token. */
const MICROSOFT_GRAPH = '00000003-0000-0000-c000-000000000000';
const ENTRA_APP_ID_URI = `api://${ENTRA_API_APP}`;

export const ENTRA: ProviderProfile = {
  id: 'entra',
  name: 'Microsoft Entra ID (v2)',
  real: {
    issuer: 'https://login.microsoftonline.com/{tenant-id}/v2.0',
    jwksUri: 'https://login.microsoftonline.com/{tenant-id}/discovery/v2.0/keys',
  },
  localIssuer: {
    issuerPath: `/${ENTRA_TENANT}/v2.0`,
    jwksPath: `/${ENTRA_TENANT}/discovery/v2.0/keys`,
    discovery: 'oidc', // OpenID discovery only: Entra serves no RFC 8414 document
    algorithms: ['RS256'],
    metadata: (doc) => {
      const o = `${originOf(doc)}/${ENTRA_TENANT}`;
      return {
        token_endpoint: `${o}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: doc.jwks_uri,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: doc.issuer,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${originOf(doc)}/oidc/userinfo`, // https://graph.microsoft.com/oidc/userinfo
        authorization_endpoint: `${o}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${o}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${o}/oauth2/v2.0/logout`,
        claims_supported: [
          ...OIDC_CLAIMS,
          'cloud_instance_name',
          'cloud_instance_host_name',
          'cloud_graph_host_name',
          'msgraph_host',
          'acr',
          'nonce',
          'preferred_username',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
        ],
        kerberos_endpoint: `${o}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
        // No code_challenge_methods_supported (PKCE S256 works but is not advertised), no registration_endpoint,
        // no grant_types_supported, no introspection_endpoint.
      };
    },
  },
  typ: 'JWT',
  discoveryRequests: [{ path: `/${ENTRA_TENANT}/v2.0/.well-known/openid-configuration`, status: 200 }],
  warnings: ['pkce', 'registration'],
  options: (issuer) => ({
    resource: RESOURCE,
    authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
    audience: ENTRA_API_APP, // v2 access tokens always name the API's client id
    scopesSupported: [...APP_SCOPES],
    claims: {
      scopesFromClaims: ['roles'], // app roles: app-only (client credentials) tokens carry no scp
      map: (claims, info): McpAuthInfo =>
        typeof claims.oid === 'string' ? { ...info, subject: claims.oid } : info, // oid: stable across apps
    },
  }),
  token: (issuer, { scopes, audience }) =>
    issuer.mint({
      subject: 'kXr1Yb8vZpQ2mN4tL6wJ0hF3dG5sA7cE9uI1oP2qR3s', // pairwise per application
      audience: audience === 'other' ? MICROSOFT_GRAPH : ENTRA_API_APP,
      notBefore: 0,
      scopes: [],
      header: { typ: 'JWT' },
      claims: {
        aio: 'AWQAm/8ZAAAAbq3xgN5H2kD0R7vF4cYtLmPz9eW1sJ6uHoG8iB3nQ==',
        azp: ENTRA_CLIENT_APP,
        azpacr: '0',
        name: 'Alice Example',
        oid: ENTRA_USER_OID,
        preferred_username: 'alice@contoso.example',
        rh: '1.AXkA7aQ2c0qvAkGx3yWm9ZkHJwQAAAAAAAAAwAAAAAAAAAB5AK95AA.',
        scp: scopes.join(' '),
        sid: '003d7c5e-1f2a-4b3c-9d8e-7f6a5b4c3d2e',
        tid: ENTRA_TENANT,
        uti: 'Lf3kQx9rZ0ypWm2nT7aBAA',
        ver: '2.0',
        client_id: undefined,
        jti: undefined, // Entra writes uti
      },
    }),
  expected: (scopes) => ({ subject: ENTRA_USER_OID, clientId: ENTRA_CLIENT_APP, scopes: [...scopes] }),
  requestedScope: (scope) => `${ENTRA_APP_ID_URI}/${scope}`,
  providerNamedOptions: (issuer) => ({
    ...ENTRA.options(issuer),
    scopesSupported: APP_SCOPES.map((s) => `${ENTRA_APP_ID_URI}/${s}`),
    claims: {
      scopesFromClaims: ['roles'],
      // scp holds `read:todos`; clients must ask for `api://{app-id}/read:todos`: name the granted scopes so.
      map: (claims, info): McpAuthInfo => ({
        ...info,
        subject: typeof claims.oid === 'string' ? claims.oid : info.subject,
        scopes: info.scopes.map((s) => `${ENTRA_APP_ID_URI}/${s}`),
      }),
    },
  }),
  configure:
    'Register the API (Expose an API: Application ID URI, e.g. `api://{app-id}`, and delegated scopes; App ' +
    'roles for app-only access) and set `"requestedAccessTokenVersion": 2` (`accessTokenAcceptedVersion`) in ' +
    'its manifest — otherwise access tokens are v1 (`iss` https://sts.windows.net/{tenant}/, `appid`) and are ' +
    "refused. Clients ask for `api://{app-id}/read:todos`; `aud` is the API's client id. No DCR and no RFC 8707: " +
    'the v2 endpoint rejects the `resource` parameter (AADSTS901002 / AADSTS9010010), so MCP clients must omit ' +
    'it, and clients are pre-registered (public client, redirect URIs). PKCE S256 works but is not advertised. ' +
    'Refresh tokens with `offline_access` (24 h for SPA redirect URIs).',
};

// ---------------------------------------------------------------------------------------------------------------
// Keycloak: https://{host}/realms/{realm}, JWKS at /realms/{realm}/protocol/openid-connect/certs.
// ---------------------------------------------------------------------------------------------------------------

const KEYCLOAK_REALM = 'mcp';
const KEYCLOAK_USER = '5f0c8a2e-3b7d-4e1f-a6c9-2d8b4e0f1a3c';
/** The pre-registered MCP client (azp). */
export const KEYCLOAK_CLIENT = 'todo-mcp-client';

function keycloakMetadata(doc: Record<string, unknown>): Record<string, unknown> {
  const o = `${originOf(doc)}/realms/${KEYCLOAK_REALM}`;
  const oidc = `${o}/protocol/openid-connect`;
  return {
    issuer: doc.issuer,
    authorization_endpoint: `${oidc}/auth`,
    token_endpoint: `${oidc}/token`,
    introspection_endpoint: `${oidc}/token/introspect`,
    userinfo_endpoint: `${oidc}/userinfo`,
    end_session_endpoint: `${oidc}/logout`,
    frontchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    jwks_uri: doc.jwks_uri,
    check_session_iframe: `${oidc}/login-status-iframe.html`,
    grant_types_supported: [
      'authorization_code',
      'client_credentials',
      'implicit',
      'password',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      'urn:ietf:params:oauth:grant-type:uma-ticket',
      'urn:openid:params:grant-type:ciba',
    ],
    acr_values_supported: ['0', '1'],
    response_types_supported: [
      'code',
      'none',
      'id_token',
      'token',
      'id_token token',
      'code id_token',
      'code token',
      'code id_token token',
    ],
    subject_types_supported: ['public', 'pairwise'],
    prompt_values_supported: ['none', 'login', 'consent'],
    id_token_signing_alg_values_supported: [
      'PS384',
      'RS384',
      'EdDSA',
      'ES384',
      'HS256',
      'HS512',
      'ES256',
      'RS256',
    ],
    userinfo_signing_alg_values_supported: ['PS384', 'RS384', 'EdDSA', 'ES384', 'ES256', 'RS256', 'none'],
    response_modes_supported: [
      'query',
      'fragment',
      'form_post',
      'query.jwt',
      'fragment.jwt',
      'form_post.jwt',
      'jwt',
    ],
    registration_endpoint: `${o}/clients-registrations/openid-connect`,
    token_endpoint_auth_methods_supported: [
      'private_key_jwt',
      'client_secret_basic',
      'client_secret_post',
      'tls_client_auth',
      'client_secret_jwt',
    ],
    introspection_endpoint_auth_methods_supported: [
      'private_key_jwt',
      'client_secret_basic',
      'client_secret_post',
      'tls_client_auth',
      'client_secret_jwt',
    ],
    claims_supported: [
      'aud',
      'sub',
      'iss',
      'auth_time',
      'name',
      'given_name',
      'family_name',
      'preferred_username',
      'email',
      'acr',
    ],
    claim_types_supported: ['normal'],
    claims_parameter_supported: true,
    scopes_supported: [
      'openid',
      'basic',
      'profile',
      'email',
      'roles',
      'web-origins',
      'acr',
      'offline_access',
      'read:todos',
      'create:todos',
    ],
    request_parameter_supported: true,
    request_uri_parameter_supported: true,
    require_request_uri_registration: true,
    code_challenge_methods_supported: ['plain', 'S256'],
    tls_client_certificate_bound_access_tokens: true,
    dpop_signing_alg_values_supported: ['PS384', 'RS384', 'EdDSA', 'ES384', 'ES256', 'RS256'],
    revocation_endpoint: `${oidc}/revoke`,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    device_authorization_endpoint: `${oidc}/auth/device`,
    pushed_authorization_request_endpoint: `${oidc}/ext/par/request`,
    mtls_endpoint_aliases: {
      token_endpoint: `${oidc}/token`,
      introspection_endpoint: `${oidc}/token/introspect`,
    },
    authorization_response_iss_parameter_supported: true,
  };
}

const keycloakIssuer: LocalIssuerOptions = {
  issuerPath: `/realms/${KEYCLOAK_REALM}`,
  jwksPath: `/realms/${KEYCLOAK_REALM}/protocol/openid-connect/certs`,
  discovery: 'oidc',
  algorithms: ['RS256'],
  metadata: keycloakMetadata,
};

function keycloakToken(issuer: LocalIssuer, scopes: readonly string[], aud: string | string[], azp: string) {
  return issuer.mint({
    subject: KEYCLOAK_USER,
    audience: aud,
    scopes: ['openid', ...scopes, 'profile', 'email'],
    header: { typ: 'JWT' },
    claims: {
      auth_time: Math.floor(Date.now() / 1000) - 30,
      typ: 'Bearer',
      azp,
      sid: '9c1e4b7a-2d3f-4a5b-8c6d-0e1f2a3b4c5d',
      acr: '1',
      'allowed-origins': ['http://127.0.0.1:6274'],
      realm_access: { roles: ['default-roles-mcp', 'offline_access', 'uma_authorization'] },
      resource_access: { account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] } },
      email_verified: true,
      name: 'Alice Example',
      preferred_username: 'alice',
      given_name: 'Alice',
      family_name: 'Example',
      email: 'alice@example.com',
      client_id: undefined, // only service-account (client credentials) tokens carry client_id
    },
  });
}

const keycloakExpected = (scopes: readonly string[]) => ({
  subject: KEYCLOAK_USER,
  clientId: KEYCLOAK_CLIENT,
  scopes: ['openid', ...scopes, 'profile', 'email'],
});

const keycloakDiscovery = [
  { path: `/realms/${KEYCLOAK_REALM}/.well-known/openid-configuration`, status: 200 as const },
];

export const KEYCLOAK: ProviderProfile = {
  id: 'keycloak',
  name: 'Keycloak (audience mapper)',
  real: {
    issuer: 'https://{host}/realms/{realm}',
    jwksUri: 'https://{host}/realms/{realm}/protocol/openid-connect/certs',
  },
  localIssuer: keycloakIssuer,
  typ: 'JWT',
  discoveryRequests: keycloakDiscovery,
  warnings: [],
  options: (issuer) => ({
    resource: RESOURCE, // an audience mapper ("Included Custom Audience" = the resource URL) puts it in aud
    authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
    scopesSupported: [...APP_SCOPES],
  }),
  token: (issuer, { scopes, audience }) =>
    keycloakToken(issuer, scopes, [audience === 'other' ? OTHER_API : RESOURCE, 'account'], KEYCLOAK_CLIENT),
  expected: keycloakExpected,
  requestedScope: (scope) => scope,
  configure:
    'Create client scopes `read:todos`, `create:todos` (optional client scopes of the MCP clients) and an ' +
    'audience mapper ("Included Custom Audience" = the MCP resource URL) on a client scope every MCP client ' +
    'gets; Keycloak ignores `resource` (RFC 8707 is experimental in recent releases only). DCR: anonymous ' +
    'registration at `clients-registrations/openid-connect`, limited by the Trusted Hosts client registration ' +
    "policy (add the clients' hosts, or pre-register). Refresh tokens are always issued; `offline_access` " +
    'gives offline tokens. Opaque-token setups can use the advertised introspection endpoint ' +
    '(`verify: { introspection }`).',
};

/** Keycloak without an audience mapper: `aud` is `account` (or absent); the MCP client's id is in `azp`. */
export const KEYCLOAK_WITHOUT_AUDIENCE_MAPPER: ProviderProfile = {
  ...KEYCLOAK,
  id: 'keycloak-azp',
  name: 'Keycloak (no audience mapper: azp)',
  options: (issuer) => ({
    resource: RESOURCE,
    authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
    audienceClaim: 'azp',
    audience: KEYCLOAK_CLIENT, // only tokens obtained by this (pre-registered) client
    scopesSupported: [...APP_SCOPES],
  }),
  token: (issuer, { scopes, audience }) =>
    keycloakToken(issuer, scopes, 'account', audience === 'other' ? 'another-client' : KEYCLOAK_CLIENT),
};

// ---------------------------------------------------------------------------------------------------------------
// Okta custom authorization server: https://{org}.okta.com/oauth2/default, keys at /oauth2/default/v1/keys.
// ---------------------------------------------------------------------------------------------------------------

const OKTA_CLIENT = '0oa8f2k3l4m5n6o7p8q9';
const OKTA_UID = '00u1a2b3c4d5e6f7g8h9';

export const OKTA: ProviderProfile = {
  id: 'okta',
  name: 'Okta (custom authorization server)',
  real: {
    issuer: 'https://{org}.okta.com/oauth2/default',
    jwksUri: 'https://{org}.okta.com/oauth2/default/v1/keys',
  },
  localIssuer: {
    issuerPath: '/oauth2/default',
    jwksPath: '/oauth2/default/v1/keys',
    // Okta serves both documents *appended* to the issuer ({issuer}/.well-known/openid-configuration and
    // {issuer}/.well-known/oauth-authorization-server); the local issuer serves RFC 8414 only in the inserted
    // form, which Okta does not have, so only the OpenID document is served here.
    discovery: 'oidc',
    algorithms: ['RS256'],
    metadata: (doc) => {
      const o = originOf(doc);
      const as = `${o}/oauth2/default/v1`;
      return {
        issuer: doc.issuer,
        authorization_endpoint: `${as}/authorize`,
        token_endpoint: `${as}/token`,
        userinfo_endpoint: `${as}/userinfo`,
        registration_endpoint: `${o}/oauth2/v1/clients`, // needs an API token or okta.clients.register
        jwks_uri: doc.jwks_uri,
        response_types_supported: [
          'code',
          'id_token',
          'code id_token',
          'code token',
          'id_token token',
          'code id_token token',
        ],
        response_modes_supported: ['query', 'fragment', 'form_post', 'okta_post_message'],
        grant_types_supported: [
          'authorization_code',
          'implicit',
          'refresh_token',
          'password',
          'client_credentials',
          'urn:ietf:params:oauth:grant-type:device_code',
          'urn:ietf:params:oauth:grant-type:token-exchange',
        ],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: [
          'read:todos',
          'create:todos',
          'openid',
          'profile',
          'email',
          'address',
          'phone',
          'offline_access',
          'device_sso',
        ],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'client_secret_jwt',
          'private_key_jwt',
          'none',
        ],
        claims_supported: [
          ...OIDC_CLAIMS,
          'ver',
          'jti',
          'amr',
          'idp',
          'nonce',
          'preferred_username',
          'at_hash',
          'c_hash',
        ],
        code_challenge_methods_supported: ['S256'],
        introspection_endpoint: `${as}/introspect`,
        introspection_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'client_secret_jwt',
          'private_key_jwt',
          'none',
        ],
        revocation_endpoint: `${as}/revoke`,
        revocation_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'client_secret_jwt',
          'private_key_jwt',
          'none',
        ],
        end_session_endpoint: `${as}/logout`,
        request_parameter_supported: true,
        request_object_signing_alg_values_supported: [
          'HS256',
          'HS384',
          'HS512',
          'RS256',
          'RS384',
          'RS512',
          'ES256',
          'ES384',
          'ES512',
        ],
        device_authorization_endpoint: `${as}/device/authorize`,
        pushed_authorization_request_endpoint: `${as}/par`,
        dpop_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'],
      };
    },
  },
  typ: null, // custom authorization servers write no typ (only the org authorization server does)
  // Type omitted: the module probes in the MCP client order (R28) — both insertion URLs are absent at Okta.
  discoveryRequests: [
    { path: '/.well-known/oauth-authorization-server/oauth2/default', status: 404 },
    { path: '/.well-known/openid-configuration/oauth2/default', status: 404 },
    { path: '/oauth2/default/.well-known/openid-configuration', status: 200 },
  ],
  warnings: [],
  options: (issuer) => ({
    resource: RESOURCE,
    authorizationServers: [{ issuer: issuer.issuer }],
    audience: 'api://default', // the authorization server's Audience setting
    scopesSupported: [...APP_SCOPES],
    claims: {
      map: (claims, info): McpAuthInfo =>
        typeof claims.uid === 'string' ? { ...info, subject: claims.uid } : info, // sub is the login name
    },
  }),
  token: (issuer, { scopes, audience }) =>
    issuer.mint({
      subject: 'alice@example.com',
      audience: audience === 'other' ? 'api://billing' : 'api://default',
      scopes: [],
      header: { typ: null },
      claims: {
        ver: 1,
        jti: 'AT.q8dX2mZ7rK4pL9vN0bT3wY6cF1hJ5sA8eG2uI4oP7kM',
        cid: OKTA_CLIENT,
        uid: OKTA_UID,
        scp: ['openid', ...scopes], // an array
        auth_time: Math.floor(Date.now() / 1000) - 30,
        client_id: undefined,
      },
    }),
  expected: (scopes) => ({ subject: OKTA_UID, clientId: OKTA_CLIENT, scopes: ['openid', ...scopes] }),
  requestedScope: (scope) => scope,
  configure:
    'Use a custom authorization server (API Access Management): its Audience is what `aud` holds (set it to ' +
    'the MCP resource URL to keep the default audience rule, or configure `audience`); add the scopes and an ' +
    'access policy rule that grants them to the MCP clients. `resource` is not supported (one audience per ' +
    'authorization server). The advertised registration endpoint (`/oauth2/v1/clients`) needs an API token or ' +
    'an `okta.clients.register` token: no open DCR, pre-register the clients. Refresh tokens: enable the ' +
    'Refresh Token grant on the app and request `offline_access`.',
};

// ---------------------------------------------------------------------------------------------------------------
// Amazon Cognito: https://cognito-idp.{region}.amazonaws.com/{region}_{pool}, keys at {issuer}/.well-known/jwks.json.
// ---------------------------------------------------------------------------------------------------------------

const COGNITO_POOL = 'eu-west-1_Ab12Cd34E';
/** The user pool app client the MCP clients use: the only value `client_id` may hold. */
export const COGNITO_APP_CLIENT = '4k8m2n6p9q1r3s5t7v0w2x4y6z';
const COGNITO_USER = '62d5a4e4-b0f1-70c8-9a2b-3c4d5e6f7a8b';
/** The resource server identifier: Cognito writes custom scopes as `{identifier}/{scope}`. */
export const COGNITO_RESOURCE_SERVER = 'todo-api';

export const COGNITO: ProviderProfile = {
  id: 'cognito',
  name: 'Amazon Cognito',
  real: {
    issuer: 'https://cognito-idp.{region}.amazonaws.com/{region}_{pool}',
    jwksUri: 'https://cognito-idp.{region}.amazonaws.com/{region}_{pool}/.well-known/jwks.json',
  },
  localIssuer: {
    issuerPath: `/${COGNITO_POOL}`,
    jwksPath: `/${COGNITO_POOL}/.well-known/jwks.json`,
    discovery: 'oidc',
    algorithms: ['RS256'],
    metadata: (doc) => {
      // The OAuth endpoints live on the user pool domain ({prefix}.auth.{region}.amazoncognito.com).
      const domain = originOf(doc);
      return {
        authorization_endpoint: `${domain}/oauth2/authorize`,
        end_session_endpoint: `${domain}/logout`,
        id_token_signing_alg_values_supported: ['RS256'],
        issuer: doc.issuer,
        jwks_uri: doc.jwks_uri,
        response_types_supported: ['code', 'token'],
        revocation_endpoint: `${domain}/oauth2/revoke`,
        scopes_supported: ['openid', 'email', 'phone', 'profile'],
        subject_types_supported: ['public'],
        token_endpoint: `${domain}/oauth2/token`,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        userinfo_endpoint: `${domain}/oauth2/userInfo`,
        // No code_challenge_methods_supported (S256 works), no registration_endpoint, no grant_types_supported.
      };
    },
  },
  typ: null,
  discoveryRequests: [{ path: `/${COGNITO_POOL}/.well-known/openid-configuration`, status: 200 }],
  warnings: ['pkce', 'registration'],
  options: (issuer) => ({
    resource: RESOURCE,
    authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
    // Access tokens have no aud: bind them to the app client instead (ID tokens, which lack client_id, fail).
    audienceClaim: 'client_id',
    audience: COGNITO_APP_CLIENT,
    scopesSupported: [...APP_SCOPES],
    claims: {
      // The test app requires plain names; Cognito writes `todo-api/read:todos`. (Preferred instead: require the
      // prefixed names in @RequireScopes and scopesSupported — see the provider-named scopes test.)
      map: (_claims, info): McpAuthInfo => ({
        ...info,
        scopes: info.scopes.map((s) =>
          s.startsWith(`${COGNITO_RESOURCE_SERVER}/`) ? s.slice(COGNITO_RESOURCE_SERVER.length + 1) : s,
        ),
      }),
    },
  }),
  token: (issuer, { scopes, audience }) =>
    issuer.mint({
      subject: COGNITO_USER,
      audience: null,
      clientId: audience === 'other' ? '7h3j5k7m9n1p3q5r7s9t1v3w5x' : COGNITO_APP_CLIENT,
      scopes: ['openid', ...scopes.map((s) => `${COGNITO_RESOURCE_SERVER}/${s}`)],
      header: { typ: null },
      claims: {
        'cognito:groups': ['todo-users'],
        version: 2,
        origin_jti: '1b3d5f7a-9c2e-4f6a-8b0d-2e4f6a8c0e2f',
        event_id: 'a7c9e1f3-5b7d-4f9a-b2c4-d6e8f0a2b4c6',
        token_use: 'access',
        auth_time: Math.floor(Date.now() / 1000) - 30,
        username: 'alice',
      },
    }),
  expected: (scopes) => ({
    subject: COGNITO_USER,
    clientId: COGNITO_APP_CLIENT,
    scopes: ['openid', ...scopes],
  }),
  requestedScope: (scope) => `${COGNITO_RESOURCE_SERVER}/${scope}`,
  providerNamedOptions: (issuer) => ({
    ...COGNITO.options(issuer),
    scopesSupported: APP_SCOPES.map((s) => `${COGNITO_RESOURCE_SERVER}/${s}`),
    claims: {}, // the token's scope names are the requested ones: nothing to map
  }),
  configure:
    'Create a resource server (identifier, e.g. `todo-api` or a URL) with the custom scopes, a user pool domain ' +
    '(managed login) and a public app client (authorization code grant, PKCE, the custom scopes allowed, ' +
    'callback URLs). Access tokens carry no `aud` (`client_id` instead) and scopes as `{identifier}/{scope}`; ' +
    '`resource` is not supported and there is no DCR: MCP clients use the pre-registered app client id. PKCE ' +
    'S256 works but is not advertised. Refresh tokens are always issued with the authorization code grant ' +
    '(no `offline_access` scope).',
};

// ---------------------------------------------------------------------------------------------------------------
// Logto: https://{tenant}.logto.app/oidc, keys at /oidc/jwks (EC P-384 by default).
// ---------------------------------------------------------------------------------------------------------------

const LOGTO_APP = 'q4x8z1c5v9b2n6m0';
const LOGTO_USER = 'u7k2p9w4x1z6';

export const LOGTO: ProviderProfile = {
  id: 'logto',
  name: 'Logto',
  real: { issuer: 'https://{tenant}.logto.app/oidc', jwksUri: 'https://{tenant}.logto.app/oidc/jwks' },
  localIssuer: {
    issuerPath: '/oidc',
    jwksPath: '/oidc/jwks',
    discovery: 'oidc',
    algorithms: ['ES384'],
    metadata: (doc) => {
      const o = `${originOf(doc)}/oidc`;
      return {
        authorization_endpoint: `${o}/auth`,
        claims_parameter_supported: false,
        claims_supported: [
          'sub',
          'name',
          'picture',
          'username',
          'email',
          'email_verified',
          'phone_number',
          'phone_number_verified',
          'roles',
          'organizations',
          'organization_roles',
          'auth_time',
          'at_hash',
          'iss',
        ],
        code_challenge_methods_supported: ['S256'],
        end_session_endpoint: `${o}/session/end`,
        grant_types_supported: [
          'implicit',
          'authorization_code',
          'refresh_token',
          'client_credentials',
          'urn:ietf:params:oauth:grant-type:token-exchange',
        ],
        issuer: doc.issuer,
        jwks_uri: doc.jwks_uri,
        authorization_response_iss_parameter_supported: true,
        response_modes_supported: ['form_post', 'fragment', 'query'],
        response_types_supported: ['code id_token', 'code', 'id_token', 'none'],
        scopes_supported: [
          'openid',
          'offline_access',
          'profile',
          'email',
          'phone',
          'roles',
          'urn:logto:scope:organizations',
        ],
        subject_types_supported: ['public'],
        token_endpoint_auth_methods_supported: [
          'none',
          'client_secret_basic',
          'client_secret_jwt',
          'client_secret_post',
          'private_key_jwt',
        ],
        token_endpoint_auth_signing_alg_values_supported: [
          'HS256',
          'RS256',
          'PS256',
          'ES256',
          'ES384',
          'EdDSA',
        ],
        token_endpoint: `${o}/token`,
        id_token_signing_alg_values_supported: ['ES384'],
        pushed_authorization_request_endpoint: `${o}/request`,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        require_request_uri_registration: false,
        userinfo_endpoint: `${o}/me`,
        revocation_endpoint: `${o}/token/revocation`,
        frontchannel_logout_supported: true,
        backchannel_logout_supported: true,
        // No registration_endpoint: applications are created in the console or the Management API.
      };
    },
  },
  typ: 'at+jwt',
  discoveryRequests: [{ path: '/oidc/.well-known/openid-configuration', status: 200 }],
  warnings: ['registration'],
  options: (issuer) => ({
    resource: RESOURCE, // the API resource indicator is the resource URL: the default audience rule holds
    authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
    scopesSupported: [...APP_SCOPES],
  }),
  token: (issuer, { scopes, audience }) =>
    issuer.mint({
      subject: LOGTO_USER,
      audience: audience === 'other' ? OTHER_API : RESOURCE,
      clientId: LOGTO_APP,
      scopes: [...scopes],
      header: { typ: 'at+jwt' },
      claims: { jti: 'p0E7wQm2Lx9Rk4Tz6Yb1Nc8Vd3Hf5Js0Ga2Ku7Mi4Ol' },
    }),
  expected: (scopes) => ({ subject: LOGTO_USER, clientId: LOGTO_APP, scopes: [...scopes] }),
  requestedScope: (scope) => scope,
  configure:
    'Create an API resource whose indicator is the MCP resource URL, with its permissions (scopes) and roles ' +
    'granting them to users; Logto supports RFC 8707 (`resource` selects the API, `aud` is the indicator) and ' +
    'issues RFC 9068 `at+jwt` tokens signed ES384 by default. No dynamic registration endpoint in discovery: ' +
    'create the MCP client as an application (native/SPA, PKCE) and give users its client id. Refresh tokens ' +
    'need `offline_access` (and `prompt=consent`).',
};

/** The six providers of the issue, plus Keycloak without an audience mapper. */
export const PROFILES: readonly ProviderProfile[] = [
  AUTH0,
  ENTRA,
  KEYCLOAK,
  KEYCLOAK_WITHOUT_AUDIENCE_MAPPER,
  OKTA,
  COGNITO,
  LOGTO,
];
