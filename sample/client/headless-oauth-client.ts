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
 * The SDK-independent part (registration, tokens, verifier, challenges, the browser step) is
 * `headless-oauth-session.ts`, shared with the test suites' SDK v2 client. Free of jest: usable from the sample client.
 */
import {
  extractWWWAuthenticateParams,
  UnauthorizedError,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type {
  CallToolResult,
  GetPromptResult,
  ListToolsResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import {
  AuthorizationRedirectError,
  HeadlessOAuthSession,
  MAX_CONNECT_AUTHORIZATIONS,
  type HeadlessOAuthOptions,
} from './headless-oauth-session.js';
import { reauthorizingSession } from './reauthorizing-session.js';

export {
  AuthorizationRedirectError,
  type HeadlessOAuthOptions,
  type ReceivedChallenge,
} from './headless-oauth-session.js';

/**
 * An in-memory `OAuthClientProvider` (SDK 1.x) for one user session: client registration, tokens, PKCE verifier.
 * The browser step is `options.browser`; the code (or error) it brings back waits for `takeAuthorizationCode()`.
 */
export class HeadlessOAuthClientProvider
  extends HeadlessOAuthSession<
    OAuthTokens,
    OAuthClientInformationMixed,
    OAuthDiscoveryState,
    { code: string }
  >
  implements OAuthClientProvider
{
  constructor(options: HeadlessOAuthOptions) {
    super(options, 'nest-mcp-auth headless client');
  }

  /** The authorization code of the last redirect (once); throws its error, or when there is none. */
  takeAuthorizationCode(): string {
    return this.takePending().code;
  }

  protected challengeParams(response: Response) {
    return extractWWWAuthenticateParams(response);
  }

  protected describeRedirect(): string {
    return 'redirect: authorization code received';
  }

  /** The SDK 1.x client leaves the callback to the app: RFC 9207 `iss`, `error`, then the code. */
  protected readRedirect(redirect: URL): { code: string } | { error: Error } {
    const params = redirect.searchParams;
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
