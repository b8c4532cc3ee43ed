/**
 * What tests do with the sample's development provider besides speaking OAuth to it: get tokens the short way
 * (`TestProvider.clientCredentialsToken` and `.authorize` in `oidc-provider.ts`). Test-only, hence here and not in
 * sample/: the sample's own client follows the authorization with `followAuthorization` alone.
 */
import { CookieJar, followAuthorization } from '../../sample/dev-provider/headless-browser.js';
import type { ProviderSettings } from '../../sample/dev-provider/settings.js';

export interface AuthorizeOptions {
  /** Who logs in. Default: `defaultAccountId` ('alice'). Each account keeps its own cookie jar (browser session). */
  accountId?: string;
  /** Scopes the user declines on the consent screen (recorded as rejected in the grant). */
  declineScopes?: string[];
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

/**
 * Client credentials grant against the real token endpoint, with the RFC 8707 resource; the access token. The
 * client authenticates as it was registered (`client_secret_post`, else HTTP Basic).
 * @throws TokenEndpointError when the answer carries no access token.
 */
export async function clientCredentialsToken(
  tokenEndpoint: string,
  settings: ProviderSettings,
  args: { clientId: string; clientSecret: string; scope?: string; resource: string },
): Promise<string> {
  const { clientId, clientSecret, scope, resource } = args;
  if (clientSecret === undefined) throw new TypeError('clientCredentialsToken: a client secret is needed');
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
  if (scope !== undefined) body.set('scope', scope);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const method = settings.clients.findLast((c) => c.clientId === clientId)?.tokenEndpointAuthMethod;
  if (method === 'client_secret_post') {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  } else {
    const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`;
  }
  const response = await fetch(tokenEndpoint, { method: 'POST', headers, body });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok || typeof json.access_token !== 'string')
    throw new TokenEndpointError(response.status, json);
  return json.access_token;
}

/**
 * The user agents of `authorize()`: one browser session (cookie jar) per account, which logs in as that account
 * and declines what it is told to on the provider's interaction pages.
 */
export class HeadlessUsers {
  private readonly jars = new Map<string, CookieJar>();

  constructor(
    private readonly origin: string,
    private readonly settings: ProviderSettings,
  ) {}

  /** Opens `authorizationUrl` as `opts.accountId` and returns the final redirect to the client's redirect_uri. */
  async authorize(authorizationUrl: string | URL, opts: AuthorizeOptions = {}): Promise<URL> {
    const accountId = opts.accountId ?? this.settings.defaultAccountId;
    let jar = this.jars.get(accountId);
    if (!jar) this.jars.set(accountId, (jar = new CookieJar()));
    const url = new URL(authorizationUrl);
    if (url.origin !== this.origin)
      throw new Error(`authorize: ${url.href} is not on this provider (${this.origin})`);
    return followAuthorization(url, jar, (next) => {
      if (!next.pathname.startsWith(this.settings.paths.interaction)) return;
      next.searchParams.set('account', accountId);
      if (opts.declineScopes?.length) next.searchParams.set('decline', opts.declineScopes.join(' '));
    });
  }
}
