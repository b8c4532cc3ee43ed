import type { AuthorizationServerType, AuthServerConfig } from './authorization-server-metadata.js';
import { withOption } from './discovery-messages.js';
import { fetchMetadataDocument } from './fetch-metadata-document.js';
import { validateServerMetadata } from './validate-server-metadata.js';
import { discoveryUrls, OPENID_CONFIGURATION, type DiscoveryUrl } from './well-known-url.js';
import { McpAuthConfigError, type McpAuthConfigErrorCode } from '../core/mcp-auth-config.error.js';
import type { MetadataTranspiler } from './authorization-server-options.js';

/** Milliseconds a discovery request may take when no `timeout` is given. */
export const DEFAULT_DISCOVERY_TIMEOUT = 5000;

/** Options of {@link fetchServerConfig}. */
export interface FetchServerConfigOptions {
  /**
   * `'oidc'`: OpenID append URL, then OpenID insertion URL (R27). `'oauth'`: RFC 8414 insertion URL (R26).
   * Omitted: probe in the MCP 2025-11-25 client order (R28).
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
}

/** Options of {@link fetchServerConfigByWellKnownUrl}. */
export interface FetchServerConfigByWellKnownUrlOptions extends FetchServerConfigOptions {
  /**
   * Which convention the URL belongs to. Default: `'oidc'` when the URL contains `openid-configuration`, else
   * `'oauth'`.
   */
  type?: AuthorizationServerType;
  /**
   * The configured issuer: the document's `issuer` must be identical to it (R29). When omitted, the issuer is
   * taken from the document (it must still be a valid URL) — use this only with a URL you trust.
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
}

/** Failures that mean "no metadata document at this URL": probing moves on to the next URL. */
const NOT_HERE: ReadonlySet<McpAuthConfigErrorCode> = new Set([
  'ERR_DISCOVERY_NETWORK',
  'ERR_DISCOVERY_TIMEOUT',
  'ERR_DISCOVERY_HTTP_STATUS',
  'ERR_DISCOVERY_REDIRECT',
  'ERR_DISCOVERY_NOT_JSON',
]);

/**
 * Discovers an authorization server's metadata from its issuer (mcp-auth's `fetchServerConfig`).
 *
 * The well-known URLs of `discoveryUrls(issuer, type)` are tried in order. With a single URL, its failure is
 * reported with its precise code. With several, a URL that does not serve a JSON object (network error, timeout,
 * a redirect — never followed —, non-2xx, not JSON) makes discovery move on; when none does,
 * `ERR_DISCOVERY_NOT_FOUND` lists every URL and reason. A JSON object that is not valid metadata, or whose `issuer` is not exactly `issuer` (R29), stops discovery at
 * once: that is a misconfiguration or a mix-up, not a missing document. Each request has its own `timeout`.
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS`, `ERR_DISCOVERY_*`, `ERR_METADATA_INVALID`, `ERR_ISSUER_MISMATCH`.
 */
export async function fetchServerConfig(
  issuer: string,
  options: FetchServerConfigOptions = {},
): Promise<AuthServerConfig> {
  const settings = normalize(options);
  assertHttpUrl(issuer, 'issuer', settings.option, true);
  assertType(options.type, settings.option);
  const candidates = discoveryUrls(issuer, options.type);
  if (candidates.length === 1) {
    return loadConfig(candidates[0], issuer, settings);
  }
  const failures: McpAuthConfigError[] = [];
  for (const candidate of candidates) {
    let raw: Record<string, unknown>;
    try {
      // Bare messages (no option prefix): they are listed inside the ERR_DISCOVERY_NOT_FOUND message.
      raw = await fetchMetadataDocument(candidate.url, { ...settings, option: undefined });
    } catch (error) {
      if (error instanceof McpAuthConfigError && NOT_HERE.has(error.code)) {
        failures.push(error);
        continue;
      }
      throw error;
    }
    return toConfig(raw, candidate, issuer, settings);
  }
  throw notFound(issuer, candidates, failures, settings.option);
}

/**
 * Loads an authorization server's metadata from an explicit well-known URL (for providers whose metadata is not
 * where the issuer says). Failures carry their precise code.
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS`, `ERR_DISCOVERY_*`, `ERR_METADATA_INVALID`, `ERR_ISSUER_MISMATCH`.
 */
export async function fetchServerConfigByWellKnownUrl(
  url: string,
  options: FetchServerConfigByWellKnownUrlOptions = {},
): Promise<AuthServerConfig> {
  const settings = normalize(options);
  assertHttpUrl(url, 'wellKnownUrl', settings.option, false);
  if (options.expectedIssuer !== undefined) {
    assertHttpUrl(options.expectedIssuer, 'issuer', settings.option, true);
  }
  assertType(options.type, settings.option);
  const type = options.type ?? (url.includes(OPENID_CONFIGURATION) ? 'oidc' : 'oauth');
  return loadConfig({ url, type }, options.expectedIssuer, settings);
}

async function loadConfig(
  candidate: DiscoveryUrl,
  expectedIssuer: string | undefined,
  settings: Settings,
): Promise<AuthServerConfig> {
  const raw = await fetchMetadataDocument(candidate.url, settings);
  return toConfig(raw, candidate, expectedIssuer, settings);
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
  candidates: DiscoveryUrl[],
  failures: McpAuthConfigError[],
  option: string | undefined,
): McpAuthConfigError {
  const urlsTried = candidates.map((c) => c.url);
  const message =
    `No authorization server metadata found for issuer ${JSON.stringify(issuer)}. Tried, in order:\n` +
    failures.map((failure) => `  - ${failure.message}`).join('\n') +
    `\nCheck the issuer, set "type" to the provider's convention, or give its "wellKnownUrl".`;
  return new McpAuthConfigError('ERR_DISCOVERY_NOT_FOUND', withOption(option, message), {
    option,
    urlsTried,
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

/** An absolute http(s) URL; an issuer additionally has no query or fragment (RFC 8414 §2). */
function assertHttpUrl(value: unknown, field: string, option: string | undefined, isIssuer: boolean): void {
  const path = option === undefined ? field : `${option}.${field}`;
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  const problem =
    url === undefined
      ? 'must be an absolute URL'
      : url.protocol !== 'https:' && url.protocol !== 'http:'
        ? 'must be an http(s) URL'
        : isIssuer && /[?#]/.test(value as string)
          ? 'must not have a query or fragment (RFC 8414 §2)'
          : undefined;
  if (problem !== undefined) {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `${path} ${problem} (got ${JSON.stringify(value)}).`,
      {
        option: path,
        url: typeof value === 'string' ? value : undefined,
      },
    );
  }
}
