import { preview, withOption } from './discovery-messages.js';
import { isAbort, networkReason, ProviderFetchError, providerFetch } from './provider-fetch.js';
import { McpAuthConfigError, type McpAuthConfigErrorCode } from '../core/mcp-auth-config.error.js';

/** Options of {@link fetchMetadataDocument}. */
export interface FetchMetadataDocumentOptions {
  /** Milliseconds the request (headers and body) may take. */
  timeout: number;
  /** The fetch implementation. */
  fetch: typeof fetch;
  /** The option path, for messages. */
  option?: string;
}

/**
 * GETs one metadata URL (through {@link providerFetch}) and returns its JSON object. Redirects are **not followed**:
 * RFC 8414 §3 and OpenID Connect Discovery §4 name the URL the document is at, and the library sends no request to
 * a host it was not configured with. A redirect is reported with its `Location`, so the final URL can be
 * configured as `wellKnownUrl`.
 *
 * @throws McpAuthConfigError `ERR_DISCOVERY_NETWORK`, `ERR_DISCOVERY_TIMEOUT`, `ERR_DISCOVERY_REDIRECT`,
 *   `ERR_DISCOVERY_HTTP_STATUS` or `ERR_DISCOVERY_NOT_JSON` (a body that is not JSON, or JSON that is not an
 *   object), each naming the URL, with the HTTP `status` when the server answered.
 */
export async function fetchMetadataDocument(
  url: string,
  options: FetchMetadataDocumentOptions,
): Promise<Record<string, unknown>> {
  return (await fetchMetadataResponse(url, options)).document;
}

/** {@link fetchMetadataDocument}, with the HTTP status of the answer. */
export async function fetchMetadataResponse(
  url: string,
  { timeout, fetch: fetchImpl, option }: FetchMetadataDocumentOptions,
): Promise<{ status: number; document: Record<string, unknown> }> {
  let status: number | undefined;
  const fail = (code: McpAuthConfigErrorCode, message: string, cause?: unknown) =>
    new McpAuthConfigError(code, withOption(option, message), { option, url, cause, status });
  const transportError = (error: unknown) => {
    const cause = error instanceof ProviderFetchError ? error.cause : error;
    return isAbort(cause)
      ? fail('ERR_DISCOVERY_TIMEOUT', `GET ${url} did not answer within ${timeout} ms.`, cause)
      : fail('ERR_DISCOVERY_NETWORK', `Could not reach ${url}: ${networkReason(cause)}.`, cause);
  };

  let response: Response;
  let body: string;
  try {
    response = await providerFetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeout),
      fetch: fetchImpl,
    });
    status = response.status;
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw fail('ERR_DISCOVERY_HTTP_STATUS', `GET ${url} answered HTTP ${status}.`);
    }
    body = await response.text();
  } catch (error) {
    if (error instanceof McpAuthConfigError) throw error;
    if (error instanceof ProviderFetchError && error.kind === 'redirect') {
      status = error.status;
      throw redirected(url, error, fail);
    }
    throw transportError(error);
  }

  const contentType = response.headers.get('content-type') ?? 'none';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw fail(
      'ERR_DISCOVERY_NOT_JSON',
      `GET ${url} did not answer with JSON (content-type: ${contentType}; body: ${preview(body.slice(0, 60))}).`,
      error,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fail(
      'ERR_DISCOVERY_NOT_JSON',
      `GET ${url} answered JSON that is not an object (${Array.isArray(parsed) ? 'an array' : preview(parsed)}).`,
    );
  }
  return { status: response.status, document: parsed as Record<string, unknown> };
}

/** A redirect is not followed: the message names where it pointed, for `wellKnownUrl`. */
function redirected(
  url: string,
  error: ProviderFetchError,
  fail: (code: McpAuthConfigErrorCode, message: string, cause?: unknown) => McpAuthConfigError,
): McpAuthConfigError {
  const where = error.location === undefined ? 'without a Location' : `to ${error.location}`;
  return fail(
    'ERR_DISCOVERY_REDIRECT',
    `GET ${url} answered HTTP ${error.status} redirecting ${where}; redirects are not followed — if that is where ` +
      'the metadata lives, configure it as "wellKnownUrl".',
    error,
  );
}
