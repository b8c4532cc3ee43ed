import { discoveryDocument } from './discovery-document.js';
import { IssuerHttpServer } from './issuer-http-server.js';
import { issuerLayout } from './issuer-layout.js';
import { mintAccessToken, type MintOptions } from './mint-token.js';
import { KeyRing, type LocalIssuerAlgorithm } from './signing-keys.js';

export type { MintHeader, MintOptions } from './mint-token.js';

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
  const layout = issuerLayout(options);
  const keys = new KeyRing();
  await keys.add(layout.algorithms);

  let metadataBody = '';
  const server = new IssuerHttpServer(layout.routes, {
    metadata: () => metadataBody,
    jwks: () => keys.jwks(),
  });
  const origin = await server.listen(options.port);
  const issuer = `${origin}${layout.issuerPath}`;
  const jwksUri = `${origin}${layout.jwksPath}`;
  let metadata: Readonly<Record<string, unknown>>;
  try {
    metadata = discoveryDocument({ issuer, origin, jwksUri, ...layout }, options.metadata);
  } catch (error) {
    await server.close();
    throw error;
  }
  metadataBody = JSON.stringify(metadata);

  const issuerClaims = { issuer, audience: options.audience, claims: options.claims };
  return {
    issuer,
    origin,
    jwksUri,
    metadata,
    authorizationServer: { issuer, type: layout.discovery === 'oauth' ? 'oauth' : 'oidc' },
    get kids() {
      return keys.publishedKids;
    },
    mint: (mint?: MintOptions) => mintAccessToken(keys, issuerClaims, mint),
    async addKey(alg: LocalIssuerAlgorithm = layout.algorithms[0]) {
      const [key] = await keys.add([alg]);
      return key.kid;
    },
    removeKey: (kid: string) => keys.unpublish(kid),
    setDown: (down: boolean) => server.setDown(down),
    setDelay: (ms: number) => server.setDelay(ms),
    requestCount: (pathname: string) => server.requestCount(pathname),
    close: () => server.close(),
  };
}
