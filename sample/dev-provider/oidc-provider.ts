/**
 * A real OpenID provider (the `oidc-provider` package, v9) on 127.0.0.1 for e2e suites and the sample's development
 * provider: JWT access tokens with `aud` = the RFC 8707 resource, opaque tokens + introspection, open dynamic
 * registration, client credentials, RFC 8693 token exchange and an Entra-style on-behalf-of grant (`token-exchange.ts`),
 * private_key_jwt client authentication, authorization code + PKCE with a headless "browser" (`authorize()`), RFC 8414
 * metadata beside the OIDC discovery document, a per-path request counter and an outage switch.
 *
 * Free of jest: importable from any Node code.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import type {
  Client,
  Configuration,
  Grant,
  Interaction,
  ErrorOut,
  KoaContextWithOIDC,
  Provider,
  ResourceServer as ResourceServerInfo,
} from 'oidc-provider';
import { exchangeClaims, registerTokenExchange, type TokenExchangePolicy } from './token-exchange.js';
export { JWT_BEARER, TOKEN_EXCHANGE } from './token-exchange.js';

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

export interface AuthorizeOptions {
  /** Who logs in. Default: `defaultAccountId` ('alice'). Each account keeps its own cookie jar (browser session). */
  accountId?: string;
  /** Scopes the user declines on the consent screen (recorded as rejected in the grant). */
  declineScopes?: string[];
}

export interface TestProvider {
  /** Exact issuer identifier, no trailing slash. */
  issuer: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The public signing keys (also served at the `jwks_uri`). */
  jwks: { keys: JWK[] };
  /** Client credentials grant against the real token endpoint, with the RFC 8707 resource; the access token. */
  clientCredentialsToken(args: {
    clientId: string;
    clientSecret: string;
    scope?: string;
    resource: string;
  }): Promise<string>;
  /**
   * Headless user agent: opens `authorizationUrl`, logs in as `accountId`, consents to the requested scopes and
   * resource, and returns the final redirect to the client's redirect_uri (code, state, iss — or error=…).
   */
  authorize(authorizationUrl: string | URL, opts?: AuthorizeOptions): Promise<URL>;
  /** HTTP requests seen for a pathname (e.g. `new URL(jwks_uri).pathname`), including those answered 503. */
  requestCount(pathname: string): number;
  /**
   * Signs arbitrary claims with one of the provider's own keys (default its RS256 key, `typ: at+jwt`): tokens a
   * real provider would never issue (expired, wrong audience, no `exp`…), for negative tests. Happy paths use
   * `clientCredentialsToken` or `authorize`.
   */
  signToken(claims: JWTPayload, header?: { alg?: SigningAlg; typ?: string; kid?: string }): Promise<string>;
  /** One of the provider's own private keys (default RS256) and its kid: to sign bytes `signToken` will not. */
  signingKey(alg?: SigningAlg): Promise<{ key: CryptoKey; kid: string }>;
  /** Stop serving and close all sockets. Idempotent. */
  close(): Promise<void>;
  /** Answer every request with 503 (outage simulation) while `down` is true. */
  setDown(down: boolean): void;
  /** The oidc-provider instance. */
  provider: Provider;
}

/** A token endpoint answer that carries no access token. */
export class TokenEndpointError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(
      `token endpoint answered ${status}: ${String(body.error ?? 'no error code')}` +
        (body.error_description ? ` (${String(body.error_description)})` : ''),
    );
    this.name = 'TokenEndpointError';
  }
}

const OIDC_SCOPES = ['openid', 'offline_access'];
const ACCESS_TOKEN_TTL = 3600;
/** Extra client metadata member whose validator runs the registration scope policy (see `registrationScopePolicy`). */
const REGISTRATION_HOOK = 'x_test_provider';
const INTERNAL_HEADER = 'x-test-provider-internal';
const MAX_HOPS = 20;
/** Where the public keys of `private_key_jwt` clients are served (their `jwks_uri`). */
const CLIENT_JWKS_PATH = '/_test-clients/jwks/';

type OidcProviderModule = typeof import('oidc-provider');
/** oidc-provider's in-memory adapter (not covered by @types/oidc-provider). */
type MemoryAdapterModule = { createMemoryAdapter(clockTolerance?: number): Configuration['adapter'] };

let loading: Promise<{ lib: OidcProviderModule; memory: MemoryAdapterModule }> | undefined;

/** Imports oidc-provider once, without its "Unsupported runtime" warning (printed at import time on Node 20). */
function loadOidcProvider(): Promise<{ lib: OidcProviderModule; memory: MemoryAdapterModule }> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
      warn.apply(console, args);
    };
    try {
      const lib = await import('oidc-provider');
      const memory = (await import(
        'oidc-provider/lib/adapters/memory_adapter.js' as string
      )) as MemoryAdapterModule;
      return { lib, memory };
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}

async function signingKey(alg: SigningAlg): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, use: 'sig', alg },
    publicJwk: { ...publicJwk, kid, use: 'sig', alg },
  };
}

function splitScope(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

function asArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

function normalizeIssuerPath(path: string | undefined): string {
  if (!path || path === '/') return '';
  if (!path.startsWith('/') || path.includes('?') || path.includes('#')) {
    throw new TypeError(`issuerPath must be a path starting with "/", got ${JSON.stringify(path)}`);
  }
  return path.replace(/\/+$/, '');
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

/**
 * CORS for dynamic registration, which oidc-provider leaves without it: a preflight from an allowed origin → 204,
 * from any other → 403; a registration from an allowed origin carries `Access-Control-Allow-Origin`. True when
 * the request was answered here.
 */
function answerRegistrationCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: ReadonlySet<string>,
): boolean {
  const origin = req.headers.origin!;
  res.setHeader('vary', 'Origin');
  if (!allowed.has(origin)) {
    if (req.method !== 'OPTIONS') return false;
    send(res, 403, 'origin not allowed');
    return true;
  }
  res.setHeader('access-control-allow-origin', origin);
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('access-control-allow-methods', 'POST');
  res.setHeader(
    'access-control-allow-headers',
    req.headers['access-control-request-headers'] ?? 'Content-Type',
  );
  res.setHeader('access-control-max-age', '3600');
  res.statusCode = 204;
  res.end();
  return true;
}

/** A tiny RFC 6265 cookie store for one origin: name + path, path matching, expiry, deletion. */
/** A minimal cookie jar: what a browser keeps for the provider between the steps of an authorization. */
export class CookieJar {
  private readonly cookies = new Map<
    string,
    { name: string; value: string; path: string; expires?: number }
  >();

  store(setCookies: string[], requestUrl: URL): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path: string | undefined;
      let expires: number | undefined;
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const attributeValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (attributeValue.startsWith('/')) path = attributeValue;
            break;
          case 'max-age':
            expires = Date.now() + Number(attributeValue) * 1000;
            break;
          case 'expires':
            if (expires === undefined) expires = Date.parse(attributeValue);
            break;
        }
      }
      path ??= requestUrl.pathname.slice(0, Math.max(requestUrl.pathname.lastIndexOf('/'), 1)) || '/';
      const key = `${name}\u0000${path}`;
      if (expires !== undefined && !(expires > Date.now())) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path, expires });
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.cookies.entries()]
      .filter(([key, cookie]) => {
        if (cookie.expires !== undefined && cookie.expires <= now) {
          this.cookies.delete(key);
          return false;
        }
        const { pathname } = url;
        return (
          pathname === cookie.path ||
          (pathname.startsWith(cookie.path) &&
            (cookie.path.endsWith('/') || pathname.charAt(cookie.path.length) === '/'))
        );
      })
      .map(([, cookie]) => cookie)
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

/** Removes `scopes` from what the grant records as rejected (the user now consents to them). */
function unreject(grant: Grant, resource: string | undefined, scopes: Iterable<string>): void {
  const rejected = grant.rejected;
  if (!rejected) return;
  const remove = (list: string | undefined) => {
    const drop = new Set(scopes);
    return splitScope(list)
      .filter((s) => !drop.has(s))
      .join(' ');
  };
  if (resource !== undefined) {
    if (rejected.resources?.[resource]) rejected.resources[resource] = remove(rejected.resources[resource]);
  } else if (rejected.openid?.scope) {
    rejected.openid.scope = remove(rejected.openid.scope);
  }
}

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const { lib, memory } = await loadOidcProvider();
  const { Provider: ProviderClass, errors, interactionPolicy } = lib;

  const issuerPath = normalizeIssuerPath(options.issuerPath);
  const resources = new Map(Object.entries(options.resources));
  if (!resources.size) throw new TypeError('startTestProvider: at least one resource is required');
  for (const id of resources.keys()) {
    if (!URL.canParse(id) || id.includes('#')) throw new TypeError(`resource ${id} must be an absolute URI`);
  }
  const resourceIds = [...resources.keys()];
  const supportedScopes = [...new Set([...OIDC_SCOPES, ...[...resources.values()].flatMap((r) => r.scopes)])];
  const supported = new Set(supportedScopes);
  const defaultAccountId = options.defaultAccountId ?? 'alice';
  const clientAuth = new Map((options.clients ?? []).map((c) => [c.clientId, c.tokenEndpointAuthMethod]));
  const internalSecret = randomBytes(16).toString('hex');
  const browserOrigins = new Set((options.allowedOrigins ?? []).map((o) => new URL(o).origin));

  // Keys: one RS256 and one ES256 key, plus PS256 when a resource asks for it.
  const algs = new Set<SigningAlg>(['RS256', 'ES256']);
  for (const r of resources.values()) if (r.alg) algs.add(r.alg);
  const keys = await Promise.all([...algs].map(signingKey));

  // Listen first: the issuer needs the port.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    send(res, 503, 'starting');
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}${issuerPath}`;

  /** Requested scopes that the grant records as rejected: a real consent screen must show them again. */
  const rejectedAgain = (ctx: KoaContextWithOIDC): string[] => {
    const { grant } = ctx.oidc;
    if (!grant) return [];
    const rejected = new Set(splitScope(grant.getRejectedOIDCScope()));
    for (const id of Object.keys(ctx.oidc.resourceServers ?? {})) {
      for (const s of splitScope(grant.getRejectedResourceScope(id))) rejected.add(s);
    }
    return [...ctx.oidc.requestParamScopes].filter((s) => rejected.has(s));
  };
  const policy = interactionPolicy.base();
  policy.get('consent')?.checks.add(
    new interactionPolicy.Check(
      'scopes_previously_rejected',
      'requested scopes were rejected before',
      (ctx) => !ctx.oidc.result?.consent && rejectedAgain(ctx).length > 0,
      (ctx) => ({ rejectedScopesRequestedAgain: rejectedAgain(ctx) }),
    ),
  );

  const resourceServerInfo = async (indicator: string): Promise<ResourceServerInfo> => {
    const resource = resources.get(indicator);
    if (!resource) throw new errors.InvalidTarget();
    const format = resource.accessTokenFormat ?? 'jwt';
    return {
      scope: resource.scopes.join(' '),
      audience: indicator,
      accessTokenTTL: resource.accessTokenTTL ?? ACCESS_TOKEN_TTL,
      accessTokenFormat: format,
      ...(format === 'jwt' ? { jwt: { sign: { alg: resource.alg ?? 'RS256' } } } : {}),
    };
  };

  const configuration: Configuration = {
    adapter: memory.createMemoryAdapter(),
    jwks: { keys: keys.map((k) => k.privateJwk) },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: (options.clients ?? []).map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret !== undefined ? { client_secret: c.clientSecret } : {}),
      // Served by this provider at a jwks_uri (static `jwks` are structuredClone'd, which breaks under jest's VM).
      ...(c.jwks ? { jwks_uri: `${origin}${CLIENT_JWKS_PATH}${encodeURIComponent(c.clientId)}` } : {}),
      grant_types: c.grantTypes ?? ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: c.tokenEndpointAuthMethod ?? 'client_secret_basic',
      ...(c.scopes ? { scope: c.scopes.join(' ') } : {}),
    })),
    scopes: supportedScopes,
    responseTypes: ['code'],
    pkce: { required: () => true },
    // The token endpoint (and introspection, revocation) answer a browser only from an allowed origin.
    clientBasedCORS: (_ctx: unknown, origin: string) => browserOrigins.has(origin),
    extraTokenClaims: async (_ctx: unknown, token: { gty?: string; clientId?: string }) =>
      exchangeClaims(token),
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    // As oidc-provider's documentation suggests: refresh tokens with offline_access, and for public web clients.
    // Refresh tokens only for offline_access, as most hosted providers do. (Issuing them to every public web
    // client, oidc-provider's documented default, breaks step-up with the SDK 1.32 client: on a 403 it refreshes
    // instead of re-authorizing, gets the same scopes back and gives up.)
    issueRefreshToken: async (_ctx: unknown, client: Client, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: Interaction) => `${issuerPath}/interaction/${interaction.uid}`,
    },
    extraClientMetadata: {
      properties: [REGISTRATION_HOOK],
      // Dynamic registration: oidc-provider makes a registered `scope` the client's allow-list for every later
      // authorization, so a client registered with the scopes of its first challenge could never step up. A
      // development provider checks the scopes are known, then registers the client without an allow-list.
      validator: (
        ctx: KoaContextWithOIDC | undefined,
        key: string,
        _value: unknown,
        metadata: Record<string, any>,
      ) => {
        if (key !== REGISTRATION_HOOK || ctx?.oidc?.route !== 'registration') return;
        if (typeof metadata.scope === 'string') {
          if (splitScope(metadata.scope).some((s) => !supported.has(s))) {
            throw new errors.InvalidClientMetadata(
              'scope must only contain Authorization Server supported scope values',
            );
          }
          delete metadata.scope;
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: Client, token: { clientId?: string }) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: Client, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: readonly string[]) => {
          if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
          return resourceIds.length === 1 ? resourceIds[0] : undefined;
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => resourceServerInfo(indicator),
      },
    },
    ttl: {
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      ClientCredentials: ACCESS_TOKEN_TTL,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    renderError: async (ctx: KoaContextWithOIDC, out: ErrorOut) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };

  let provider: Provider;
  try {
    provider = new ProviderClass(issuer, configuration);
  } catch (error) {
    server.close();
    throw error;
  }
  registerTokenExchange({
    provider,
    errors,
    issuer,
    jwks: { keys: keys.map((k) => k.publicJwk) },
    resources,
    resourceServerInfo: (_ctx, resource) => resourceServerInfo(resource),
    policy: {
      deniedAccounts: options.tokenExchange?.deniedAccounts,
      subjectAudiences: new Map(
        (options.clients ?? []).flatMap((c) =>
          c.exchangeAudiences ? [[c.clientId, c.exchangeAudiences]] : [],
        ),
      ),
    },
  });
  provider.on('server_error', (_ctx: unknown, error: unknown) =>
    console.error('[test oidc-provider]', error),
  );
  const callback = provider.callback();

  const counts = new Map<string, number>();
  let down = false;
  const interactionPrefix = `${issuerPath}/interaction/`;
  const rfc8414Path = `/.well-known/oauth-authorization-server${issuerPath}`;
  const registrationPath = `${issuerPath}/reg`;

  const grantConsent = async (details: Interaction, declined: Set<string>): Promise<string> => {
    const accountId = details.session?.accountId;
    const clientId = details.params.client_id as string | undefined;
    if (!accountId || !clientId) throw new Error('consent without a logged-in account or a client');
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId });
    const requested = splitScope(details.params.scope);
    const promptDetails = details.prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };

    const apply = (resource: string | undefined, scopes: Set<string>) => {
      const granted = [...scopes].filter((s) => s === 'openid' || !declined.has(s));
      const rejected = [...scopes].filter((s) => s !== 'openid' && declined.has(s));
      unreject(grant, resource, granted);
      if (granted.length) {
        if (resource === undefined) grant.addOIDCScope(granted.join(' '));
        else grant.addResourceScope(resource, granted.join(' '));
      }
      if (rejected.length) {
        if (resource === undefined) grant.rejectOIDCScope(rejected.join(' '));
        else grant.rejectResourceScope(resource, rejected.join(' '));
      }
    };

    // oidc-provider counts every scope of its `scopes` configuration (resource scopes included) as an OIDC scope.
    apply(
      undefined,
      new Set([...requested.filter((s) => supported.has(s)), ...(promptDetails.missingOIDCScope ?? [])]),
    );
    const perResource = new Map<string, Set<string>>();
    for (const id of asArray(details.params.resource)) {
      const resource = resources.get(id);
      if (resource) perResource.set(id, new Set(requested.filter((s) => resource.scopes.includes(s))));
    }
    for (const [id, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
      const set = perResource.get(id) ?? new Set<string>();
      for (const s of scopes) set.add(s);
      perResource.set(id, set);
    }
    for (const [id, scopes] of perResource) apply(id, scopes);
    return grant.save();
  };

  const handleInteraction = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET') return send(res, 405, 'method not allowed');
    let details: Interaction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      return send(res, 400, `interaction not found: ${(error as Error).message}`);
    }
    if (url.pathname !== `${interactionPrefix}${details.uid}`)
      return send(res, 400, 'interaction uid mismatch');
    switch (details.prompt.name) {
      case 'login': {
        const accountId = url.searchParams.get('account') || defaultAccountId;
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId } },
          { mergeWithLastSubmission: false },
        );
      }
      case 'consent': {
        const declined = new Set(splitScope(url.searchParams.get('decline')));
        const grantId = await grantConsent(details, declined);
        return provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
      }
      default:
        return send(res, 400, `unsupported prompt ${details.prompt.name}`);
    }
  };

  const handleOAuthMetadata = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('access-control-allow-methods', 'GET');
      const requested = req.headers['access-control-request-headers'];
      if (requested) res.setHeader('access-control-allow-headers', requested);
      res.setHeader('access-control-max-age', '3600');
      return void res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    const upstream = await fetch(`${issuer}/.well-known/openid-configuration`, {
      headers: { [INTERNAL_HEADER]: internalSecret },
    });
    send(
      res,
      upstream.status,
      await upstream.text(),
      upstream.headers.get('content-type') ?? 'application/json',
    );
  };

  handler = (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (req.headers[INTERNAL_HEADER] !== internalSecret) {
      counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
      if (down) {
        res.setHeader('retry-after', '1');
        return send(res, 503, JSON.stringify({ error: 'temporarily_unavailable' }), 'application/json');
      }
    }
    const fail = (error: unknown) => {
      console.error('[test oidc-provider]', error);
      send(res, 500, 'internal error');
    };
    if (url.pathname.startsWith(CLIENT_JWKS_PATH)) {
      const client = options.clients?.find(
        (c) => c.clientId === decodeURIComponent(url.pathname.slice(CLIENT_JWKS_PATH.length)),
      );
      return client?.jwks
        ? send(res, 200, JSON.stringify(client.jwks), 'application/json')
        : send(res, 404, 'not found');
    }
    if (options.oauthMetadata !== false && url.pathname === rfc8414Path) {
      return void handleOAuthMetadata(req, res).catch(fail);
    }
    if (url.pathname.startsWith(interactionPrefix)) {
      return void handleInteraction(req, res, url).catch(fail);
    }
    if (issuerPath) {
      if (url.pathname !== issuerPath && !url.pathname.startsWith(`${issuerPath}/`))
        return send(res, 404, 'not found');
      // Mount under the issuer path, as express' app.use(path, …) does: oidc-provider derives its mount path
      // from originalUrl minus url.
      const mounted = req as IncomingMessage & { originalUrl?: string; baseUrl?: string };
      mounted.originalUrl = req.url;
      mounted.baseUrl = issuerPath;
      req.url = (req.url ?? '/').slice(issuerPath.length) || '/';
      if (req.url.startsWith('?')) req.url = `/${req.url}`;
    }
    if (url.pathname === registrationPath && req.headers.origin !== undefined) {
      if (answerRegistrationCors(req, res, browserOrigins)) return;
    }
    callback(req, res).catch(fail);
  };

  const jars = new Map<string, CookieJar>();
  let closing: Promise<void> | undefined;

  return {
    issuer,
    origin,
    jwks: { keys: keys.map((k) => k.publicJwk) },
    provider,

    async signingKey(alg = 'RS256') {
      const key = keys.find((k) => k.privateJwk.alg === alg);
      if (!key) throw new Error(`signingKey: the provider has no ${alg} key`);
      return { key: (await importJWK(key.privateJwk, alg)) as CryptoKey, kid: key.privateJwk.kid! };
    },

    async signToken(claims, header = {}) {
      const alg = header.alg ?? 'RS256';
      const key = keys.find((k) => k.privateJwk.alg === alg);
      if (!key) throw new Error(`signToken: the provider has no ${alg} key`);
      return new SignJWT(claims)
        .setProtectedHeader({ alg, kid: header.kid ?? key.privateJwk.kid, typ: header.typ ?? 'at+jwt' })
        .sign(await importJWK(key.privateJwk, alg));
    },

    async clientCredentialsToken({ clientId, clientSecret, scope, resource }) {
      if (clientSecret === undefined)
        throw new TypeError('clientCredentialsToken: a client secret is needed');
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
      if (scope !== undefined) body.set('scope', scope);
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (clientAuth.get(clientId) === 'client_secret_post') {
        body.set('client_id', clientId);
        body.set('client_secret', clientSecret);
      } else {
        const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
        headers.authorization = `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`;
      }
      const response = await fetch(provider.urlFor('token'), { method: 'POST', headers, body });
      const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok || typeof json.access_token !== 'string')
        throw new TokenEndpointError(response.status, json);
      return json.access_token;
    },

    async authorize(authorizationUrl, opts = {}) {
      const accountId = opts.accountId ?? defaultAccountId;
      let jar = jars.get(accountId);
      if (!jar) jars.set(accountId, (jar = new CookieJar()));
      const url = new URL(authorizationUrl);
      if (url.origin !== origin)
        throw new Error(`authorize: ${url.href} is not on this provider (${origin})`);
      return followAuthorization(url, jar, (next) => {
        if (!next.pathname.startsWith(interactionPrefix)) return;
        next.searchParams.set('account', accountId);
        if (opts.declineScopes?.length) next.searchParams.set('decline', opts.declineScopes.join(' '));
      });
    },

    requestCount(pathname) {
      return counts.get(pathname) ?? 0;
    },

    setDown(value) {
      down = value;
    },

    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * A headless user agent: opens an authorization URL and follows the provider's redirects (keeping its cookies in
 * `jar`) until one leaves the provider's origin — the client's redirect_uri, with `code` or `error` — and returns
 * it. The development provider logs in and consents by itself, so this completes the "browser" step of any
 * client, in any process. `prepare` may adjust each URL on the provider before it is requested.
 */
export async function followAuthorization(
  start: URL,
  jar: CookieJar = new CookieJar(),
  prepare?: (url: URL) => void,
): Promise<URL> {
  const origin = start.origin;
  let url = new URL(start);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    prepare?.(url);
    const cookie = jar.header(url);
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(response.headers.getSetCookie(), url);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      const next = new URL(location, url);
      if (next.origin !== origin) return next;
      url = next;
      continue;
    }
    const text = await response.text();
    throw new Error(`authorize: ${url.pathname} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  throw new Error(`authorize: more than ${MAX_HOPS} redirects`);
}
