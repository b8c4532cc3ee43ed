/**
 * Why a request to an authorization server failed before an answer could be used: the server redirected (never
 * followed), could not be reached, or did not answer in time. Always the provider's fault, never the caller's.
 * The message holds no secret: no request body or header, and of a redirect only its status and the `Location`'s
 * origin.
 */
export class ProviderFetchError extends Error {
  override readonly name = 'ProviderFetchError';

  private constructor(
    /** What went wrong. */
    readonly kind: 'redirect' | 'unreachable' | 'timeout',
    message: string,
    /** The redirect's HTTP status (`kind: 'redirect'`). */
    readonly status?: number,
    /** The redirect's `Location`, resolved against the request URL (`kind: 'redirect'`; absent when none was sent). */
    readonly location?: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }

  /** A 3xx answer, not followed. */
  static redirect(status: number, location: string | undefined): ProviderFetchError {
    const where = location === undefined ? 'no Location' : new URL(location).origin;
    return new ProviderFetchError(
      'redirect',
      `answered HTTP ${status} redirecting to ${where}; redirects are not followed`,
      status,
      location,
    );
  }

  /** The request could not be sent or answered (DNS, connection, TLS, reset, timeout). */
  static transport(error: unknown): ProviderFetchError {
    return isAbort(error)
      ? new ProviderFetchError('timeout', 'did not answer in time', undefined, undefined, error)
      : new ProviderFetchError(
          'unreachable',
          `could not be reached: ${networkReason(error)}`,
          undefined,
          undefined,
          error,
        );
  }
}

/** How {@link providerFetch} sends a request: `fetch`'s init (never `redirect`), and the fetch implementation. */
export type ProviderFetchInit = Omit<RequestInit, 'redirect'> & {
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
};

/**
 * Every request the library sends to an authorization server goes through here: discovery, the JWKS, token
 * introspection (and any later call that carries a token or a client credential). One rule: **a redirect is
 * never followed** (`redirect: 'manual'`). Following one would send the request — for a `POST` its body, the token
 * and a `client_secret_post` secret included (a 307/308 re-sends it, the hazard RFC 9700 §4.12 describes) — to
 * whatever host the `Location` names, and trust that host's answer. A 3xx answer rejects with a
 * {@link ProviderFetchError} of kind `'redirect'`; each caller decides what it means (a provider fault at request
 * time, a configuration error at discovery). Transport failures reject with kind `'unreachable'` or `'timeout'`.
 * Any other answer (2xx, 4xx, 5xx) is returned for the caller to judge.
 */
export async function providerFetch(url: string, init: ProviderFetchInit = {}): Promise<Response> {
  const { fetch: fetchImpl = globalThis.fetch, ...request } = init;
  let response: Response;
  try {
    response = await fetchImpl(url, { ...request, redirect: 'manual' });
  } catch (error) {
    throw ProviderFetchError.transport(error);
  }
  // `opaqueredirect` (status 0) is what a browser-style fetch answers to `redirect: 'manual'`.
  if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
    await response.body?.cancel().catch(() => undefined);
    throw ProviderFetchError.redirect(
      response.status,
      resolveLocation(response.headers.get('location'), url),
    );
  }
  return response;
}

/** Most bytes of an answer {@link readProviderText} reads by default: 1 MiB. */
export const MAX_PROVIDER_ANSWER_BYTES = 1 << 20;

/**
 * The body of a {@link providerFetch} answer as text, under the same rule: a failure while reading it (a reset, the
 * request's `signal` timing out) is a {@link ProviderFetchError} (`'unreachable'`, `'timeout'`) like one before the
 * answer; and at most `maxBytes` are read — a longer body is cut (and will not parse), so a provider cannot make the
 * library buffer an unbounded answer.
 */
export async function readProviderText(
  response: Response,
  maxBytes = MAX_PROVIDER_ANSWER_BYTES,
): Promise<string> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  try {
    // Leaving the loop early cancels the stream.
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      read += chunk.byteLength;
      if (read > maxBytes) return text;
      text += decoder.decode(chunk, { stream: true });
    }
  } catch (error) {
    throw ProviderFetchError.transport(error);
  }
  return text + decoder.decode();
}

function resolveLocation(location: string | null, base: string): string | undefined {
  if (location === null) return undefined;
  return URL.canParse(location, base) ? new URL(location, base).href : undefined;
}

/** Errors may come from another realm (undici, test VMs): recognize them by shape, not by `instanceof`. */
interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;
}

/** A timeout (`AbortSignal.timeout`) or an abort. */
export function isAbort(error: unknown): boolean {
  const name = asErrorLike(error)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** `connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND h`, … — undici hides them in `cause`. */
export function networkReason(error: unknown): string {
  const cause = asErrorLike(asErrorLike(error)?.cause) ?? asErrorLike(error);
  if (cause === undefined) return String(error);
  if (Array.isArray(cause.errors) && cause.errors.length > 0) {
    return cause.errors.map((e: unknown) => describe(asErrorLike(e)) ?? String(e)).join(', ');
  }
  return describe(cause) ?? String(error);
}

function describe(error: ErrorLike | undefined): string | undefined {
  if (error === undefined) return undefined;
  for (const candidate of [error.message, error.code, error.name]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return undefined;
}
