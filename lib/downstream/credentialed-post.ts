/**
 * The one rule for an outbound request that carries a token or a credential: it is sent once (no retry), never
 * redirected (`redirect: 'manual'`; a 3xx is the provider's fault, the credential is not replayed to the new
 * location), bounded in time, and its failure is described without the request's content.
 */

/** How a credentialed request failed before a usable answer arrived. */
export type OutboundFault = 'network' | 'timeout' | 'redirect';

/** Thrown by {@link credentialedPost}: `fault` says what went wrong; the message names the URL only. */
export class OutboundFaultError extends Error {
  override readonly name = 'OutboundFaultError';
  constructor(
    readonly fault: OutboundFault,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What came back: the status, the content type and the body as text (at most `maxBytes`). */
export interface OutboundAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Options of {@link credentialedPost}. */
export interface CredentialedPostOptions {
  headers: Record<string, string>;
  body: URLSearchParams;
  /** Milliseconds for the whole exchange (headers and body). */
  timeout: number;
  /** Most bytes of body read; a longer body is cut (and will not parse). Default 1 MiB. */
  maxBytes?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

const DEFAULT_MAX_BYTES = 1 << 20;

/**
 * POSTs a form to `url` under the rule above.
 *
 * @throws OutboundFaultError `network` (unreachable, reset), `timeout`, or `redirect` (any 3xx answer).
 */
export async function credentialedPost(
  url: string,
  options: CredentialedPostOptions,
): Promise<OutboundAnswer> {
  const signal = AbortSignal.timeout(options.timeout);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: options.headers,
      body: options.body,
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    throw transportFault(url, options.timeout, error);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    throw new OutboundFaultError(
      'redirect',
      `POST ${url} answered a redirect (HTTP ${response.status}), not followed`,
    );
  }
  let body: string;
  try {
    body = await readText(response, options.maxBytes ?? DEFAULT_MAX_BYTES);
  } catch (error) {
    throw transportFault(url, options.timeout, error);
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
}

async function readText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    read += chunk.byteLength;
    if (read > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      return text;
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

function transportFault(url: string, timeout: number, error: unknown): OutboundFaultError {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new OutboundFaultError('timeout', `POST ${url} did not answer within ${timeout} ms`, {
      cause: error,
    });
  }
  return new OutboundFaultError('network', `POST ${url} could not be reached (${reason(error)})`, {
    cause: error,
  });
}

/** `ECONNREFUSED`, `ENOTFOUND`… — undici hides them in `cause`. */
function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
