import { createHash, randomBytes } from 'node:crypto';
import type { TestProvider } from './oidc-provider.js';

const REDIRECT_URI = 'http://127.0.0.1/callback';

/**
 * A user's access token from the development provider through the real authorization code flow: dynamic
 * registration (public client), PKCE S256, RFC 8707 `resource`, the headless browser logging in as `accountId`,
 * and the code exchanged at the token endpoint.
 */
export async function userToken(
  provider: TestProvider,
  { accountId, resource, scope }: { accountId: string; resource: string; scope: string },
): Promise<string> {
  const metadata = (await (
    await fetch(`${provider.issuer}/.well-known/openid-configuration`)
  ).json()) as Record<string, string>;
  const registration = await fetch(metadata.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }),
  });
  const { client_id: clientId } = (await registration.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const authorization = new URL(metadata.authorization_endpoint);
  for (const [name, value] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    resource,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorization.searchParams.set(name, value);
  }
  const callback = await provider.authorize(authorization, { accountId });
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`userToken: no code (${callback.searchParams.get('error') ?? callback.href})`);
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: clientId,
      resource,
    }),
  });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`userToken: ${JSON.stringify(json)}`);
  return json.access_token;
}
