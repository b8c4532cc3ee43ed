export type { TokenVerifier } from '../core/token-verifier.js';

/** Whether a verifier (or authenticator) answered with a promise — any thenable — rather than a value. */
export function isPending<T>(result: T | PromiseLike<T>): result is PromiseLike<T> {
  return typeof (result as { then?: unknown } | null)?.then === 'function';
}
