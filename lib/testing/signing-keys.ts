import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { DEFAULT_ALGORITHMS, type JwsAlgorithm } from '../core/algorithms.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

/** A misuse of the local issuer: an option or argument it cannot honour (`option` names it). */
export const invalidUse = (option: string, message: string) =>
  new McpAuthConfigError('ERR_INVALID_OPTIONS', message, { option });

/** The JWS algorithms the local issuer can sign with: every asymmetric algorithm `McpAuthModule` accepts (`DEFAULT_ALGORITHMS`). */
export type LocalIssuerAlgorithm = JwsAlgorithm;

const ALGORITHMS: ReadonlySet<string> = new Set(DEFAULT_ALGORITHMS);

/** One key pair held by the issuer. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: LocalIssuerAlgorithm;
  readonly privateKey: CryptoKey;
  /** The public JWK as published: `kty`, key members, `kid`, `alg`, `use: 'sig'`. */
  readonly publicJwk: JWK;
  /** Whether the key is in the published JWKS (removed keys are kept to sign tokens a verifier must refuse). */
  published: boolean;
}

async function generate(alg: LocalIssuerAlgorithm): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' }, published: true };
}

/** The key a token is signed with, and the `kid` its header carries (`null`: none). */
export interface KeyChoice {
  key: SigningKey;
  kid: string | null;
}

/**
 * The issuer's key ring: keys in creation order; the published ones form the JWKS. Private keys of removed keys
 * are kept, so that tests can mint tokens signed by a key the verifier should no longer accept.
 */
export class KeyRing {
  private readonly keys: SigningKey[] = [];

  /**
   * Generates one key pair per algorithm (in parallel) and publishes them in the order given; each `kid` is the
   * key's RFC 7638 (SHA-256) JWK thumbprint.
   */
  async add(algorithms: readonly LocalIssuerAlgorithm[]): Promise<SigningKey[]> {
    for (const alg of algorithms) {
      if (!ALGORITHMS.has(alg)) {
        throw invalidUse(
          'algorithms',
          `The local issuer cannot sign with ${JSON.stringify(alg)}; use one of ${[...ALGORITHMS].join(', ')}.`,
        );
      }
    }
    const created = await Promise.all(algorithms.map((alg) => generate(alg)));
    this.keys.push(...created);
    return created;
  }

  /** Removes a key from the published JWKS. Unknown kids throw (a typo in a test should not pass silently). */
  unpublish(kid: string): void {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw invalidUse('kid', `The local issuer holds no key with kid "${kid}".`);
    key.published = false;
  }

  /** The kids of the published keys, in creation order. */
  get publishedKids(): string[] {
    return this.keys.filter((k) => k.published).map((k) => k.kid);
  }

  /** The published JWKS document. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.filter((k) => k.published).map((k) => ({ ...k.publicJwk })) };
  }

  /**
   * The key for a token header. A `kid` naming a held key (published or not) selects it; otherwise the first
   * published key (of `alg`, when given) signs, and an unknown `kid` is written to the header as is.
   */
  choose(alg: string | undefined, kid: string | null | undefined): KeyChoice {
    if (typeof kid === 'string') {
      const held = this.keys.find((k) => k.kid === kid);
      if (held) {
        if (alg !== undefined && alg !== held.alg) {
          throw invalidUse('alg', `The key "${kid}" is a ${held.alg} key; it cannot sign ${alg}.`);
        }
        return { key: held, kid };
      }
    }
    const key = this.keys.find((k) => k.published && (alg === undefined || k.alg === alg));
    if (!key) {
      throw invalidUse(
        'alg',
        alg === undefined
          ? 'The local issuer publishes no key: addKey() first.'
          : `The local issuer publishes no ${alg} key: list it in \`algorithms\` or call addKey('${alg}').`,
      );
    }
    return { key, kid: kid === undefined ? key.kid : kid };
  }
}
