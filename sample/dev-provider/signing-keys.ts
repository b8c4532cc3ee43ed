import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { SigningAlg } from './settings.js';

/** One of the provider's signing keys: the private JWK it signs with, the public one it publishes. */
export interface ProviderKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** One key pair per algorithm; `kid` = the RFC 7638 thumbprint. */
export function generateSigningKeys(algorithms: readonly SigningAlg[]): Promise<ProviderKey[]> {
  return Promise.all(algorithms.map(generateSigningKey));
}

async function generateSigningKey(alg: SigningAlg): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, use: 'sig', alg },
    publicJwk: { ...publicJwk, kid, use: 'sig', alg },
  };
}

/** The JWKS the provider publishes. */
export function publicJwks(keys: readonly ProviderKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** The provider's private key of `alg` and its kid (`caller` names the helper in the error when there is none). */
export async function privateKey(
  keys: readonly ProviderKey[],
  alg: SigningAlg,
  caller: string,
): Promise<{ key: CryptoKey; kid: string }> {
  const key = keys.find((k) => k.privateJwk.alg === alg);
  if (!key) throw new Error(`${caller}: the provider has no ${alg} key`);
  return { key: (await importJWK(key.privateJwk, alg)) as CryptoKey, kid: key.privateJwk.kid! };
}

/** Signs `claims` with the provider's key of `header.alg` (default RS256), `typ: at+jwt` unless told otherwise. */
export async function signClaims(
  keys: readonly ProviderKey[],
  claims: JWTPayload,
  header: { alg?: SigningAlg; typ?: string; kid?: string },
): Promise<string> {
  const alg = header.alg ?? 'RS256';
  const { key, kid } = await privateKey(keys, alg, 'signToken');
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid: header.kid ?? kid, typ: header.typ ?? 'at+jwt' })
    .sign(key);
}
