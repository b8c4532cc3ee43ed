import {
  constants,
  KeyObject,
  verify,
  type VerifyKeyObjectInput,
  type VerifyPublicKeyInput,
} from 'node:crypto';
import type { CryptoKey } from 'jose';

/** How each allowed JWS algorithm (RFC 7518 §3, RFC 8037) is checked with node:crypto. */
const ALGORITHMS: Record<string, { hash: string | null; type: string; curve?: string; pss?: boolean }> = {
  RS256: { hash: 'sha256', type: 'rsa' },
  RS384: { hash: 'sha384', type: 'rsa' },
  RS512: { hash: 'sha512', type: 'rsa' },
  PS256: { hash: 'sha256', type: 'rsa', pss: true },
  PS384: { hash: 'sha384', type: 'rsa', pss: true },
  PS512: { hash: 'sha512', type: 'rsa', pss: true },
  ES256: { hash: 'sha256', type: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', type: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', type: 'ec', curve: 'secp521r1' },
  EdDSA: { hash: null, type: 'ed25519' },
  Ed25519: { hash: null, type: 'ed25519' },
};

/** The node:crypto verify input for a key and an algorithm, or `undefined` when the key does not fit it. */
type Prepared = VerifyKeyObjectInput | VerifyPublicKeyInput | undefined;
const prepared = new WeakMap<CryptoKey, Map<string, Prepared>>();

function prepare(key: CryptoKey, alg: string): Prepared {
  const spec = ALGORITHMS[alg];
  const object = KeyObject.from(key);
  if (!spec || object.type !== 'public') return undefined;
  const type = object.asymmetricKeyType;
  const details = object.asymmetricKeyDetails ?? {};
  if (spec.type === 'rsa') {
    // RFC 7518 §3.3: keys of 2048 bits or more (jose's rule too).
    if ((type !== 'rsa' && !(spec.pss && type === 'rsa-pss')) || (details.modulusLength ?? 0) < 2048)
      return undefined;
    return spec.pss
      ? {
          key: object,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }
      : { key: object };
  }
  if (spec.type === 'ec') {
    return type === 'ec' && details.namedCurve === spec.curve
      ? { key: object, dsaEncoding: 'ieee-p1363' }
      : undefined;
  }
  return type === 'ed25519' ? { key: object } : undefined;
}

/**
 * Checks a JWS signature synchronously with node:crypto — the same primitives WebCrypto uses, without its
 * per-call overhead. The key comes from jose's key set (JWKS fetching, key selection and import stay jose's); it
 * must fit the algorithm (type, curve, RSA ≥ 2048 bits), else the signature is refused.
 */
export function verifyJwsSignature(
  alg: string,
  signingInput: string,
  signature: Buffer,
  key: CryptoKey,
): boolean {
  let byAlg = prepared.get(key);
  if (!byAlg) prepared.set(key, (byAlg = new Map()));
  let input = byAlg.get(alg);
  if (input === undefined && !byAlg.has(alg)) byAlg.set(alg, (input = prepare(key, alg)));
  if (!input) return false;
  return verify(ALGORITHMS[alg].hash, Buffer.from(signingInput), input, signature);
}
