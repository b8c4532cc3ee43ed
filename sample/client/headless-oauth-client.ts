/**
 * Drives the official MCP SDK client (1.32.x: `Client` + `StreamableHTTPClientTransport`) through the real OAuth
 * 2.1 flow, headlessly: 401 → protected resource metadata → authorization server metadata → dynamic registration
 * → authorization request (PKCE S256 + RFC 8707 resource) → "browser" → token → initialize; and step-up on
 * 403 `insufficient_scope`.
 *
 * How the SDK behaves (dist/esm/client/streamableHttp.js, auth.js), and what this module adds:
 * - A POST answered 401 makes the transport run `auth()`: discovery, registration, then
 *   `redirectToAuthorization(url)` and `UnauthorizedError`. The application must exchange the code
 *   (`transport.finishAuth(code)`) and try again; a `connect` that failed needs a new transport (a transport
 *   cannot be started twice), as the SDK's own simpleOAuthClient example does.
 * - A POST answered 403 `error="insufficient_scope"` makes the transport run `auth()` with the challenged scope:
 *   again redirect + `UnauthorizedError`; `finishAuth(code)` and the same request again succeed. The same 403
 *   twice in a row (same WWW-Authenticate) ends in `StreamableHTTPError(403)`.
 * - With a refresh token, `auth()` refreshes instead of redirecting, even on a 403: the refreshed token has the
 *   same scopes, the server answers the same 403 and the transport gives up. Step-up therefore needs a provider
 *   that issues refresh tokens only for `offline_access` (as the sample's development provider and most hosted
 *   providers do).
 *
 * Free of jest: usable from the sample client.
 */
import { randomBytes } from 'node:crypto';

import {
  extractWWWAuthenticateParams,
  UnauthorizedError,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  CallToolResult,
  GetPromptResult,
  ListToolsResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { reauthorizingSession } from './reauthorizing-session.js';

export interface HeadlessOAuthOptions {
  /** Completes the browser step: given the authorization URL returns the redirect URL (e.g. `provider.authorize`). */
  browser: (authorizationUrl: URL) => Promise<URL>;
  /** The client's redirect URI (never actually listened on). Default http://127.0.0.1:1/callback. */
  redirectUrl?: string;
  /** Scope the client asks for when the server does not say (clientMetadata.scope). */
  scope?: string;
  clientName?: string;
  /** Log each step (for the sample client): discovery, registration, authorization URL, token, … */
  log?: (line: string) => void;
}

/** A WWW-Authenticate challenge the client received (401 or 403). */
export interface ReceivedChallenge {
  method: string;
  url: string;
  status: number;
  header: string;
  error?: string;
  scope?: string;
  resourceMetadataUrl?: URL;
}

/** The authorization redirect carried `error=…` (e.g. `access_denied`), or was not a valid answer. */
export class AuthorizationRedirectError extends Error {
  constructor(
    readonly error: string,
    readonly errorDescription?: string,
  ) {
    super(`authorization failed: ${error}${errorDescription ? ` (${errorDescription})` : ''}`);
    this.name = 'AuthorizationRedirectError';
  }
}

const DEFAULT_REDIRECT_URL = 'http://127.0.0.1:1/callback';
/** Authorization rounds `connectWithOAuth` completes (401, then possibly a 403 on initialize). */
const MAX_CONNECT_AUTHORIZATIONS = 3;

/** `payload` of a JWT, or undefined (only for logging). */
function peekJwt(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * An in-memory `OAuthClientProvider` for one user session: client registration, tokens, PKCE verifier. The
 * browser step is `options.browser`; the code (or error) it brings back waits for `takeAuthorizationCode()`.
 */
export class HeadlessOAuthClientProvider implements OAuthClientProvider {
  /** Every authorization URL the client was sent to, in order. */
  readonly authorizations: URL[] = [];
  /** Every redirect the browser step returned (to the redirect URI), in order. */
  readonly redirects: URL[] = [];
  /** Every token response the client saved, in order (`tokens()` is the latest). */
  readonly receivedTokens: OAuthTokens[] = [];
  /** Every 401/403 challenge seen, in order. */
  readonly challenges: ReceivedChallenge[] = [];
  /** Result of the last discovery (protected resource metadata + authorization server metadata). */
  discovery?: OAuthDiscoveryState;

  private client?: OAuthClientInformationMixed;
  private current?: OAuthTokens;
  private verifier?: string;
  private expectedState?: string;
  private pending?: { code: string } | { error: Error };

  constructor(readonly options: HeadlessOAuthOptions) {}

  get redirectUrl(): string {
    return this.options.redirectUrl ?? DEFAULT_REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? 'nest-mcp-auth headless client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this.options.scope ? { scope: this.options.scope } : {}),
    };
  }

  /** `fetch` for the transport (and through it for discovery, registration, token): logs and records challenges. */
  readonly fetch: FetchLike = async (url, init) => {
    const method = init?.method ?? 'GET';
    const href = String(url);
    const response = await fetch(url, init);
    const header = response.headers.get('www-authenticate');
    if ((response.status === 401 || response.status === 403) && header) {
      this.challenges.push({
        method,
        url: href,
        status: response.status,
        header,
        ...extractWWWAuthenticateParams(response),
      });
      this.log(`${method} ${href} → ${response.status} WWW-Authenticate: ${header}`);
    } else {
      this.log(`${method} ${href} → ${response.status}`);
    }
    return response;
  };

  state(): string {
    this.expectedState = randomBytes(16).toString('base64url');
    return this.expectedState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    if (this.client?.client_id !== info.client_id) {
      this.log(`registration: client_id ${info.client_id} at ${info.issuer ?? 'unknown issuer'}`);
    }
    this.client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.current;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.current = tokens;
    this.receivedTokens.push(tokens);
    const claims = peekJwt(tokens.access_token);
    this.log(
      `token: scope "${tokens.scope ?? ''}"` +
        (claims ? `, aud ${JSON.stringify(claims.aud)}, sub ${String(claims.sub)}` : ' (opaque)') +
        (tokens.expires_in !== undefined ? `, expires in ${tokens.expires_in} s` : '') +
        (tokens.refresh_token ? ', with refresh token' : ''),
    );
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no PKCE code verifier saved');
    return this.verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
    this.log(
      `discovery: resource ${state.resourceMetadata?.resource ?? '(no protected resource metadata)'}` +
        ` → authorization server ${state.authorizationServerUrl}`,
    );
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    this.log(`invalidate credentials: ${scope}`);
    if (scope === 'all' || scope === 'client') this.client = undefined;
    if (scope === 'all' || scope === 'tokens') this.current = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const url = new URL(authorizationUrl.href);
    this.authorizations.push(url);
    this.pending = undefined;
    this.log(`authorization #${this.authorizations.length}: ${url.href}`);
    const redirect = await this.options.browser(url);
    this.redirects.push(redirect);
    this.pending = this.readRedirect(redirect, url);
    this.log(
      'code' in this.pending
        ? `redirect: authorization code received`
        : `redirect: ${this.pending.error.message}`,
    );
  }

  /** The authorization code of the last redirect (once); throws its error, or when there is none. */
  takeAuthorizationCode(): string {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) throw new Error('no authorization redirect is pending');
    if ('error' in pending) throw pending.error;
    return pending.code;
  }

  private readRedirect(redirect: URL, authorizationUrl: URL): { code: string } | { error: Error } {
    const expected = new URL(this.redirectUrl);
    if (redirect.origin !== expected.origin || redirect.pathname !== expected.pathname) {
      return {
        error: new AuthorizationRedirectError('invalid_redirect', `unexpected redirect ${redirect.href}`),
      };
    }
    const params = redirect.searchParams;
    const sentState = authorizationUrl.searchParams.get('state');
    if (sentState !== null && params.get('state') !== sentState) {
      return { error: new AuthorizationRedirectError('invalid_state', 'state does not match the request') };
    }
    // RFC 9207: the issuer of the answer must be the authorization server the request went to.
    const iss = params.get('iss');
    const issuer = this.discovery?.authorizationServerMetadata?.issuer;
    if (iss !== null && issuer !== undefined && iss !== issuer) {
      return { error: new AuthorizationRedirectError('invalid_issuer', `iss ${iss} is not ${issuer}`) };
    }
    const error = params.get('error');
    if (error !== null) {
      return { error: new AuthorizationRedirectError(error, params.get('error_description') ?? undefined) };
    }
    const code = params.get('code');
    if (!code)
      return { error: new AuthorizationRedirectError('invalid_redirect', 'no code in the redirect') };
    return { code };
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

export interface ConnectedMcpClient {
  /** The SDK Client, connected. */
  client: Client;
  transport: StreamableHTTPClientTransport;
  oauth: HeadlessOAuthClientProvider;
  /**
   * Calls a tool; when the server answers 403 insufficient_scope (step-up) or 401, completes the
   * re-authorization headlessly and retries once — exactly what a real host app does after the user consents.
   */
  callTool(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  listTools(): Promise<ListToolsResult>;
  /** Reads a resource, re-authorizing on a step-up like `callTool`. */
  readResource(uri: string): Promise<ReadResourceResult>;
  /** Gets a prompt, re-authorizing on a step-up like `callTool`. */
  getPrompt(name: string, args?: Record<string, string>): Promise<GetPromptResult>;
  close(): Promise<void>;
}

/**
 * Connects with the full OAuth flow: 401 → PRM discovery → AS metadata → dynamic registration → PKCE (S256) +
 * resource → token → initialize. Pass a `HeadlessOAuthClientProvider` instead of options to reuse its
 * registration and tokens (the same user session, e.g. a second endpoint of the same resource).
 */
export async function connectWithOAuth(
  serverUrl: string | URL,
  options: HeadlessOAuthOptions | HeadlessOAuthClientProvider,
): Promise<ConnectedMcpClient> {
  const url = new URL(serverUrl);
  const oauth =
    options instanceof HeadlessOAuthClientProvider ? options : new HeadlessOAuthClientProvider(options);
  const open = () => ({
    client: new Client({
      name: oauth.options.clientName ?? 'nest-mcp-auth-headless-client',
      version: '1.0.0',
    }),
    transport: new StreamableHTTPClientTransport(url, { authProvider: oauth, fetch: oauth.fetch }),
  });

  const session = await reauthorizingSession({
    open,
    isUnauthorized: (error) => error instanceof UnauthorizedError,
    finish: (transport) => transport.finishAuth(oauth.takeAuthorizationCode()),
    maxRounds: MAX_CONNECT_AUTHORIZATIONS,
  });
  const { client, transport, withReauthorization } = session;

  return {
    client,
    transport,
    oauth,
    callTool: (name, args) =>
      withReauthorization(async () => (await client.callTool({ name, arguments: args })) as CallToolResult),
    listTools: () => withReauthorization(() => client.listTools()),
    readResource: (uri) => withReauthorization(() => client.readResource({ uri })),
    getPrompt: (name, args) => withReauthorization(() => client.getPrompt({ name, arguments: args })),
    close: () => client.close(),
  };
}
