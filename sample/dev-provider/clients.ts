import type { ServerResponse } from 'node:http';
import type { ClientMetadata } from 'oidc-provider';
import { send } from './http-answer.js';
import type { TestClient } from './settings.js';

/** Where the public keys of `private_key_jwt` clients are served (their `jwks_uri`). */
const CLIENT_JWKS_PATH = '/_test-clients/jwks/';

/** The clients registered at start (confidential clients: client credentials, token exchange, introspection). */
export function preRegisteredClients(clients: readonly TestClient[], origin: string): ClientMetadata[] {
  return clients.map((c) => ({
    client_id: c.clientId,
    ...(c.clientSecret !== undefined ? { client_secret: c.clientSecret } : {}),
    // Served by this provider at a jwks_uri (static `jwks` are structuredClone'd, which breaks under jest's VM).
    ...(c.jwks ? { jwks_uri: `${origin}${CLIENT_JWKS_PATH}${encodeURIComponent(c.clientId)}` } : {}),
    grant_types: c.grantTypes ?? ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: c.tokenEndpointAuthMethod ?? 'client_secret_basic',
    ...(c.scopes ? { scope: c.scopes.join(' ') } : {}),
  }));
}

/** Serves a client's public keys at its `jwks_uri`; false when `url` is not one. */
export function answerClientJwks(res: ServerResponse, url: URL, clients: readonly TestClient[]): boolean {
  if (!url.pathname.startsWith(CLIENT_JWKS_PATH)) return false;
  const clientId = decodeURIComponent(url.pathname.slice(CLIENT_JWKS_PATH.length));
  const client = clients.find((c) => c.clientId === clientId);
  if (client?.jwks) send(res, 200, JSON.stringify(client.jwks), 'application/json');
  else send(res, 404, 'not found');
  return true;
}
