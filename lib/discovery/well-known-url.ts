import type { AuthorizationServerType } from './authorization-server-metadata.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

/** A metadata URL to try, and the discovery convention it belongs to. */
export interface DiscoveryUrl {
  /** The absolute URL of the metadata document. */
  url: string;
  /** `oauth`: RFC 8414 authorization server metadata; `oidc`: OpenID Connect Discovery 1.0. */
  type: AuthorizationServerType;
}

/** The well-known suffix of RFC 8414 authorization server metadata. */
export const OAUTH_AUTHORIZATION_SERVER = 'oauth-authorization-server';
/** The well-known suffix of OpenID Connect Discovery 1.0. */
export const OPENID_CONFIGURATION = 'openid-configuration';

function parseBase(base: string): URL {
  if (!URL.canParse(base)) {
    throw new McpAuthConfigError('ERR_INVALID_OPTIONS', `"${base}" is not an absolute URL.`, { url: base });
  }
  const url = new URL(base);
  // Fragments are never sent to a server; identifiers that may carry one are rejected elsewhere.
  url.hash = '';
  return url;
}

function withoutTrailingSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

function wellKnownSegment(wellKnownName: string): string {
  return `/.well-known/${wellKnownName.replace(/^\/+|\/+$/g, '')}`;
}

/**
 * Builds a well-known URL by *insertion* (RFC 8414 §3.1, RFC 9728 §3.1): `/.well-known/{name}` goes between the
 * host and the path, after one terminating `/` has been removed from the path.
 *
 * - `https://h/tenant` → `https://h/.well-known/{name}/tenant`
 * - `https://h/tenant/` → `https://h/.well-known/{name}/tenant`
 * - `https://h` and `https://h/` → `https://h/.well-known/{name}`
 *
 * A query is kept after the path (RFC 9728 §3.1 places the well-known string before "the path and/or query
 * components"); a fragment is dropped. The result is in WHATWG URL serialization (lower-case host, default port
 * omitted). Used for `oauth-authorization-server` (RFC 8414 §3.1), `openid-configuration` (the insertion form
 * MCP 2025-11-25 lists) and `oauth-protected-resource` (RFC 9728 §3.1).
 *
 * @param base an absolute URL: an issuer or a resource identifier.
 * @param wellKnownName the registered well-known name, e.g. `oauth-authorization-server` (slashes around it are
 *   ignored).
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` when `base` is not an absolute URL.
 */
export function insertWellKnown(base: string, wellKnownName: string): string {
  const url = parseBase(base);
  url.pathname = wellKnownSegment(wellKnownName) + withoutTrailingSlash(url.pathname);
  return url.href;
}

/**
 * Builds a well-known URL by *appending* (OpenID Connect Discovery 1.0 §4): `{base without trailing /}/.well-known/
 * {name}`, e.g. `https://h/tenant/` → `https://h/tenant/.well-known/openid-configuration`. Query and fragment
 * are handled as in {@link insertWellKnown}.
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` when `base` is not an absolute URL.
 */
export function appendWellKnown(base: string, wellKnownName: string): string {
  const url = parseBase(base);
  url.pathname = withoutTrailingSlash(url.pathname) + wellKnownSegment(wellKnownName);
  return url.href;
}

/**
 * The metadata URLs of an issuer, in the order to try them, without duplicates:
 *
 * - `'oauth'`: the RFC 8414 §3.1 insertion URL only.
 * - `'oidc'`: the OpenID append URL (OpenID Connect Discovery 1.0 §4), then the OpenID insertion URL (the same URL
 *   when the issuer has no path).
 * - omitted: the MCP 2025-11-25 client order ("Authorization Server Metadata Discovery") — OAuth insertion, OpenID
 *   insertion, OpenID append; for an issuer
 *   without a path that is `/.well-known/oauth-authorization-server`, then `/.well-known/openid-configuration`.
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` when `issuer` is not an absolute URL.
 */
export function discoveryUrls(issuer: string, type?: AuthorizationServerType): DiscoveryUrl[] {
  const oauthInsertion: DiscoveryUrl = {
    url: insertWellKnown(issuer, OAUTH_AUTHORIZATION_SERVER),
    type: 'oauth',
  };
  const oidcInsertion: DiscoveryUrl = { url: insertWellKnown(issuer, OPENID_CONFIGURATION), type: 'oidc' };
  const oidcAppend: DiscoveryUrl = { url: appendWellKnown(issuer, OPENID_CONFIGURATION), type: 'oidc' };
  const ordered =
    type === 'oauth'
      ? [oauthInsertion]
      : type === 'oidc'
        ? [oidcAppend, oidcInsertion]
        : [oauthInsertion, oidcInsertion, oidcAppend];
  return ordered.filter((candidate, index) => ordered.findIndex((c) => c.url === candidate.url) === index);
}
