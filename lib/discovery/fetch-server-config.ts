import type { AuthorizationServerType, AuthServerConfig } from './authorization-server-metadata.js';
import { withOption } from './discovery-messages.js';
import { fetchMetadataResponse } from './fetch-metadata-document.js';
import { validateServerMetadata } from './validate-server-metadata.js';
import { discoveryUrls, OPENID_CONFIGURATION, type DiscoveryUrl } from './well-known-url.js';
import {
  McpAuthConfigError,
  type DiscoveryAttempt,
  type McpAuthConfigErrorCode,
} from '../core/mcp-auth-config.error.js';
import { describeUrlProblem, type UrlKind } from '../core/url-rules.js';
import type { MetadataTranspiler } from './authorization-server-options.js';

/** Milliseconds a discovery request may take when no `timeout` is given. */
export const DEFAULT_DISCOVERY_TIMEOUT = 5000;

/** Options of {@link fetchServerConfig}. */
export interface FetchServerConfigOptions {
  /**
   * `'oidc'`: OpenID append URL (OpenID Connect Discovery 1.0 §4), then OpenID insertion URL. `'oauth'`: RFC 8414
   * §3.1 insertion URL. Omitted: probe in the MCP 2025-11-25 client order ("Authorization Server Metadata
   * Discovery").
   */
  type?: AuthorizationServerType;
  /** Milliseconds each metadata request may take. Default 5000. */
  timeout?: number;
  /** Fixes provider quirks in the raw document before it is validated. */
  transpile?: MetadataTranspiler;
  /** Require `jwks_uri` (JWT verification). Default true. */
  requireJwksUri?: boolean;
  /** Require `introspection_endpoint` (opaque token verification). Default false. */
  requireIntrospection?: boolean;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** The option path of this authorization server, for messages (`authorizationServers[0]`). */
  option?: string;
  /**
   * Called after each metadata URL is tried, in order, with what it answered (`ok` with the raw document, or why
   * discovery moved on or stopped). Errors carry the same list as `attempts`.
   */
  onAttempt?: (attempt: DiscoveryAttempt) => void;
}

/** Options of {@link fetchServerConfigByWellKnownUrl}. */
export interface FetchServerConfigByWellKnownUrlOptions extends FetchServerConfigOptions {
  /**
   * Which convention the URL belongs to. Default: `'oidc'` when the URL contains `openid-configuration`, else
   * `'oauth'`.
   */
  type?: AuthorizationServerType;
  /**
   * The configured issuer: the document's `issuer` must be identical to it (RFC 8414 §3.3). When omitted, the
   * issuer is taken from the document (it must still be a valid URL) — use this only with a URL you trust.
   */
  expectedIssuer?: string;
}

interface Settings {
  timeout: number;
  transpile?: MetadataTranspiler;
  requireJwksUri: boolean;
  requireIntrospection: boolean;
  fetch: typeof fetch;
  option?: string;
  onAttempt?: (attempt: DiscoveryAttempt) => void;
}

/** Failures that mean "no metadata document at this URL" (probing moves on to the next URL), as attempt outcomes. */
const NOT_HERE: Partial<Record<McpAuthConfigErrorCode, DiscoveryAttempt['outcome']>> = {
  ERR_DISCOVERY_NETWORK: 'network',
  ERR_DISCOVERY_TIMEOUT: 'timeout',
  ERR_DISCOVERY_HTTP_STATUS: 'http-status',
  ERR_DISCOVERY_REDIRECT: 'redirect',
  ERR_DISCOVERY_NOT_JSON: 'not-json',
};

/**
 * Discovers an authorization server's metadata from its issuer (mcp-auth's `fetchServerConfig`).
 *
 * The issuer must be an identifier (`https:`, plain `http:` on loopback only, no query, fragment or credentials —
 * `core/url-rules.ts`). The well-known URLs of `discoveryUrls(issuer, type)` are tried in order, each reported to
 * `onAttempt`. With a single URL, its failure is reported with its precise code. With several, a URL that does not
 * serve a JSON object (network error, timeout, a redirect — never followed —, non-2xx, not JSON) makes discovery move
 * on; when none does, `ERR_DISCOVERY_NOT_FOUND` lists every URL and reason. A JSON object that is not valid metadata,
 * or whose `issuer` is not exactly `issuer` (RFC 8414 §3.3), stops discovery at once: that is a misconfiguration or a
 * mix-up, not a missing document. Each request has its own `timeout`. Every error after a request carries the
 * `attempts` (and `urlsTried`).
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS`, `ERR_DISCOVERY_*`, `ERR_METADATA_INVALID`, `ERR_ISSUER_MISMATCH`.
 */
export async function fetchServerConfig(
  issuer: string,
  options: FetchServerConfigOptions = {},
): Promise<AuthServerConfig> {
  const settings = normalize(options);
  assertUrl(issuer, 'identifier', 'issuer', settings.option);
  assertType(options.type, settings.option);
  return discover(issuer, discoveryUrls(issuer, options.type), issuer, settings);
}

/**
 * Loads an authorization server's metadata from an explicit well-known URL (for providers whose metadata is not
 * where the issuer says): an endpoint URL (`https:`, plain `http:` on loopback). Failures carry their precise code.
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS`, `ERR_DISCOVERY_*`, `ERR_METADATA_INVALID`, `ERR_ISSUER_MISMATCH`.
 */
export async function fetchServerConfigByWellKnownUrl(
  url: string,
  options: FetchServerConfigByWellKnownUrlOptions = {},
): Promise<AuthServerConfig> {
  const settings = normalize(options);
  assertUrl(url, 'endpoint', 'wellKnownUrl', settings.option);
  if (options.expectedIssuer !== undefined) {
    assertUrl(options.expectedIssuer, 'identifier', 'issuer', settings.option);
  }
  assertType(options.type, settings.option);
  const type = options.type ?? (url.includes(OPENID_CONFIGURATION) ? 'oidc' : 'oauth');
  return discover(url, [{ url, type }], options.expectedIssuer, settings);
}

/** Tries `candidates` in order; the first JSON object is validated and answers (or stops discovery). */
async function discover(
  name: string,
  candidates: readonly DiscoveryUrl[],
  expectedIssuer: string | undefined,
  settings: Settings,
): Promise<AuthServerConfig> {
  const attempts: DiscoveryAttempt[] = [];
  const failures: McpAuthConfigError[] = [];
  const single = candidates.length === 1;
  for (const candidate of candidates) {
    const { attempt, document, error } = await tryUrl(candidate, settings, single);
    attempts.push(attempt);
    settings.onAttempt?.(attempt);
    if (document !== undefined) {
      try {
        return toConfig(document, candidate, expectedIssuer, settings);
      } catch (failure) {
        throw withAttempts(failure, attempts);
      }
    }
    if (single) throw withAttempts(error, attempts);
    failures.push(error!);
  }
  throw notFound(name, attempts, failures, settings.option);
}

/**
 * One metadata URL, as an attempt. Messages are bare (no option prefix) when several URLs are tried: they are
 * listed inside the `ERR_DISCOVERY_NOT_FOUND` message.
 */
async function tryUrl(
  { url, type }: DiscoveryUrl,
  settings: Settings,
  single: boolean,
): Promise<{ attempt: DiscoveryAttempt; document?: Record<string, unknown>; error?: McpAuthConfigError }> {
  try {
    const option = single ? settings.option : undefined;
    const { status, document } = await fetchMetadataResponse(url, { ...settings, option });
    return { attempt: { url, type, outcome: 'ok', status, document: structuredClone(document) }, document };
  } catch (error) {
    const outcome = error instanceof McpAuthConfigError ? NOT_HERE[error.code] : undefined;
    if (outcome === undefined) throw error;
    const { status, message } = error as McpAuthConfigError;
    return { attempt: { url, type, outcome, status, message }, error: error as McpAuthConfigError };
  }
}

/** `error` (an `McpAuthConfigError`) with the attempts made so far. */
function withAttempts(error: unknown, attempts: readonly DiscoveryAttempt[]): unknown {
  if (!(error instanceof McpAuthConfigError)) return error;
  const { code, message, option, url, route, status, cause } = error;
  return new McpAuthConfigError(code, message, {
    option,
    url,
    route,
    status,
    cause,
    attempts: [...attempts],
  });
}

function toConfig(
  raw: Record<string, unknown>,
  { url, type }: DiscoveryUrl,
  expectedIssuer: string | undefined,
  settings: Settings,
): AuthServerConfig {
  const { option } = settings;
  const document = settings.transpile ? transpile(settings.transpile, raw, url, option) : raw;
  const metadata = validateServerMetadata(document, {
    expectedIssuer,
    requireJwksUri: settings.requireJwksUri,
    requireIntrospection: settings.requireIntrospection,
    url,
    option,
  });
  return { type, metadata };
}

function transpile(
  hook: MetadataTranspiler,
  raw: Record<string, unknown>,
  url: string,
  option: string | undefined,
): Record<string, unknown> {
  let result: unknown;
  try {
    result = hook(raw);
  } catch (error) {
    if (error instanceof McpAuthConfigError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const message = `The transpile hook threw on the metadata at ${url}: ${reason}`;
    throw new McpAuthConfigError('ERR_METADATA_INVALID', withOption(option, message), {
      option,
      url,
      cause: error,
    });
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    const message = `The transpile hook returned ${Array.isArray(result) ? 'an array' : String(result)} for the metadata at ${url}; it must return the document object.`;
    throw new McpAuthConfigError('ERR_METADATA_INVALID', withOption(option, message), { option, url });
  }
  return result as Record<string, unknown>;
}

function notFound(
  issuer: string,
  attempts: readonly DiscoveryAttempt[],
  failures: McpAuthConfigError[],
  option: string | undefined,
): McpAuthConfigError {
  const message =
    `No authorization server metadata found for issuer ${JSON.stringify(issuer)}. Tried, in order:\n` +
    attempts.map((attempt) => `  - ${attempt.message}`).join('\n') +
    `\nCheck the issuer, set "type" to the provider's convention, or give its "wellKnownUrl".`;
  return new McpAuthConfigError('ERR_DISCOVERY_NOT_FOUND', withOption(option, message), {
    option,
    attempts: [...attempts],
    cause: new AggregateError(failures, 'every discovery URL failed'),
  });
}

function normalize(options: FetchServerConfigOptions): Settings {
  const timeout = options.timeout ?? DEFAULT_DISCOVERY_TIMEOUT;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    const option = options.option === undefined ? 'timeout' : `${options.option}.timeout`;
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `${option} must be a positive number of milliseconds (got ${String(timeout)}).`,
      { option },
    );
  }
  return {
    timeout,
    transpile: options.transpile,
    requireJwksUri: options.requireJwksUri ?? true,
    requireIntrospection: options.requireIntrospection ?? false,
    fetch: options.fetch ?? globalThis.fetch,
    option: options.option,
    onAttempt: options.onAttempt,
  };
}

function assertType(type: unknown, option: string | undefined): void {
  if (type !== undefined && type !== 'oidc' && type !== 'oauth') {
    const path = option === undefined ? 'type' : `${option}.type`;
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `${path} must be 'oidc' or 'oauth' (got ${JSON.stringify(type)}).`,
      { option: path },
    );
  }
}

/** `value` is a URL of `kind` (see `core/url-rules.ts`), else `ERR_INVALID_OPTIONS` naming `field`. */
function assertUrl(value: unknown, kind: UrlKind, field: string, option: string | undefined): void {
  const problem = describeUrlProblem(value, kind);
  if (problem === undefined) return;
  const path = option === undefined ? field : `${option}.${field}`;
  throw new McpAuthConfigError('ERR_INVALID_OPTIONS', `${path} ${problem}.`, {
    option: path,
    url: typeof value === 'string' ? value : undefined,
  });
}
