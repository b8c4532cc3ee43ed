import type { LocalIssuer } from '../lib/testing/index.js';
import { SCOPE, type Alg } from './common.js';

/** Tokens live long enough for the whole run (the default 300 s would expire mid-run). */
export const TOKEN_LIFETIME = 3600;

export function mintOne(issuer: LocalIssuer, alg: Alg, subject = 'bench-user'): Promise<string> {
  return issuer.mint({ subject, scopes: [SCOPE], expiresIn: TOKEN_LIFETIME, header: { alg } });
}

/**
 * `count` distinct tokens (each has its own `jti`), minted `concurrency` at a time: jose signs with WebCrypto, whose
 * jobs run on libuv's thread pool, so this uses every core the process may run on.
 */
export async function mintMany(
  issuer: LocalIssuer,
  alg: Alg,
  count: number,
  concurrency = 64,
): Promise<string[]> {
  const out: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await mintOne(issuer, alg, `user-${i}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
