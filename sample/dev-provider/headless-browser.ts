/** What a browser does for the user during an authorization, without a browser: cookies and redirects. */
/**
 * A minimal cookie jar: what a browser keeps for the provider between the steps of an authorization. A tiny
 * RFC 6265 store for one origin: name + path, path matching, expiry, deletion.
 */
export class CookieJar {
  private readonly cookies = new Map<
    string,
    { name: string; value: string; path: string; expires?: number }
  >();

  store(setCookies: string[], requestUrl: URL): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path: string | undefined;
      let expires: number | undefined;
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const attributeValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (attributeValue.startsWith('/')) path = attributeValue;
            break;
          case 'max-age':
            expires = Date.now() + Number(attributeValue) * 1000;
            break;
          case 'expires':
            if (expires === undefined) expires = Date.parse(attributeValue);
            break;
        }
      }
      path ??= requestUrl.pathname.slice(0, Math.max(requestUrl.pathname.lastIndexOf('/'), 1)) || '/';
      const key = `${name}\u0000${path}`;
      if (expires !== undefined && !(expires > Date.now())) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path, expires });
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.cookies.entries()]
      .filter(([key, cookie]) => {
        if (cookie.expires !== undefined && cookie.expires <= now) {
          this.cookies.delete(key);
          return false;
        }
        const { pathname } = url;
        return (
          pathname === cookie.path ||
          (pathname.startsWith(cookie.path) &&
            (cookie.path.endsWith('/') || pathname.charAt(cookie.path.length) === '/'))
        );
      })
      .map(([, cookie]) => cookie)
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

const MAX_HOPS = 20;

/**
 * A headless user agent: opens an authorization URL and follows the provider's redirects (keeping its cookies in
 * `jar`) until one leaves the provider's origin — the client's redirect_uri, with `code` or `error` — and returns
 * it. The development provider logs in and consents by itself, so this completes the "browser" step of any
 * client, in any process. `prepare` may adjust each URL on the provider before it is requested.
 */
export async function followAuthorization(
  start: URL,
  jar: CookieJar = new CookieJar(),
  prepare?: (url: URL) => void,
): Promise<URL> {
  const origin = start.origin;
  let url = new URL(start);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    prepare?.(url);
    const cookie = jar.header(url);
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(response.headers.getSetCookie(), url);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      const next = new URL(location, url);
      if (next.origin !== origin) return next;
      url = next;
      continue;
    }
    const text = await response.text();
    throw new Error(`authorize: ${url.pathname} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  throw new Error(`authorize: more than ${MAX_HOPS} redirects`);
}
