/**
 * What an in-memory, headless `OAuthClientProvider` does whatever the MCP SDK client line (v1
 * `@modelcontextprotocol/sdk`, v2 `@modelcontextprotocol/client`): it keeps one user session's registration,
 * tokens and PKCE verifier, records every challenge and authorization, and runs the "browser" step with
 * `options.browser`. `headless-oauth-client.ts` (v1, the sample client's) and the test suites' v2 client extend it
 * with what their SDK line needs.
 *
 * Free of jest and of either SDK: usable from any Node code.
 */
import { randomBytes } from 'node:crypto';

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

/** Authorization rounds a connect completes (401, then possibly a 403 on initialize). */
export const MAX_CONNECT_AUTHORIZATIONS = 3;
const DEFAULT_REDIRECT_URL = 'http://127.0.0.1:1/callback';

/** The fields of the SDKs' token, client information and discovery types this part reads. */
interface TokensLike {
  access_token: string;
  scope?: string;
  expires_in?: number;
  refresh_token?: string;
}
interface ClientInformationLike {
  client_id: string;
  issuer?: string;
}
interface DiscoveryLike {
  resourceMetadata?: { resource: string };
  authorizationServerUrl: string;
  authorizationServerMetadata?: { issuer: string };
}
type Pending<P> = P | { error: Error };

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
 * The SDK-independent part of a headless `OAuthClientProvider`. `P` is what a redirect yields to the SDK line's
 * `finishAuth` (a code, or the callback parameters), read by the subclass's `readRedirect`.
 */
export abstract class HeadlessOAuthSession<
  Tokens extends TokensLike,
  Information extends ClientInformationLike,
  Discovery extends DiscoveryLike,
  P extends object,
> {
  /** Every authorization URL the client was sent to, in order. */
  readonly authorizations: URL[] = [];
  /** Every redirect the browser step returned (to the redirect URI), in order. */
  readonly redirects: URL[] = [];
  /** Every token response the client saved, in order (`tokens()` is the latest). */
  readonly receivedTokens: Tokens[] = [];
  /** Every 401/403 challenge seen, in order. */
  readonly challenges: ReceivedChallenge[] = [];
  /** Result of the last discovery (protected resource metadata + authorization server metadata). */
  discovery?: Discovery;

  protected current?: Tokens;
  private client?: Information;
  private verifier?: string;
  private pending?: Pending<P>;

  constructor(
    readonly options: HeadlessOAuthOptions,
    private readonly defaultClientName: string,
  ) {}

  /** The redirect's answer for the SDK (`P`), or its error; the redirect URI and `state` are already checked. */
  protected abstract readRedirect(redirect: URL): Pending<P>;
  /** The log line of a redirect's answer. */
  protected abstract describeRedirect(pending: P): string;
  /** The parameters of a `WWW-Authenticate` header, read by the SDK line's own parser. */
  protected abstract challengeParams(
    response: Response,
  ): Omit<ReceivedChallenge, 'method' | 'url' | 'status' | 'header'>;
  /** Called for each request before it is sent, and with each answer (for subclasses that record more). */
  protected onRequest(_href: string, _init: RequestInit | undefined): void {}
  protected async onResponse(
    _href: string,
    _response: Response,
    _init: RequestInit | undefined,
  ): Promise<void> {}

  get redirectUrl(): string {
    return this.options.redirectUrl ?? DEFAULT_REDIRECT_URL;
  }

  get clientMetadata() {
    return {
      client_name: this.options.clientName ?? this.defaultClientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this.options.scope ? { scope: this.options.scope } : {}),
    };
  }

  /** `fetch` for the transport (and through it for discovery, registration, token): logs and records challenges. */
  readonly fetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    const href = String(url);
    this.onRequest(href, init);
    const response = await fetch(url, init);
    const header = response.headers.get('www-authenticate');
    if ((response.status === 401 || response.status === 403) && header) {
      this.challenges.push({
        method,
        url: href,
        status: response.status,
        header,
        ...this.challengeParams(response),
      });
      this.log(`${method} ${href} → ${response.status} WWW-Authenticate: ${header}`);
    } else {
      this.log(`${method} ${href} → ${response.status}`);
    }
    await this.onResponse(href, response, init);
    return response;
  };

  state(): string {
    return randomBytes(16).toString('base64url');
  }

  clientInformation(): Information | undefined {
    return this.client;
  }

  saveClientInformation(info: Information): void {
    if (this.client?.client_id !== info.client_id) {
      this.log(`registration: client_id ${info.client_id} at ${info.issuer ?? 'unknown issuer'}`);
    }
    this.client = info;
  }

  tokens(): Tokens | undefined {
    return this.current;
  }

  saveTokens(tokens: Tokens): void {
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

  saveDiscoveryState(state: Discovery): void {
    this.discovery = state;
    this.log(
      `discovery: resource ${state.resourceMetadata?.resource ?? '(no protected resource metadata)'}` +
        ` → authorization server ${state.authorizationServerUrl}` +
        ` (issuer ${state.authorizationServerMetadata?.issuer ?? 'unknown'})`,
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
    const pending = this.checkRedirect(redirect, url) ?? this.readRedirect(redirect);
    this.pending = pending;
    this.log('error' in pending ? `redirect: ${pending.error.message}` : this.describeRedirect(pending as P));
  }

  /** The answer of the last redirect (once); throws its error, or when there is none. */
  protected takePending(): P {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) throw new Error('no authorization redirect is pending');
    if ('error' in pending) throw pending.error;
    return pending as P;
  }

  protected log(line: string): void {
    this.options.log?.(line);
  }

  /** The redirect must come back to our redirect URI with the `state` we sent. */
  private checkRedirect(redirect: URL, authorizationUrl: URL): { error: Error } | undefined {
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
    return undefined;
  }
}
