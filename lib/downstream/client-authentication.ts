import { randomUUID } from 'node:crypto';
import { importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { algorithmsForKey } from '../core/algorithms.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import { JWT_CLIENT_ASSERTION_TYPE, type ClientAuthMethod } from '../core/oauth-grants.js';
import type { ResolvedDownstreamClient } from './resolve-downstream-options.js';

/** Seconds a client assertion is valid (RFC 7523 §3: short-lived). */
const ASSERTION_LIFETIME = 60;

/**
 * The client authentication method to use with `metadata`: the configured one, else `private_key_jwt` when the
 * client has a private key, else `client_secret_basic` — or `client_secret_post` when the provider lists only that.
 * `undefined` when the provider's `token_endpoint_auth_methods_supported` lists none the client can do. A provider
 * that publishes no list supports `client_secret_basic` (RFC 8414 §2 default).
 */
export function chooseAuthMethod(
  client: ResolvedDownstreamClient,
  metadata: AuthorizationServerMetadata | undefined,
): ClientAuthMethod | undefined {
  const listed = metadata?.token_endpoint_auth_methods_supported;
  const supported = (method: ClientAuthMethod) =>
    Array.isArray(listed) ? listed.includes(method) : method === 'client_secret_basic';
  if (client.authMethod !== undefined) return client.authMethod;
  const candidates: ClientAuthMethod[] = [];
  if (client.privateKey !== undefined) candidates.push('private_key_jwt');
  if (client.clientSecret !== undefined) candidates.push('client_secret_basic', 'client_secret_post');
  return candidates.find(supported);
}

/**
 * Adds this server's client authentication to a token request (RFC 6749 §2.3.1, RFC 7523 §2.2): an
 * `Authorization: Basic` header, `client_id` + `client_secret` in the body, or a signed `client_assertion` whose
 * audience is the token endpoint. The private key is imported once.
 */
export class ClientAuthenticator {
  private key?: Promise<{ key: CryptoKey | KeyObject; alg: string; kid?: string }>;

  constructor(readonly client: ResolvedDownstreamClient) {}

  /** Imports the private key now (at boot), so that a bad key fails the boot naming the option. */
  async prepare(): Promise<void> {
    if (this.client.privateKey === undefined) return;
    try {
      await (this.key ??= this.importKey());
    } catch (error) {
      this.key = undefined;
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        `${this.client.option}.privateKey: cannot be imported for ${this.client.signingAlgorithm ?? 'its algorithm'} ` +
          `(${error instanceof Error ? error.message : String(error)})`,
        { option: `${this.client.option}.privateKey` },
      );
    }
  }

  async apply(
    method: ClientAuthMethod,
    tokenEndpoint: string,
    headers: Record<string, string>,
    body: URLSearchParams,
  ): Promise<void> {
    const { clientId, clientSecret } = this.client;
    switch (method) {
      case 'client_secret_basic': {
        // RFC 6749 §2.3.1: each part form-urlencoded before base64.
        const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
        headers.authorization = `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret ?? '')}`).toString('base64')}`;
        return;
      }
      case 'client_secret_post':
        body.set('client_id', clientId);
        body.set('client_secret', clientSecret ?? '');
        return;
      case 'private_key_jwt':
        body.set('client_id', clientId);
        body.set('client_assertion_type', JWT_CLIENT_ASSERTION_TYPE);
        body.set('client_assertion', await this.assertion(tokenEndpoint));
        return;
    }
  }

  private async assertion(audience: string): Promise<string> {
    const { key, alg, kid } = await (this.key ??= this.importKey());
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
      .setIssuer(this.client.clientId)
      .setSubject(this.client.clientId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME)
      .sign(key);
  }

  private async importKey(): Promise<{ key: CryptoKey | KeyObject; alg: string; kid?: string }> {
    const { privateKey, signingAlgorithm, privateKeyId } = this.client;
    if (typeof privateKey === 'string') {
      const alg = signingAlgorithm ?? 'RS256';
      return { key: await importPKCS8(privateKey, alg), alg, kid: privateKeyId };
    }
    const jwk = privateKey as JWK;
    const alg = signingAlgorithm ?? jwk.alg ?? algorithmsForKey(jwk.kty, jwk.crv)[0] ?? 'RS256';
    return { key: (await importJWK(jwk, alg)) as CryptoKey | KeyObject, alg, kid: privateKeyId ?? jwk.kid };
  }
}
