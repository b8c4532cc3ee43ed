/**
 * Every rule on what a URL of this library may be — resource and issuer identifiers, the endpoints the module or
 * MCP clients call, documentation pages, browser origins — lives here; options, discovery, metadata validation,
 * the doctor and the testing issuer all ask this module.
 *
 * **Plain `http:` only on loopback.** Identifiers and endpoints must use `https:`; plain `http:` is accepted only
 * when the host is a loopback address (`localhost`, `127.0.0.0/8`, `[::1]`), for development and tests. An issuer
 * or a `jwks_uri` over plain HTTP on a network would let anyone on the path swap the signing keys (and forge every
 * token), read the client secret sent to an introspection endpoint, or answer discovery for the provider; RFC 8414
 * §2 requires `https` issuers, RFC 6749 §3.1 TLS on the endpoints, RFC 9728 §2 `https` resources. Documentation
 * pages are read by people, not trusted by the library: `http:` is accepted there.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for loopback hosts, where plain `http:` is acceptable (development, tests). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * What a URL is for, and so what it may be:
 * - `identifier` — a resource (RFC 8707 §2, RFC 9728 §1.2) or issuer (RFC 8414 §2) identifier, compared byte for
 *   byte: `https:` (plain `http:` on loopback), no query, fragment or credentials;
 * - `endpoint` — a URL the module or MCP clients call (`jwks_uri`, `introspection_endpoint`, `wellKnownUrl`,
 *   the authorization, token and registration endpoints…): `https:` (plain `http:` on loopback), no fragment
 *   (RFC 6749 §3.1) nor credentials; a query is allowed;
 * - `page` — documentation for people (`resource_documentation`, `service_documentation`): any `http(s):` URL
 *   without credentials.
 */
export type UrlKind = 'identifier' | 'endpoint' | 'page';

/** Which rule a URL breaks; `plain-http` is the only one a loopback host would have excused. */
export type UrlRule = 'string' | 'absolute' | 'scheme' | 'plain-http' | 'query' | 'fragment' | 'credentials';

/** Why a URL is refused: the rule it breaks, and a reason that reads after the field's name. */
export interface UrlProblem {
  readonly rule: UrlRule;
  readonly reason: string;
}

/** How each kind treats plain `http:` and queries. */
const KINDS: Record<UrlKind, { plainHttp: 'loopback' | 'anywhere'; query: boolean; fragment: boolean }> = {
  identifier: { plainHttp: 'loopback', query: false, fragment: false },
  endpoint: { plainHttp: 'loopback', query: true, fragment: false },
  page: { plainHttp: 'anywhere', query: true, fragment: true },
};

const problem = (rule: UrlRule, reason: string): UrlProblem => ({ rule, reason });

const HTTPS_ONLY = 'must use https: (plain http: is accepted only on loopback hosts)';

/**
 * The first rule `value` breaks as a URL of `kind`, or `undefined` when it is acceptable. An absolute URL is
 * written `scheme://` and parses as a WHATWG URL (`https:host` would parse, but is not that string).
 */
export function urlProblem(value: unknown, kind: UrlKind): UrlProblem | undefined {
  if (typeof value !== 'string' || value.length === 0) return problem('string', 'must be a non-empty string');
  const rules = KINDS[kind];
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(value) || !URL.canParse(value)) {
    return problem('absolute', 'must be an absolute URL');
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return problem('scheme', rules.plainHttp === 'loopback' ? HTTPS_ONLY : 'must be an http(s) URL');
  }
  if (url.protocol === 'http:' && rules.plainHttp === 'loopback' && !isLoopbackHost(url.hostname)) {
    return problem('plain-http', HTTPS_ONLY);
  }
  if (!rules.fragment && (url.hash || value.includes('#')))
    return problem('fragment', 'must not have a fragment');
  if (!rules.query && (url.search || value.includes('?'))) return problem('query', 'must not have a query');
  if (url.username || url.password) return problem('credentials', 'must not contain credentials');
  return undefined;
}

/** The reason of {@link urlProblem} followed by the value, for messages that do not show it otherwise. */
export function describeUrlProblem(value: unknown, kind: UrlKind): string | undefined {
  const found = urlProblem(value, kind);
  if (found === undefined) return undefined;
  return found.rule === 'string' ? found.reason : `${found.reason} (got ${JSON.stringify(value)})`;
}

/** Why `value` is not acceptable as a resource or issuer identifier (value included), or `undefined`. */
export function identifierProblem(value: unknown): string | undefined {
  return describeUrlProblem(value, 'identifier');
}

/** True for a loopback IP address as a socket reports it (`127.0.0.0/8`, `::1`, or IPv4-mapped `::ffff:127.…`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** True for a plain `http:` origin on a loopback host (a development client on this machine). */
export function isLoopbackOrigin(origin: string): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/**
 * The canonical serialisation of `value` when it is an `http:`/`https:` origin as the `Origin` header carries it
 * (RFC 6454 §7: `scheme://host[:port]`, nothing else), or `undefined` for anything else — `null`, a path, a query,
 * credentials, another scheme, a list of origins. Scheme and host are lower-cased, default ports dropped, IPv6
 * hosts compressed, so two spellings of one origin compare equal.
 */
export function canonicalOrigin(value: string): string | undefined {
  if (!/^https?:\/\/[^/?#@\s,]+$/i.test(value)) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}
