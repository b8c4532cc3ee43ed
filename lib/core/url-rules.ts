const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for loopback hosts, where plain `http:` is acceptable (development, tests). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Why `value` is not acceptable as a resource or issuer identifier, or `undefined` when it is: an absolute
 * `https:` URL (plain `http:` only on loopback), without fragment, query or credentials (RFC 8707 §2, RFC 8414 §2).
 */
export function identifierProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an absolute URL (got ${JSON.stringify(value)})`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return `must use https: (plain http: is accepted only on loopback hosts) (got ${JSON.stringify(value)})`;
  }
  if (url.hash || value.includes('#')) return `must not contain a fragment (got ${JSON.stringify(value)})`;
  if (url.search || value.includes('?')) return `must not contain a query (got ${JSON.stringify(value)})`;
  if (url.username || url.password) return `must not contain credentials`;
  return undefined;
}

/** True for a loopback IP address as a socket reports it (`127.0.0.0/8`, `::1`, or IPv4-mapped `::ffff:127.…`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
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
