import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, type JWTHeaderParameters } from 'jose';
import { urlProblem } from '../core/url-rules.js';
import { invalidUse, KeyRing, type LocalIssuerAlgorithm } from './signing-keys.js';

/** Options of {@link startLocalIssuer}. */
export interface LocalIssuerOptions {
  /**
   * Path of the issuer identifier, e.g. `'/tenant-a'`, `'/realms/demo'`, `'/oauth2/default'`,
   * `'/<tenant-id>/v2.0'`. Default `''`: the issuer is the origin, `http://127.0.0.1:PORT`. Kept verbatim, so
   * `'/'` gives an issuer with a trailing slash (`http://127.0.0.1:PORT/`, as Auth0 writes its issuers) and
   * `'/tenant-a/'` one ending in `/`.
   */
  issuerPath?: string;
  /**
   * One signing key is generated per entry at start, in this order (`kid` = the key's RFC 7638 JWK thumbprint).
   * The first entry is the default for `mint()` and `addKey()`. Default `['RS256']`.
   */
  algorithms?: LocalIssuerAlgorithm[];
  /**
   * Where the metadata document is served: `'oidc'` — OpenID Connect Discovery, `{issuer}/.well-known/
   * openid-configuration` (appended, as OpenID providers do); `'oauth'` — RFC 8414,
   * `/.well-known/oauth-authorization-server{issuer path}` (inserted); `'both'` (default) — at both URLs.
   * The OpenID *insertion* form (`/.well-known/openid-configuration{issuer path}`) is never served, as by real
   * providers.
   */
  discovery?: 'oidc' | 'oauth' | 'both';
  /**
   * Adjusts the discovery document once, at start: receives the default document (see
   * {@link LocalIssuer.metadata}) and returns the one to serve — add provider-specific members, drop
   * `code_challenge_methods_supported` (as Entra ID does), point `jwks_uri` elsewhere…
   */
  metadata?: (document: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Path (on the issuer's origin) where the JWKS is served, e.g. `'/.well-known/jwks.json'` (Auth0) or
   * `'/realms/demo/protocol/openid-connect/certs'` (Keycloak). Default: `{issuer path}/jwks`.
   */
  jwksPath?: string;
  /** Default `aud` of minted tokens, typically the app's resource identifier. Default: no `aud`. */
  audience?: string | string[];
  /**
   * Claims merged into every minted token, over the defaults (provider-specific claim sets: `scp`, `azp`, `tid`,
   * `cognito:groups`…). A key whose value is `undefined` removes that claim.
   */
  claims?: Record<string, unknown>;
  /** Port on 127.0.0.1. Default: a free port. */
  port?: number;
}

/** Header parameters of a minted token. Other members (e.g. `jku`, `x5u`, `crit`) are written as given. */
export interface MintHeader {
  /** Picks the signing key: the first published key of this algorithm. Default: the first published key. */
  alg?: LocalIssuerAlgorithm;
  /**
   * A kid the issuer holds (published or removed) selects that key. Any other string is written to the header as
   * is, the token being signed by the default key (unknown-kid tests). `null` omits `kid`. Default: the kid of the
   * signing key.
   */
  kid?: string | null;
  /** Default `'at+jwt'` (RFC 9068); `null` omits `typ`. */
  typ?: string | null;
  [parameter: string]: unknown;
}

/**
 * What to put in a minted access token. Times are in seconds relative to now; for absolute values set
 * `claims: { exp, nbf, iat }`.
 */
export interface MintOptions {
  /** `sub`. Default `'test-user'`. */
  subject?: string;
  /**
   * `scope`: a list (joined with spaces) or the exact string. Default: no `scope` claim; `[]` removes one set by
   * the issuer's `claims`. For `scp`-style providers use `claims: { scp: … }`.
   */
  scopes?: string[] | string;
  /** `aud`. Default: the issuer's `audience` option. `null` omits `aud`. */
  audience?: string | string[] | null;
  /** `exp` = now + `expiresIn`. Default 300; negative: already expired. */
  expiresIn?: number;
  /** `nbf` = now + `notBefore` (positive: not yet valid). Default: no `nbf`. */
  notBefore?: number;
  /** `iat` = now + `issuedAt` (positive: issued in the future). Default 0. */
  issuedAt?: number;
  /** `client_id` (RFC 9068). Default `'test-client'`. */
  clientId?: string;
  /** Extra or overriding claims, applied last (`iss` included); a key whose value is `undefined` removes it. */
  claims?: Record<string, unknown>;
  /** Header parameters: key choice, `kid`, `typ`. */
  header?: MintHeader;
}

/** A running local issuer (see {@link startLocalIssuer}). */
export interface LocalIssuer {
  /** The issuer identifier, exactly as written in `iss` and in the metadata, e.g. `http://127.0.0.1:PORT/tenant-a`. */
  readonly issuer: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The `jwks_uri` of the default document, e.g. `http://127.0.0.1:PORT/tenant-a/jwks`. */
  readonly jwksUri: string;
  /**
   * The discovery document served. By default: `issuer`, `authorization_endpoint`, `token_endpoint`,
   * `registration_endpoint`, `jwks_uri`, `scopes_supported` (`['openid']`), `response_types_supported`
   * (`['code']`), `response_modes_supported`, `grant_types_supported`, `subject_types_supported`,
   * `id_token_signing_alg_values_supported` (the algorithms of the start keys), `code_challenge_methods_supported`
   * (`['S256']`), `token_endpoint_auth_methods_supported`; then the `metadata` option applied.
   */
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * An entry for `McpAuthModule`'s `authorizationServers`: `{ issuer, type }`, discovered over HTTP (`type` is
   * `'oidc'` unless `discovery` is `'oauth'`).
   */
  readonly authorizationServer: { issuer: string; type: 'oidc' | 'oauth' };
  /** The kids of the published keys (the JWKS), in creation order. */
  readonly kids: readonly string[];
  /**
   * Signs an access token (JWS compact) with `iss`, `sub`, `aud`, `client_id`, `scope`, `iat`, `exp`, `jti`, the
   * issuer's `claims`, then the options.
   */
  mint(options?: MintOptions): Promise<string>;
  /**
   * Key rotation: generates a key and publishes it in the JWKS; returns its kid. Verifiers see it once they
   * refetch the JWKS (jose's `createRemoteJWKSet` does on an unknown kid, at most once per cooldown). `mint()`
   * keeps signing with the first published key: pass `header: { kid }`, or remove the older key.
   * @param alg default: the first of the `algorithms` option.
   */
  addKey(alg?: LocalIssuerAlgorithm): Promise<string>;
  /**
   * Removes a key from the published JWKS (tokens it signs stop verifying once verifiers refetch). The private
   * key is kept: `mint({ header: { kid } })` still signs with it. Throws for a kid the issuer never held.
   */
  removeKey(kid: string): void;
  /** Outage: while `true`, every request is answered `503` (JSON body). */
  setDown(down: boolean): void;
  /** Slowness: every response is delayed by `ms` milliseconds (`0`: off). Applies to requests arriving after the call. */
  setDelay(ms: number): void;
  /**
   * Requests received for a pathname (e.g. `'/tenant-a/jwks'`), whatever their method or answer, including those
   * answered 503 while down. An absolute URL is accepted too (`requestCount(issuer.jwksUri)`).
   */
  requestCount(pathname: string): number;
  /** Stops the server: destroys open sockets, drops delayed answers. Idempotent. */
  close(): Promise<void>;
}

const WELL_KNOWN_OIDC = '/.well-known/openid-configuration';
const WELL_KNOWN_OAUTH = '/.well-known/oauth-authorization-server';
const ENDPOINTS = ['authorize', 'token', 'register'] as const;

type Route = 'metadata' | 'jwks' | 'endpoint';

/**
 * A path the issuer serves (routes match the path alone: no query, no whitespace) whose URL on the loopback origin
 * is a URL of `kind` by the module's rules (`core/url-rules.ts`): the issuer an identifier, the JWKS an endpoint.
 */
function validatePath(name: string, path: string, kind: 'identifier' | 'endpoint'): string {
  const allowEmpty = kind === 'identifier';
  if (
    typeof path !== 'string' ||
    (path === '' ? !allowEmpty : !path.startsWith('/')) ||
    /[?\s]/.test(path) ||
    urlProblem(`http://127.0.0.1${path}`, kind) !== undefined
  ) {
    throw invalidUse(
      name,
      `${name} must ${allowEmpty ? "be '' or " : ''}start with '/' and have no query, fragment or whitespace (got ${JSON.stringify(path)}).`,
    );
  }
  return path;
}

function withoutTrailingSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Starts a local OAuth/OpenID issuer on 127.0.0.1 for tests: signing keys, a JWKS, a discovery document, and
 * `mint()` for access tokens with any subject, scopes, audience, lifetime or claims — no provider needed. Plug
 * `issuer.authorizationServer` into `McpAuthModule`. It serves only the discovery document(s) and the JWKS; it
 * does not run OAuth flows (the authorization, token and registration endpoints it advertises answer `501`; use a
 * real provider such as `oidc-provider` to test flows). It imports nothing of a test runner.
 *
 * @example
 * ```ts
 * import { Controller, Get, UseGuards, type INestApplication } from '@nestjs/common';
 * import { Test } from '@nestjs/testing';
 * import request from 'supertest';
 * import { McpAuthGuard, McpAuthModule, RequireScopes } from 'nest-mcp-auth';
 * import { startLocalIssuer, type LocalIssuer } from 'nest-mcp-auth/testing';
 *
 * @Controller('todos')
 * @UseGuards(McpAuthGuard)
 * class TodoController {
 *   @Get()
 *   @RequireScopes('read:todos')
 *   list() {
 *     return [];
 *   }
 * }
 *
 * const RESOURCE = 'http://127.0.0.1/mcp';
 * let issuer: LocalIssuer;
 * let app: INestApplication;
 *
 * beforeAll(async () => {
 *   issuer = await startLocalIssuer({ audience: RESOURCE });
 *   const moduleRef = await Test.createTestingModule({
 *     imports: [McpAuthModule.forRoot({ resource: RESOURCE, authorizationServers: [issuer.authorizationServer] })],
 *     controllers: [TodoController],
 *   }).compile();
 *   app = await moduleRef.createNestApplication().init();
 * });
 * afterAll(async () => {
 *   await app?.close();
 *   await issuer?.close();
 * });
 *
 * it('lists todos with read:todos', async () => {
 *   const token = await issuer.mint({ subject: 'alice', scopes: ['read:todos'] });
 *   await request(app.getHttpServer()).get('/todos').auth(token, { type: 'bearer' }).expect(200);
 * });
 *
 * it('refuses an expired token', async () => {
 *   const token = await issuer.mint({ scopes: ['read:todos'], expiresIn: -60 });
 *   await request(app.getHttpServer()).get('/todos').auth(token, { type: 'bearer' }).expect(401);
 * });
 * ```
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` for an invalid `issuerPath`, `jwksPath`, algorithm or
 *   `metadata` result.
 */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const issuerPath = validatePath('issuerPath', options.issuerPath ?? '', 'identifier');
  const base = withoutTrailingSlash(issuerPath);
  const jwksPath = validatePath('jwksPath', options.jwksPath ?? `${base}/jwks`, 'endpoint');
  const discovery = options.discovery ?? 'both';
  if (!['oidc', 'oauth', 'both'].includes(discovery)) {
    throw invalidUse(
      'discovery',
      `discovery must be 'oidc', 'oauth' or 'both' (got ${JSON.stringify(discovery)}).`,
    );
  }
  const algorithms = options.algorithms ?? ['RS256'];
  if (algorithms.length === 0) throw invalidUse('algorithms', 'algorithms must name at least one algorithm.');

  const keys = new KeyRing();
  await keys.add(algorithms);

  const routes = new Map<string, Route>();
  if (discovery !== 'oauth') routes.set(`${base}${WELL_KNOWN_OIDC}`, 'metadata');
  if (discovery !== 'oidc') routes.set(`${WELL_KNOWN_OAUTH}${base}`, 'metadata');
  for (const endpoint of ENDPOINTS) routes.set(`${base}/${endpoint}`, 'endpoint');
  routes.set(jwksPath, 'jwks');

  const counts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let down = false;
  let delay = 0;
  let metadataBody = '';

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1);
    if (delay <= 0) return answer(req, res, pathname);
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res, pathname);
    }, delay);
    timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  });

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (res.destroyed || res.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  function answer(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (down) {
      send(req, res, 503, {
        error: 'temporarily_unavailable',
        error_description: 'The local issuer is down (setDown).',
      });
      return;
    }
    const route = routes.get(pathname);
    if (route === undefined) {
      send(req, res, 404, { error: 'not_found', error_description: `Nothing is served at ${pathname}.` });
      return;
    }
    if (route === 'endpoint') {
      send(req, res, 501, {
        error: 'unsupported',
        error_description:
          'The local issuer of nest-mcp-auth/testing serves only discovery and JWKS; it does not run OAuth flows.',
      });
      return;
    }
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(
        req,
        res,
        405,
        { error: 'method_not_allowed', error_description: `${req.method} is not allowed.` },
        { Allow: 'GET, HEAD, OPTIONS' },
      );
      return;
    }
    send(req, res, 200, route === 'jwks' ? keys.jwks() : metadataBody, cors);
  }

  // Idle keep-alive sockets are closed by the client (fetch: after 4 s), never by the server first: a server closing
  // one (Node's default: after 5 s) while a busy client reuses it makes that request fail with ECONNRESET.
  server.keepAliveTimeout = 60_000;
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
  const jwksUri = `${origin}${jwksPath}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    }));

  let metadata: Record<string, unknown>;
  try {
    const defaults: Record<string, unknown> = {
      issuer,
      authorization_endpoint: `${origin}${base}/authorize`,
      token_endpoint: `${origin}${base}/token`,
      registration_endpoint: `${origin}${base}/register`,
      jwks_uri: jwksUri,
      scopes_supported: ['openid'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(algorithms)],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    };
    const adjusted = options.metadata ? options.metadata(structuredClone(defaults)) : defaults;
    if (typeof adjusted !== 'object' || adjusted === null || Array.isArray(adjusted)) {
      throw invalidUse('metadata', 'The metadata option must return an object.');
    }
    metadata = Object.freeze({ ...adjusted });
    metadataBody = JSON.stringify(metadata);
  } catch (error) {
    await close();
    throw error;
  }

  const defaultAudience = options.audience;
  const issuerClaims = options.claims ?? {};
  const primaryAlg = algorithms[0];

  return {
    issuer,
    origin,
    jwksUri,
    metadata,
    authorizationServer: { issuer, type: discovery === 'oauth' ? 'oauth' : 'oidc' },
    get kids() {
      return keys.publishedKids;
    },

    async mint(mint: MintOptions = {}) {
      const { alg, kid, typ, ...extraHeader } = mint.header ?? {};
      const choice = keys.choose(alg, kid);
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: issuer,
        sub: 'test-user',
        aud: defaultAudience,
        client_id: 'test-client',
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        ...issuerClaims,
      };
      if (mint.subject !== undefined) claims.sub = mint.subject;
      if (mint.audience !== undefined) claims.aud = mint.audience ?? undefined;
      if (mint.clientId !== undefined) claims.client_id = mint.clientId;
      if (mint.scopes !== undefined) {
        claims.scope = typeof mint.scopes === 'string' ? mint.scopes : mint.scopes.join(' ') || undefined;
      }
      if (mint.issuedAt !== undefined) claims.iat = now + mint.issuedAt;
      if (mint.expiresIn !== undefined) claims.exp = now + mint.expiresIn;
      if (mint.notBefore !== undefined) claims.nbf = now + mint.notBefore;
      Object.assign(claims, mint.claims);
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];

      const header: JWTHeaderParameters = { ...extraHeader, alg: choice.key.alg };
      if (choice.kid !== null) header.kid = choice.kid;
      if (typ !== null) header.typ = typ ?? 'at+jwt';
      return new SignJWT(claims).setProtectedHeader(header).sign(choice.key.privateKey);
    },

    async addKey(alg: LocalIssuerAlgorithm = primaryAlg) {
      const [key] = await keys.add([alg]);
      return key.kid;
    },
    removeKey(kid: string) {
      keys.unpublish(kid);
    },

    setDown(value: boolean) {
      down = value;
    },
    setDelay(ms: number) {
      if (!Number.isFinite(ms) || ms < 0)
        throw invalidUse('ms', `setDelay expects milliseconds ≥ 0 (got ${ms}).`);
      delay = ms;
    },
    requestCount(pathname: string) {
      const path = URL.canParse(pathname) ? new URL(pathname).pathname : pathname;
      return counts.get(path) ?? 0;
    },
    close,
  };
}
