import type { JWK } from 'jose';
import type { TokenExchangePolicy } from './token-exchange.js';

export type SigningAlg = 'RS256' | 'ES256' | 'PS256';

export interface TestResource {
  /** Scopes this resource accepts. */
  scopes: string[];
  /** Default 'jwt'. Opaque tokens are the only ones oidc-provider introspects. */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** JWS algorithm of its JWT access tokens. Default 'RS256'. */
  alg?: SigningAlg;
  /** Seconds its access tokens live. Default 3600. */
  accessTokenTTL?: number;
}

export interface TestClient {
  clientId: string;
  /** The secret (`client_secret_basic` / `client_secret_post`); absent for a `private_key_jwt` client. */
  clientSecret?: string;
  /** The client's scope allow-list (oidc-provider's `scope` client metadata). Default: every supported scope. */
  scopes?: string[];
  /** Default 'client_secret_basic'. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** The client's public keys, for `private_key_jwt`. */
  jwks?: { keys: JWK[] };
  /** Grants the client may use, e.g. `TOKEN_EXCHANGE`, `JWT_BEARER`. Default `['client_credentials']`. */
  grantTypes?: string[];
  /** Audiences of the subject tokens this client may exchange (`unauthorized_client` otherwise). Default: any. */
  exchangeAudiences?: string[];
}

export interface TestProviderOptions {
  /** Path of the issuer, e.g. '/tenant-a' → issuer http://127.0.0.1:PORT/tenant-a. Default: none. */
  issuerPath?: string;
  /** Resources this provider issues tokens for: resource identifier (exact string) → scopes, token format, alg. */
  resources: Record<string, TestResource>;
  /** Pre-registered confidential clients for client_credentials (and introspection). */
  clients?: TestClient[];
  /** Also serve RFC 8414 metadata at /.well-known/oauth-authorization-server{/issuer-path}. Default true. */
  oauthMetadata?: boolean;
  /** Default 0 = a free port. */
  port?: number;
  /** Token exchange policy: accounts whose tokens are refused (`invalid_grant`). */
  tokenExchange?: Pick<TokenExchangePolicy, 'deniedAccounts'>;
  /** Account that logs in when `authorize()` is given none, or when a real browser reaches the login. Default 'alice'. */
  defaultAccountId?: string;
  /**
   * Browser origins (`scheme://host[:port]`) whose web pages may register clients and call the token endpoint —
   * a browser-based MCP client such as the MCP Inspector's UI (`http://localhost:6274`). Discovery and JWKS answer
   * every origin. Default: none.
   */
  allowedOrigins?: string[];
}

/** The options, checked, with what the parts of the provider derive from them. */
export interface ProviderSettings {
  /** `''` or a path starting with `/`, without a trailing slash. */
  readonly issuerPath: string;
  readonly resources: ReadonlyMap<string, TestResource>;
  readonly clients: readonly TestClient[];
  /** The `scopes` oidc-provider knows: OpenID scopes and every resource's. */
  readonly supportedScopes: ReadonlySet<string>;
  /** One key per algorithm: RS256 and ES256, plus PS256 when a resource asks for it. */
  readonly algorithms: readonly SigningAlg[];
  readonly defaultAccountId: string;
  readonly browserOrigins: ReadonlySet<string>;
  /** Who may exchange tokens: the denied accounts, each client's allowed subject audiences. */
  readonly tokenExchange: TokenExchangePolicy;
  readonly paths: {
    /** Prefix of the login/consent pages (`{issuer path}/interaction/{uid}`). */
    readonly interaction: string;
    readonly registration: string;
    /** The RFC 8414 insertion URL's path, when served. */
    readonly oauthMetadata?: string;
  };
}

const OIDC_SCOPES = ['openid', 'offline_access'];

/** @throws TypeError for an issuer path that is not a path, no resource, or a resource that is not an absolute URI. */
export function providerSettings(options: TestProviderOptions): ProviderSettings {
  const issuerPath = normalizeIssuerPath(options.issuerPath);
  const resources = new Map(Object.entries(options.resources));
  if (!resources.size) throw new TypeError('startDevProvider: at least one resource is required');
  for (const id of resources.keys()) {
    if (!URL.canParse(id) || id.includes('#')) throw new TypeError(`resource ${id} must be an absolute URI`);
  }
  const algorithms = new Set<SigningAlg>(['RS256', 'ES256']);
  for (const r of resources.values()) if (r.alg) algorithms.add(r.alg);
  return {
    issuerPath,
    resources,
    clients: options.clients ?? [],
    supportedScopes: new Set([...OIDC_SCOPES, ...[...resources.values()].flatMap((r) => r.scopes)]),
    algorithms: [...algorithms],
    defaultAccountId: options.defaultAccountId ?? 'alice',
    browserOrigins: new Set((options.allowedOrigins ?? []).map((o) => new URL(o).origin)),
    tokenExchange: {
      deniedAccounts: options.tokenExchange?.deniedAccounts,
      subjectAudiences: new Map(
        (options.clients ?? []).flatMap((c) =>
          c.exchangeAudiences ? [[c.clientId, c.exchangeAudiences]] : [],
        ),
      ),
    },
    paths: {
      interaction: `${issuerPath}/interaction/`,
      registration: `${issuerPath}/reg`,
      ...(options.oauthMetadata !== false
        ? { oauthMetadata: `/.well-known/oauth-authorization-server${issuerPath}` }
        : {}),
    },
  };
}

function normalizeIssuerPath(path: string | undefined): string {
  if (!path || path === '/') return '';
  if (!path.startsWith('/') || path.includes('?') || path.includes('#')) {
    throw new TypeError(`issuerPath must be a path starting with "/", got ${JSON.stringify(path)}`);
  }
  return path.replace(/\/+$/, '');
}
