/**
 * The development OpenID provider: a real one (the `oidc-provider` package, v9) on 127.0.0.1, embedded by the sample
 * (`npm run sample`) and started by the e2e suites (`test/support/oidc-provider.ts`). It issues JWT access tokens
 * with `aud` = the RFC 8707 resource (or opaque tokens, with introspection), registers any client (open dynamic
 * registration) beside pre-registered ones (client credentials, token exchange, `private_key_jwt`), logs in and
 * consents by itself (authorization code + PKCE), and serves RFC 8414 metadata beside the OpenID discovery document.
 *
 * Its parts, one concern each:
 * - `settings.ts` — the options and what is derived from them;
 * - `configuration.ts` — oidc-provider's configuration: grants, PKCE, TTLs, features (`resource-indicators.ts`,
 *   the registration scope policy in `registration.ts`, pre-registered `clients.ts`);
 * - `token-exchange.ts` — RFC 8693 token exchange and an Entra-style on-behalf-of grant;
 * - `interaction.ts` — the login and consent "pages": automatic login and consent;
 * - `provider-server.ts` + `routes.ts` — the HTTP server (request counting, outage switch) and who answers what
 *   (the RFC 8414 document, registration CORS, the clients' JWKS, oidc-provider);
 * - `signing-keys.ts` — its keys, and tokens no provider would issue (`signToken`);
 * - `headless-browser.ts` — a user agent that follows an authorization to its redirect (`followAuthorization`, used
 *   by the sample's client `npm run sample:client`).
 *
 * The e2e suites start it through `test/support/oidc-provider.ts`, which adds what only tests need: tokens the short
 * way (`clientCredentialsToken`, `authorize` as any account; `test/support/dev-provider-tokens.ts`).
 *
 * Free of jest: importable from any Node code.
 */
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import type { Provider } from 'oidc-provider';
import { providerConfiguration } from './configuration.js';
import { loadOidcProvider } from './load-oidc-provider.js';
import { ProviderServer } from './provider-server.js';
import { resourceServerLookup } from './resource-indicators.js';
import { providerRoutes } from './routes.js';
import { providerSettings, type SigningAlg, type TestProviderOptions } from './settings.js';
import { generateSigningKeys, privateKey, publicJwks, signClaims } from './signing-keys.js';
import { registerTokenExchange } from './token-exchange.js';

export { CookieJar, followAuthorization } from './headless-browser.js';
export type { SigningAlg, TestClient, TestProviderOptions, TestResource } from './settings.js';
export { JWT_BEARER, TOKEN_EXCHANGE } from './token-exchange.js';

/** A running development provider. */
export interface DevProvider {
  /** Exact issuer identifier, no trailing slash. */
  issuer: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The public signing keys (also served at the `jwks_uri`). */
  jwks: { keys: JWK[] };
  /** HTTP requests seen for a pathname (e.g. `new URL(jwks_uri).pathname`), including those answered 503. */
  requestCount(pathname: string): number;
  /**
   * Signs arbitrary claims with one of the provider's own keys (default its RS256 key, `typ: at+jwt`): tokens a
   * real provider would never issue (expired, wrong audience, no `exp`…), for negative tests. Happy paths get
   * tokens from the provider itself.
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

/** Starts the provider on 127.0.0.1 (`port`, default a free one); `close()` stops it. */
export async function startDevProvider(options: TestProviderOptions): Promise<DevProvider> {
  const { lib, memory } = await loadOidcProvider();
  const settings = providerSettings(options);
  const keys = await generateSigningKeys(settings.algorithms);

  // Listen first: the issuer needs the port.
  const server = new ProviderServer();
  const origin = await server.listen(options.port);
  const issuer = `${origin}${settings.issuerPath}`;
  const resourceServer = resourceServerLookup(settings.resources, lib.errors);

  let provider: Provider;
  try {
    const configuration = providerConfiguration({ lib, memory, settings, keys, origin, resourceServer });
    provider = new lib.Provider(issuer, configuration);
  } catch (error) {
    await server.close();
    throw error;
  }
  registerTokenExchange({
    provider,
    errors: lib.errors,
    issuer,
    jwks: publicJwks(keys),
    resources: settings.resources,
    resourceServerInfo: (_ctx, resource) => resourceServer(resource),
    policy: settings.tokenExchange,
  });
  provider.on('server_error', (_ctx: unknown, error: unknown) =>
    console.error('[test oidc-provider]', error),
  );
  server.serve(providerRoutes(provider, settings, server, issuer));

  return {
    issuer,
    origin,
    jwks: publicJwks(keys),
    provider,
    signingKey: (alg = 'RS256') => privateKey(keys, alg, 'signingKey'),
    signToken: (claims, header = {}) => signClaims(keys, claims, header),
    requestCount: (pathname) => server.requestCount(pathname),
    setDown: (down) => server.setDown(down),
    close: () => server.close(),
  };
}
