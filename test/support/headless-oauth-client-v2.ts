/**
 * The same headless OAuth flow as `sample/client/headless-oauth-client.ts` (the sample client's), with the MCP SDK **v2** client line
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
 * The SDK-independent part is the sample client's `sample/client/headless-oauth-session.ts`. Free of jest.
 */
import {
  Client,
  extractWWWAuthenticateParams,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type CallToolResult,
  type ClientOptions,
  type GetPromptResult,
  type ListToolsResult,
  type ReadResourceResult,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';

import {
  HeadlessOAuthSession,
  MAX_CONNECT_AUTHORIZATIONS,
  type HeadlessOAuthOptions,
} from '../../sample/client/headless-oauth-session.js';
import { reauthorizingSession } from '../../sample/client/reauthorizing-session.js';

export {
  AuthorizationRedirectError,
  type ReceivedChallenge,
} from '../../sample/client/headless-oauth-session.js';

export interface HeadlessOAuthOptionsV2 extends HeadlessOAuthOptions {
  /**
   * The client's protocol negotiation: `{ mode: { pin: '2026-07-28' } }` or `{ mode: 'auto' }` make it a
   * MCP 2026-07-28 client (`server/discover`, no `initialize`, no session). Default: the 2025 handshake.
   */
  versionNegotiation?: ClientOptions['versionNegotiation'];
}

/**
 * An in-memory v2 `OAuthClientProvider` for one user session. The browser step is `options.browser`; the redirect
 * it brings back waits for `takeCallback()`. Also records the registration and token requests and the metadata
 * documents, for the suites to assert on.
 */
export class HeadlessOAuthClientProviderV2
  extends HeadlessOAuthSession<
    StoredOAuthTokens,
    StoredOAuthClientInformation,
    OAuthDiscoveryState,
    { params: URLSearchParams }
  >
  implements OAuthClientProvider
{
  /** Every dynamic registration request body sent. */
  readonly registrations: Record<string, unknown>[] = [];
  /** Every token request (form parameters) sent: grant_type, scope, resource, … */
  readonly tokenRequests: URLSearchParams[] = [];
  /** Every JSON-RPC request POSTed to the MCP server: its method, the HTTP status and any `Mcp-Session-Id` answered. */
  readonly rpcExchanges: Array<{ method: string; status: number; sessionId: string | null }> = [];
  /** Every JSON document fetched from a `/.well-known/` URL, by URL. */
  readonly metadataDocuments = new Map<string, Record<string, unknown>>();

  constructor(override readonly options: HeadlessOAuthOptionsV2) {
    super(options, 'nest-mcp-auth headless client (SDK v2)');
  }

  override saveTokens(tokens: StoredOAuthTokens): void {
    if (this.current === tokens || JSON.stringify(this.current) === JSON.stringify(tokens)) return;
    if (this.current && this.current.access_token === tokens.access_token) {
      this.current = tokens; // the SDK re-saved the same token with its issuer stamp
      return;
    }
    super.saveTokens(tokens);
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  /**
   * The callback parameters of the last redirect (once), for `transport.finishAuth(params)`: the SDK checks `iss`
   * and surfaces `error=…` as an `OAuthError`. Throws when no redirect is pending or it was not ours.
   */
  takeCallback(): URLSearchParams {
    return this.takePending().params;
  }

  protected challengeParams(response: Response) {
    return extractWWWAuthenticateParams(response);
  }

  protected readRedirect(redirect: URL): { params: URLSearchParams } {
    return { params: new URLSearchParams(redirect.searchParams) };
  }

  protected describeRedirect({ params }: { params: URLSearchParams }): string {
    return (
      `redirect: ${params.has('code') ? 'authorization code' : 'error'} received` +
      (params.has('iss') ? ` (iss ${params.get('iss')})` : ' (no iss)')
    );
  }

  protected override onRequest(_href: string, init: RequestInit | undefined): void {
    if (init?.method !== 'POST') return;
    if (init.body instanceof URLSearchParams && init.body.has('grant_type')) {
      this.tokenRequests.push(new URLSearchParams(init.body));
    } else if (typeof init.body === 'string' && init.body.includes('"redirect_uris"')) {
      try {
        this.registrations.push(JSON.parse(init.body) as Record<string, unknown>); // RFC 7591 registration
      } catch {
        /* not JSON: not a registration */
      }
    }
  }

  protected override async onResponse(
    href: string,
    response: Response,
    init: RequestInit | undefined,
  ): Promise<void> {
    const rpcMethod =
      init?.method === 'POST' && typeof init.body === 'string' && init.body.includes('"jsonrpc"')
        ? /"method":"([^"]+)"/.exec(init.body)
        : null;
    if (rpcMethod) {
      const sessionId = response.headers.get('mcp-session-id');
      this.rpcExchanges.push({ method: rpcMethod[1], status: response.status, sessionId });
    }
    if (!response.ok || !new URL(href).pathname.includes('/.well-known/')) return;
    const json = (await response
      .clone()
      .json()
      .catch(() => undefined)) as Record<string, unknown> | undefined;
    if (json) this.metadataDocuments.set(href, json);
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
