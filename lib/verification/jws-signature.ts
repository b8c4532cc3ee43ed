import {
  constants,
  KeyObject,
  verify,
  type VerifyKeyObjectInput,
  type VerifyPublicKeyInput,
} from 'node:crypto';
import type { CryptoKey } from 'jose';
import { jwsAlgorithm } from '../core/algorithms.js';

/** The node:crypto verify input for a key and an algorithm, or `undefined` when the key does not fit it. */
type Prepared = KeyObject | VerifyKeyObjectInput | VerifyPublicKeyInput | undefined;
const prepared = new WeakMap<CryptoKey, Map<string, Prepared>>();

function prepare(key: CryptoKey, alg: string): Prepared {
  const spec = jwsAlgorithm(alg);
  const object = KeyObject.from(key);
  if (!spec || object.type !== 'public') return undefined;
  const type = object.asymmetricKeyType;
  const details = object.asymmetricKeyDetails ?? {};
  if (spec.nodeType === 'rsa') {
    // RFC 7518 §3.3: keys of 2048 bits or more (jose's rule too).
    if ((type !== 'rsa' && !(spec.pss && type === 'rsa-pss')) || (details.modulusLength ?? 0) < 2048)
      return undefined;
    // PKCS #1 v1.5: the key object itself — Node 24 verifies ~9 µs slower when it is wrapped in `{ key }` (measured:
    // 29.3 vs 20.2 µs per RS256 check; Node 20 the same either way).
    return spec.pss
      ? {
          key: object,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }
      : object;
  }
  if (spec.nodeType === 'ec') {
    return type === 'ec' && details.namedCurve === spec.nodeCurve
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
  signingInput: Buffer,
  signature: Buffer,
  key: CryptoKey,
): boolean {
  let byAlg = prepared.get(key);
  if (!byAlg) prepared.set(key, (byAlg = new Map()));
  let input = byAlg.get(alg);
  if (input === undefined && !byAlg.has(alg)) byAlg.set(alg, (input = prepare(key, alg)));
  if (!input) return false;
  return verify(jwsAlgorithm(alg)!.hash, signingInput, input, signature);
}
