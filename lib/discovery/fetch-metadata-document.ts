import { preview, withOption } from './discovery-messages.js';
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
 * GETs one metadata URL and returns its JSON object. Redirects are followed (as browsers and most OAuth clients
 * do); the issuer check that follows (R29) is what makes the document trustworthy, not its URL.
 *
 * @throws McpAuthConfigError `ERR_DISCOVERY_NETWORK`, `ERR_DISCOVERY_TIMEOUT`, `ERR_DISCOVERY_HTTP_STATUS` or
 *   `ERR_DISCOVERY_NOT_JSON` (a body that is not JSON, or JSON that is not an object), each naming the URL.
 */
export async function fetchMetadataDocument(
  url: string,
  { timeout, fetch: fetchImpl, option }: FetchMetadataDocumentOptions,
): Promise<Record<string, unknown>> {
  const fail = (code: McpAuthConfigErrorCode, message: string, cause?: unknown) =>
    new McpAuthConfigError(code, withOption(option, message), { option, url, cause });
  const transportError = (error: unknown) =>
    isAbort(error)
      ? fail('ERR_DISCOVERY_TIMEOUT', `GET ${url} did not answer within ${timeout} ms.`, error)
      : fail('ERR_DISCOVERY_NETWORK', `Could not reach ${url}: ${networkReason(error)}.`, error);

  let response: Response;
  let body: string;
  try {
    response = await fetchImpl(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'follow',
      signal: AbortSignal.timeout(timeout),
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw fail('ERR_DISCOVERY_HTTP_STATUS', `GET ${url} answered HTTP ${status}.`);
    }
    body = await response.text();
  } catch (error) {
    throw error instanceof McpAuthConfigError ? error : transportError(error);
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
  return parsed as Record<string, unknown>;
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

function isAbort(error: unknown): boolean {
  const name = asErrorLike(error)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** `connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND h`, … — undici hides them in `cause`. */
function networkReason(error: unknown): string {
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
