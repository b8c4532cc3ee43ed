import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { ClientAuthenticator, chooseAuthMethod } from './client-authentication.js';
import type { ResolvedDownstreamClient } from './resolve-downstream-options.js';

const secret: ResolvedDownstreamClient = {
  option: 'downstream.client',
  clientId: 'my app',
  clientSecret: 'p@ss:word',
};

describe('chooseAuthMethod', () => {
  const metadata = (methods?: string[]) => ({
    issuer: 'https://idp',
    token_endpoint_auth_methods_supported: methods,
  });
  it('client_secret_basic by default (RFC 8414: also when the provider lists nothing), post when only post is listed', () => {
    expect(chooseAuthMethod(secret, metadata())).toBe('client_secret_basic');
    expect(chooseAuthMethod(secret, metadata(['client_secret_post']))).toBe('client_secret_post');
    expect(chooseAuthMethod(secret, metadata(['private_key_jwt']))).toBeUndefined();
  });
  it('private_key_jwt when a private key is configured and listed; the configured method always wins', () => {
    const both = { ...secret, privateKey: { kty: 'EC', d: 'x' } };
    expect(chooseAuthMethod(both, metadata(['client_secret_basic', 'private_key_jwt']))).toBe(
      'private_key_jwt',
    );
    expect(chooseAuthMethod(both, metadata(['client_secret_basic']))).toBe('client_secret_basic');
    expect(
      chooseAuthMethod({ ...secret, authMethod: 'client_secret_post' }, metadata(['private_key_jwt'])),
    ).toBe('client_secret_post');
  });
});

describe('ClientAuthenticator', () => {
  it('client_secret_basic: each part form-urlencoded before base64 (RFC 6749 §2.3.1)', async () => {
    const headers: Record<string, string> = {};
    const body = new URLSearchParams();
    await new ClientAuthenticator(secret).apply('client_secret_basic', 'https://idp/token', headers, body);
    expect(Buffer.from(headers.authorization.slice(6), 'base64').toString()).toBe('my+app:p%40ss%3Aword');
    expect([...body]).toEqual([]);
  });

  it('private_key_jwt: a short-lived assertion signed with jose, aud = the token endpoint, unique jti', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'k1' };
    const authenticator = new ClientAuthenticator({
      option: 'downstream.client',
      clientId: 'mcp',
      privateKey: jwk,
    });
    await authenticator.prepare();
    const forms = [new URLSearchParams(), new URLSearchParams()];
    for (const form of forms) await authenticator.apply('private_key_jwt', 'https://idp/token', {}, form);
    const assertion = forms[0].get('client_assertion')!;
    expect(forms[0].get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: 'k1' });
    const claims = decodeJwt(assertion);
    expect(claims).toMatchObject({ iss: 'mcp', sub: 'mcp', aud: 'https://idp/token' });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(decodeJwt(forms[1].get('client_assertion')!).jti).not.toBe(claims.jti);
  });

  it('a key that cannot be imported fails at boot naming the option', async () => {
    const authenticator = new ClientAuthenticator({
      option: 'downstream.client',
      clientId: 'mcp',
      privateKey: { kty: 'EC', crv: 'P-256', d: 'bad' },
    });
    await expect(authenticator.prepare()).rejects.toMatchObject({ option: 'downstream.client.privateKey' });
  });
});
