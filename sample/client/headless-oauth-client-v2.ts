/**
 * The same headless OAuth flow as `headless-oauth-client.ts`, with the MCP SDK **v2** client line
 * (`@modelcontextprotocol/client` 2.x: `Client` + `StreamableHTTPClientTransport`): 401 → protected resource
 * metadata → authorization server metadata (whose `issuer` must echo the URL it came from) → dynamic registration
 * (`application_type: native` for a loopback redirect URI) → PKCE S256 + RFC 8707 resource → "browser" → callback
 * (RFC 9207 `iss` checked) → token → initialize; and step-up on 403 `insufficient_scope`.
 *
 * How v2 differs from v1 (dist/public-*.mjs `authInternal`, `determineScope`; dist/index.mjs
 * `_stepUpAuthorizeInner`), and what this module does about it:
 * - When the provider lists `offline_access` in `scopes_supported` and the client registers the `refresh_token`
 *   grant, v2 adds `offline_access` to every authorization request (with `prompt=consent`): it holds a refresh
 *   token. On a 403 `insufficient_scope` it asks for the union of the scopes requested so far, the token's scopes
 *   and the challenged ones, and bypasses the refresh token whenever that union is wider than the token
 *   (`forceReauthorization`), so step-up works with a refresh token — unlike v1.
 * - The callback is handed back as `URLSearchParams` (`finishAuth(params)`): the SDK itself checks `iss` against
 *   the issuer of the validated metadata (mandatory when the provider advertises
 *   `authorization_response_iss_parameter_supported`). `state` is checked here (the SDK leaves it to the app).
 * - Stored client information and tokens carry an `issuer` stamp (SEP-2352); they are stored verbatim so the
 *   stamp round-trips, and `discoveryState()` returns what `saveDiscoveryState()` got (the callback leg needs it).
 * - A failed `connect` needs a new transport (a transport cannot be started twice), as with v1.
 *
 * Free of jest: usable from any Node code.
 */
import { randomBytes } from 'node:crypto';

import {
  Client,
  extractWWWAuthenticateParams,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type CallToolResult,
  type ClientOptions,
  type FetchLike,
  type GetPromptResult,
  type ListToolsResult,
  type ReadResourceResult,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';

import { AuthorizationRedirectError, type ReceivedChallenge } from './headless-oauth-client.js';
import { reauthorizingSession } from './reauthorizing-session.js';

export { AuthorizationRedirectError, type ReceivedChallenge } from './headless-oauth-client.js';

export interface HeadlessOAuthOptionsV2 {
  /** Completes the browser step: given the authorization URL returns the redirect URL (e.g. `provider.authorize`). */
  browser: (authorizationUrl: URL) => Promise<URL>;
  /** The client's redirect URI (never actually listened on). Default http://127.0.0.1:1/callback. */
  redirectUrl?: string;
  /** Scope the client asks for when neither the server nor its metadata says (clientMetadata.scope). */
  scope?: string;
  clientName?: string;
  /** Log each step: discovery, registration, authorization URL, token, … */
  log?: (line: string) => void;
  /**
   * The client's protocol negotiation: `{ mode: { pin: '2026-07-28' } }` or `{ mode: 'auto' }` make it a
   * MCP 2026-07-28 client (`server/discover`, no `initialize`, no session). Default: the 2025 handshake.
   */
  versionNegotiation?: ClientOptions['versionNegotiation'];
}

const DEFAULT_REDIRECT_URL = 'http://127.0.0.1:1/callback';
/** Authorization rounds `connectWithOAuthV2` completes (401, then possibly a 403 on initialize). */
const MAX_CONNECT_AUTHORIZATIONS = 3;

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
 * An in-memory v2 `OAuthClientProvider` for one user session. The browser step is `options.browser`; the redirect
 * it brings back waits for `takeCallback()`.
 */
export class HeadlessOAuthClientProviderV2 implements OAuthClientProvider {
  /** Every authorization URL the client was sent to, in order. */
  readonly authorizations: URL[] = [];
  /** Every redirect the browser step returned (to the redirect URI), in order. */
  readonly redirects: URL[] = [];
  /** Every token response the client saved, in order (`tokens()` is the latest). */
  readonly receivedTokens: StoredOAuthTokens[] = [];
  /** Every 401/403 challenge seen, in order. */
  readonly challenges: ReceivedChallenge[] = [];
  /** Every dynamic registration request body sent. */
  readonly registrations: Record<string, unknown>[] = [];
  /** Every token request (form parameters) sent: grant_type, scope, resource, … */
  readonly tokenRequests: URLSearchParams[] = [];
  /** Every JSON-RPC request POSTed to the MCP server: its method, the HTTP status and any `Mcp-Session-Id` answered. */
  readonly rpcExchanges: Array<{ method: string; status: number; sessionId: string | null }> = [];
  /** Every JSON document fetched from a `/.well-known/` URL, by URL. */
  readonly metadataDocuments = new Map<string, Record<string, unknown>>();

  private client?: StoredOAuthClientInformation;
  private current?: StoredOAuthTokens;
  private verifier?: string;
  private discovery?: OAuthDiscoveryState;
  private pending?: { params: URLSearchParams } | { error: Error };

  constructor(readonly options: HeadlessOAuthOptionsV2) {}

  get redirectUrl(): string {
    return this.options.redirectUrl ?? DEFAULT_REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? 'nest-mcp-auth headless client (SDK v2)',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this.options.scope ? { scope: this.options.scope } : {}),
    };
  }

  /** `fetch` for the transport (and through it for discovery, registration, token): logs and records. */
  readonly fetch: FetchLike = async (url, init) => {
    const method = init?.method ?? 'GET';
    const href = String(url);
    const path = new URL(href).pathname;
    if (method === 'POST' && init?.body instanceof URLSearchParams && init.body.has('grant_type')) {
      this.tokenRequests.push(new URLSearchParams(init.body));
    } else if (method === 'POST' && typeof init?.body === 'string' && init.body.includes('"redirect_uris"')) {
      try {
        this.registrations.push(JSON.parse(init.body) as Record<string, unknown>); // RFC 7591 registration
      } catch {
        /* not JSON: not a registration */
      }
    }
    const response = await fetch(url, init);
    const rpcMethod =
      method === 'POST' && typeof init?.body === 'string' ? /"method":"([^"]+)"/.exec(init.body) : null;
    if (rpcMethod && init?.body?.toString().includes('"jsonrpc"')) {
      const sessionId = response.headers.get('mcp-session-id');
      this.rpcExchanges.push({ method: rpcMethod[1], status: response.status, sessionId });
    }
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
    if (response.ok && path.includes('/.well-known/')) {
      const json = (await response
        .clone()
        .json()
        .catch(() => undefined)) as Record<string, unknown> | undefined;
      if (json) this.metadataDocuments.set(href, json);
    }
    return response;
  };

  state(): string {
    return randomBytes(16).toString('base64url');
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.client;
  }

  saveClientInformation(info: StoredOAuthClientInformation): void {
    if (this.client?.client_id !== info.client_id) {
      this.log(`registration: client_id ${info.client_id} at ${info.issuer ?? 'unknown issuer'}`);
    }
    this.client = info;
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.current;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    if (this.current === tokens || JSON.stringify(this.current) === JSON.stringify(tokens)) return;
    if (this.current && this.current.access_token === tokens.access_token) {
      this.current = tokens; // the SDK re-saved the same token with its issuer stamp
      return;
    }
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
        ` → authorization server ${state.authorizationServerUrl}` +
        ` (issuer ${state.authorizationServerMetadata?.issuer ?? 'unknown'})`,
    );
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
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
      'params' in this.pending
        ? `redirect: ${this.pending.params.has('code') ? 'authorization code' : 'error'} received` +
            (this.pending.params.has('iss') ? ` (iss ${this.pending.params.get('iss')})` : ' (no iss)')
        : `redirect: ${this.pending.error.message}`,
    );
  }

  /**
   * The callback parameters of the last redirect (once), for `transport.finishAuth(params)`: the SDK checks `iss`
   * and surfaces `error=…` as an `OAuthError`. Throws when no redirect is pending or it was not ours.
   */
  takeCallback(): URLSearchParams {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) throw new Error('no authorization redirect is pending');
    if ('error' in pending) throw pending.error;
    return pending.params;
  }

  private readRedirect(redirect: URL, authorizationUrl: URL): { params: URLSearchParams } | { error: Error } {
    const expected = new URL(this.redirectUrl);
    if (redirect.origin !== expected.origin || redirect.pathname !== expected.pathname) {
      return {
        error: new AuthorizationRedirectError('invalid_redirect', `unexpected redirect ${redirect.href}`),
      };
    }
    const sentState = authorizationUrl.searchParams.get('state');
    if (sentState !== null && redirect.searchParams.get('state') !== sentState) {
      return { error: new AuthorizationRedirectError('invalid_state', 'state does not match the request') };
    }
    return { params: new URLSearchParams(redirect.searchParams) };
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

export interface ConnectedMcpClientV2 {
  /** The v2 SDK Client, connected. */
  client: Client;
  transport: StreamableHTTPClientTransport;
  oauth: HeadlessOAuthClientProviderV2;
  /** Every authorization URL the client was sent to (the same array as `oauth.authorizations`). */
  authorizations: URL[];
  /**
   * Calls a tool; when the transport had to re-authorize (403 insufficient_scope step-up, or a 401), completes
   * the browser step headlessly, hands the callback to the SDK and retries once.
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
 * Connects with the full OAuth flow of the v2 client. Pass a `HeadlessOAuthClientProviderV2` instead of options to
 * reuse its registration and tokens.
 */
export async function connectWithOAuthV2(
  serverUrl: string | URL,
  options: HeadlessOAuthOptionsV2 | HeadlessOAuthClientProviderV2,
): Promise<ConnectedMcpClientV2> {
  const url = new URL(serverUrl);
  const oauth =
    options instanceof HeadlessOAuthClientProviderV2 ? options : new HeadlessOAuthClientProviderV2(options);
  const open = () => ({
    client: new Client(
      { name: oauth.options.clientName ?? 'nest-mcp-auth-headless-client-v2', version: '1.0.0' },
      { versionNegotiation: oauth.options.versionNegotiation },
    ),
    transport: new StreamableHTTPClientTransport(url, { authProvider: oauth, fetch: oauth.fetch }),
  });

  const session = await reauthorizingSession({
    open,
    isUnauthorized: (error) => error instanceof UnauthorizedError,
    finish: (transport) => transport.finishAuth(oauth.takeCallback()),
    maxRounds: MAX_CONNECT_AUTHORIZATIONS,
  });
  const { client, transport, withReauthorization } = session;

  return {
    client,
    transport,
    oauth,
    authorizations: oauth.authorizations,
    callTool: (name, args) => withReauthorization(() => client.callTool({ name, arguments: args })),
    listTools: () => withReauthorization(() => client.listTools()),
    readResource: (uri) => withReauthorization(() => client.readResource({ uri })),
    getPrompt: (name, args) => withReauthorization(() => client.getPrompt({ name, arguments: args })),
    close: () => client.close(),
  };
}
