/**
 * The real OpenID provider the e2e suites use: the sample's embedded development provider (one piece of code), plus
 * what only tests need — tokens the short way (`dev-provider-tokens.ts`).
 */
import {
  startDevProvider,
  type DevProvider,
  type TestProviderOptions,
} from '../../sample/dev-provider/oidc-provider.js';
import { providerSettings } from '../../sample/dev-provider/settings.js';
import { clientCredentialsToken, HeadlessUsers, type AuthorizeOptions } from './dev-provider-tokens.js';

export * from '../../sample/dev-provider/oidc-provider.js';
export { TokenEndpointError, type AuthorizeOptions } from './dev-provider-tokens.js';

/** The development provider, with tokens the short way. */
export interface TestProvider extends DevProvider {
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
}

/** Starts the development provider on 127.0.0.1 (`port`, default a free one); `close()` stops it. */
export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const dev = await startDevProvider(options);
  const settings = providerSettings(options);
  const users = new HeadlessUsers(dev.origin, settings);
  return {
    ...dev,
    clientCredentialsToken: (args) => clientCredentialsToken(dev.provider.urlFor('token'), settings, args),
    authorize: (authorizationUrl, opts) => users.authorize(authorizationUrl, opts),
  };
}
