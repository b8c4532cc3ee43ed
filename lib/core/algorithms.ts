/**
 * The JWS algorithms this library verifies (RFC 7518 §3, RFC 8037, RFC 9864 `Ed25519`): one row each, with what a
 * key must be to verify it (JWK `kty`/`crv`, node:crypto key type and curve, hash, RSA-PSS). Every list of
 * algorithms in the library derives from this table. HMAC and `none` are absent on purpose: a resource server
 * never shares a secret with the provider, and unsigned tokens are never accepted (RFC 8725 §3.1).
 */
export const JWS_ALGORITHMS = {
  RS256: { kty: 'RSA', hash: 'sha256', nodeType: 'rsa' },
  RS384: { kty: 'RSA', hash: 'sha384', nodeType: 'rsa' },
  RS512: { kty: 'RSA', hash: 'sha512', nodeType: 'rsa' },
  PS256: { kty: 'RSA', hash: 'sha256', nodeType: 'rsa', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', nodeType: 'rsa', pss: true },
  PS512: { kty: 'RSA', hash: 'sha512', nodeType: 'rsa', pss: true },
  ES256: { kty: 'EC', crv: 'P-256', hash: 'sha256', nodeType: 'ec', nodeCurve: 'prime256v1' },
  ES384: { kty: 'EC', crv: 'P-384', hash: 'sha384', nodeType: 'ec', nodeCurve: 'secp384r1' },
  ES512: { kty: 'EC', crv: 'P-521', hash: 'sha512', nodeType: 'ec', nodeCurve: 'secp521r1' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', hash: null, nodeType: 'ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', hash: null, nodeType: 'ed25519' },
} as const;

/** A JWS algorithm of {@link JWS_ALGORITHMS}. */
export type JwsAlgorithm = keyof typeof JWS_ALGORITHMS;

/** One row of {@link JWS_ALGORITHMS}. */
export type JwsAlgorithmSpec = (typeof JWS_ALGORITHMS)[JwsAlgorithm] & {
  readonly crv?: string;
  readonly nodeCurve?: string;
  readonly pss?: boolean;
};

/** Asymmetric JWS algorithms accepted by default: every row of the table, in its order. */
export const DEFAULT_ALGORITHMS: readonly JwsAlgorithm[] = Object.keys(JWS_ALGORITHMS) as JwsAlgorithm[];

/** The row of `alg`, or `undefined` for an algorithm this library never verifies. */
export function jwsAlgorithm(alg: string): JwsAlgorithmSpec | undefined {
  return Object.hasOwn(JWS_ALGORITHMS, alg) ? JWS_ALGORITHMS[alg as JwsAlgorithm] : undefined;
}

/** The algorithms a JWK can verify from its `kty` and `crv` (when it names no `alg`): rows of the table only. */
export function algorithmsForKey(kty: unknown, crv: unknown): JwsAlgorithm[] {
  return DEFAULT_ALGORITHMS.filter((alg) => {
    const spec: JwsAlgorithmSpec = JWS_ALGORITHMS[alg];
    return spec.kty === kty && (spec.crv === undefined || spec.crv === crv);
  });
}
