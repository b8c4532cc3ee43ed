import { createHash, createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';
import type { CryptoKey, JWK } from 'jose';

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

const byCryptoKey = new WeakMap<CryptoKey, string>();

/** RFC 7638 thumbprint of a public key as node:crypto exports it (canonical encodings, no leading zeros). */
function thumbprintOf(key: KeyObject): string | undefined {
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const members = THUMBPRINT_MEMBERS[jwk.kty as string];
  if (!members) return undefined;
  const canonical: Record<string, unknown> = {};
  for (const name of members) canonical[name] = jwk[name];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/**
 * The identity of the key that verified a token: the RFC 7638 thumbprint of its public part. It survives a JWKS
 * refetch (jose imports new `CryptoKey` objects), is independent of `kid` (a token may have none, a `kid` may be
 * reused for another key), and is computed once per imported key.
 */
export function cryptoKeyIdentity(key: CryptoKey): string | undefined {
  let identity = byCryptoKey.get(key);
  if (identity === undefined) {
    identity = thumbprintOf(KeyObject.from(key)) ?? '';
    byCryptoKey.set(key, identity);
  }
  return identity === '' ? undefined : identity;
}

/**
 * The identity of a published JWK, computed the same way as {@link cryptoKeyIdentity} (node:crypto imports and
 * re-exports it, so equivalent encodings agree), or `undefined` when node:crypto cannot import it.
 */
export function jwkIdentity(jwk: JWK): string | undefined {
  try {
    return thumbprintOf(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  } catch {
    return undefined;
  }
}
