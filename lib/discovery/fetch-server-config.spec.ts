import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchServerConfig, fetchServerConfigByWellKnownUrl } from './fetch-server-config.js';
import { McpAuthConfigError, type DiscoveryAttempt } from '../core/mcp-auth-config.error.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const notFound: Handler = (_req, res) => res.writeHead(404).end('not found');
let handler: Handler = notFound;
const requests: Array<{ path: string; accept?: string }> = [];
let server: Server;
let base: string;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type }).end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Answers `routes[path]` (a metadata document) and 404 elsewhere. */
function serve(routes: Record<string, unknown>): Handler {
  return (req, res) => {
    const body = routes[req.url ?? ''];
    if (body === undefined) notFound(req, res);
    else send(res, 200, body);
  };
}

function metadata(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    code_challenge_methods_supported: ['S256'],
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<McpAuthConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof McpAuthConfigError) return error;
    throw error;
  }
  throw new Error('expected an McpAuthConfigError');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', accept: req.headers.accept });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  handler = notFound;
  requests.length = 0;
});

describe('fetchServerConfig: discovery order', () => {
  it('R28: no type, issuer with a path: probes OAuth insertion, OIDC insertion, OIDC append, then fails listing them', async () => {
    const issuer = `${base}/tenant`;
    const error = await rejection(fetchServerConfig(issuer, { option: 'authorizationServers[0]' }));
    expect(requests.map((r) => r.path)).toEqual([
      '/.well-known/oauth-authorization-server/tenant',
      '/.well-known/openid-configuration/tenant',
      '/tenant/.well-known/openid-configuration',
    ]);
    expect(error.code).toBe('ERR_DISCOVERY_NOT_FOUND');
    expect(error.option).toBe('authorizationServers[0]');
    expect(error.urlsTried).toEqual(requests.map((r) => `${base}${r.path}`));
    expect(error.message).toContain('authorizationServers[0]');
    for (const url of error.urlsTried ?? []) {
      expect(error.message).toContain(`GET ${url} answered HTTP 404 Not Found`);
    }
  });

  it('R28: moves on after a 404 and reports the convention that answered', async () => {
    const issuer = `${base}/tenant`;
    handler = serve({ '/.well-known/openid-configuration/tenant': metadata(issuer) });
    const config = await fetchServerConfig(issuer);
    expect(config.type).toBe('oidc');
    expect(config.metadata.issuer).toBe(issuer);
    expect(requests.map((r) => r.path)).toEqual([
      '/.well-known/oauth-authorization-server/tenant',
      '/.well-known/openid-configuration/tenant',
    ]);
  });

  it('R28: no type, issuer without a path: OAuth first, then OIDC', async () => {
    handler = serve({ '/.well-known/openid-configuration': metadata(base) });
    const config = await fetchServerConfig(base);
    expect(config.type).toBe('oidc');
    expect(requests.map((r) => r.path)).toEqual([
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ]);
  });

  it('R28: moves on past a 500, a non-JSON 200 and a JSON array', async () => {
    const issuer = `${base}/tenant`;
    handler = (req, res) => {
      if (req.url === '/.well-known/oauth-authorization-server/tenant') send(res, 500, 'boom', 'text/plain');
      else if (req.url === '/.well-known/openid-configuration/tenant')
        send(res, 200, '<!doctype html>', 'text/html');
      else send(res, 200, []);
    };
    const error = await rejection(fetchServerConfig(issuer));
    expect(error.code).toBe('ERR_DISCOVERY_NOT_FOUND');
    expect(error.message).toContain('answered HTTP 500');
    expect(error.message).toContain('did not answer with JSON (content-type: text/html');
    expect(error.message).toContain('JSON that is not an object (an array)');
  });

  it('R26: type oauth fetches the RFC 8414 insertion URL only, asking for JSON', async () => {
    const issuer = `${base}/tenant`;
    handler = serve({ '/.well-known/oauth-authorization-server/tenant': metadata(issuer) });
    const config = await fetchServerConfig(issuer, { type: 'oauth' });
    expect(config).toEqual({ type: 'oauth', metadata: metadata(issuer) });
    expect(requests).toEqual([
      { path: '/.well-known/oauth-authorization-server/tenant', accept: 'application/json' },
    ]);
  });

  it('R27: type oidc tries the append URL first', async () => {
    const issuer = `${base}/tenant`;
    handler = serve({ '/tenant/.well-known/openid-configuration': metadata(issuer) });
    const config = await fetchServerConfig(issuer, { type: 'oidc' });
    expect(config.type).toBe('oidc');
    expect(requests.map((r) => r.path)).toEqual(['/tenant/.well-known/openid-configuration']);
  });

  it('R27: type oidc falls back to the insertion URL after a 404', async () => {
    const issuer = `${base}/tenant`;
    handler = serve({ '/.well-known/openid-configuration/tenant': metadata(issuer) });
    await fetchServerConfig(issuer, { type: 'oidc' });
    expect(requests.map((r) => r.path)).toEqual([
      '/tenant/.well-known/openid-configuration',
      '/.well-known/openid-configuration/tenant',
    ]);
  });

  it('R36: a redirect is not followed: ERR_DISCOVERY_REDIRECT names the Location, for wellKnownUrl', async () => {
    handler = (req, res) => {
      if (req.url === '/.well-known/openid-configuration')
        res.writeHead(302, { location: '/meta.json' }).end();
      else serve({ '/meta.json': metadata(base) })(req, res);
    };
    const error = await rejection(
      fetchServerConfig(base, { type: 'oidc', option: 'authorizationServers[0]' }),
    );
    expect(error.code).toBe('ERR_DISCOVERY_REDIRECT');
    expect(error.message).toContain(`HTTP 302 redirecting to ${base}/meta.json`);
    expect(error.message).toContain('wellKnownUrl');
    expect(requests.map((r) => r.path)).not.toContain('/meta.json');
    // The Location, configured as wellKnownUrl, works.
    const config = await fetchServerConfigByWellKnownUrl(`${base}/meta.json`, { expectedIssuer: base });
    expect(config.metadata.issuer).toBe(base);
  });

  it('R36: probing without a type moves on past a redirect, and lists it when nothing is found', async () => {
    handler = (req, res) => {
      if (req.url === '/.well-known/oauth-authorization-server')
        res.writeHead(307, { location: 'http://127.0.0.1:9/elsewhere' }).end();
      else notFound(req, res);
    };
    const error = await rejection(fetchServerConfig(base));
    expect(error.code).toBe('ERR_DISCOVERY_NOT_FOUND');
    expect(error.message).toContain('HTTP 307 redirecting to http://127.0.0.1:9/elsewhere');
    expect(requests.map((r) => r.path)).toEqual([
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ]);
  });
});

describe('fetchServerConfig: one URL reports the precise failure', () => {
  const option = 'authorizationServers[1]';

  it('non-2xx → ERR_DISCOVERY_HTTP_STATUS', async () => {
    handler = (_req, res) => send(res, 500, 'boom', 'text/plain');
    const error = await rejection(fetchServerConfig(base, { type: 'oauth', option }));
    expect(error.code).toBe('ERR_DISCOVERY_HTTP_STATUS');
    expect(error.url).toBe(`${base}/.well-known/oauth-authorization-server`);
    expect(error.message).toBe(`${option}: GET ${error.url} answered HTTP 500 Internal Server Error.`);
  });

  it('a body that is not JSON → ERR_DISCOVERY_NOT_JSON', async () => {
    handler = (_req, res) => send(res, 200, '<html>hi</html>', 'text/html');
    const error = await rejection(fetchServerConfig(base, { type: 'oauth', option }));
    expect(error.code).toBe('ERR_DISCOVERY_NOT_JSON');
    expect(error.message).toContain('content-type: text/html');
  });

  it('JSON that is not an object → ERR_DISCOVERY_NOT_JSON', async () => {
    handler = (_req, res) => send(res, 200, [metadata(base)]);
    const error = await rejection(fetchServerConfig(base, { type: 'oauth' }));
    expect(error.code).toBe('ERR_DISCOVERY_NOT_JSON');
    expect(error.message).toContain('an array');
  });

  it('a server that never answers → ERR_DISCOVERY_TIMEOUT', async () => {
    handler = () => undefined;
    const started = Date.now();
    const error = await rejection(fetchServerConfig(base, { type: 'oauth', timeout: 200, option }));
    expect(error.code).toBe('ERR_DISCOVERY_TIMEOUT');
    expect(error.message).toContain('did not answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a closed port → ERR_DISCOVERY_NETWORK', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await rejection(fetchServerConfig(`http://127.0.0.1:${port}`, { type: 'oauth', option }));
    expect(error.code).toBe('ERR_DISCOVERY_NETWORK');
    expect(error.message).toContain(`${option}: Could not reach http://127.0.0.1:${port}/`);
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('fetchServerConfig: attempts', () => {
  /** What an attempt says, without its message and document. */
  const brief = ({ url, type, outcome, status }: DiscoveryAttempt) => ({ url, type, outcome, status });

  it('R28: onAttempt reports each URL in order with its outcome; the error carries the same attempts', async () => {
    const issuer = `${base}/tenant`;
    handler = (req, res) => {
      if (req.url === '/.well-known/oauth-authorization-server/tenant') send(res, 503, 'down', 'text/plain');
      else if (req.url === '/.well-known/openid-configuration/tenant') send(res, 200, '<html>', 'text/html');
      else res.writeHead(302, { location: 'https://elsewhere.example/' }).end();
    };
    const seen: DiscoveryAttempt[] = [];
    const error = await rejection(fetchServerConfig(issuer, { onAttempt: (a) => seen.push(a) }));
    expect(seen.map(brief)).toEqual([
      {
        url: `${base}/.well-known/oauth-authorization-server/tenant`,
        type: 'oauth',
        outcome: 'http-status',
        status: 503,
      },
      {
        url: `${base}/.well-known/openid-configuration/tenant`,
        type: 'oidc',
        outcome: 'not-json',
        status: 200,
      },
      { url: `${issuer}/.well-known/openid-configuration`, type: 'oidc', outcome: 'redirect', status: 302 },
    ]);
    expect(seen.every((a) => a.message?.includes(a.url) && a.document === undefined)).toBe(true);
    expect(error.attempts).toEqual(seen);
    expect(error.urlsTried).toEqual(seen.map((a) => a.url));
  });

  it('a network failure and a timeout are outcomes too, without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const network = await rejection(fetchServerConfig(`http://127.0.0.1:${port}`, { type: 'oauth' }));
    expect(network.attempts?.map(brief)).toEqual([
      {
        url: `http://127.0.0.1:${port}/.well-known/oauth-authorization-server`,
        type: 'oauth',
        outcome: 'network',
        status: undefined,
      },
    ]);
    handler = () => undefined; // never answers
    const timeout = await rejection(fetchServerConfig(base, { type: 'oauth', timeout: 100 }));
    expect(timeout.code).toBe('ERR_DISCOVERY_TIMEOUT');
    expect(timeout.attempts?.map((a) => a.outcome)).toEqual(['timeout']);
  });

  it('the URL that answers is an ok attempt holding a copy of the raw document; validation errors carry the attempts', async () => {
    const issuer = `${base}/tenant`;
    handler = serve({ '/.well-known/openid-configuration/tenant': metadata(`${base}/other`) });
    const seen: DiscoveryAttempt[] = [];
    const error = await rejection(fetchServerConfig(issuer, { onAttempt: (a) => seen.push(a) }));
    expect(error.code).toBe('ERR_ISSUER_MISMATCH');
    expect(seen.map((a) => a.outcome)).toEqual(['http-status', 'ok']);
    expect(seen[1]).toMatchObject({ status: 200, document: metadata(`${base}/other`) });
    expect(error.attempts).toEqual(seen);

    handler = serve({ '/.well-known/openid-configuration/tenant': metadata(issuer) });
    const ok: DiscoveryAttempt[] = [];
    const config = await fetchServerConfig(issuer, { onAttempt: (a) => ok.push(a) });
    expect(ok.map((a) => a.outcome)).toEqual(['http-status', 'ok']);
    expect(ok[1].document).toEqual(config.metadata);
    expect(ok[1].document).not.toBe(config.metadata);
  });

  it('fetchServerConfigByWellKnownUrl reports its single attempt', async () => {
    const seen: DiscoveryAttempt[] = [];
    const error = await rejection(
      fetchServerConfigByWellKnownUrl(`${base}/missing`, { onAttempt: (a) => seen.push(a) }),
    );
    expect(error.code).toBe('ERR_DISCOVERY_HTTP_STATUS');
    expect(error.status).toBe(404);
    expect(seen.map(brief)).toEqual([
      { url: `${base}/missing`, type: 'oauth', outcome: 'http-status', status: 404 },
    ]);
  });
});

describe('fetchServerConfig: validation', () => {
  it('R29: a mismatching issuer fails at once, without probing further', async () => {
    const issuer = `${base}/tenant`;
    handler = (_req, res) => send(res, 200, metadata(`${base}/other`));
    const error = await rejection(fetchServerConfig(issuer, { option: 'authorizationServers[0]' }));
    expect(error.code).toBe('ERR_ISSUER_MISMATCH');
    expect(error.url).toBe(`${base}/.well-known/oauth-authorization-server/tenant`);
    expect(requests).toHaveLength(1);
  });

  it('an invalid document fails at once, without probing further', async () => {
    handler = (_req, res) => send(res, 200, metadata(base, { jwks_uri: 'not a url' }));
    const error = await rejection(fetchServerConfig(base));
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.message).toContain('jwks_uri must be an absolute URL');
    expect(requests).toHaveLength(1);
  });

  it('R30: requires jwks_uri by default, not when requireJwksUri is false', async () => {
    handler = (_req, res) => send(res, 200, metadata(base, { jwks_uri: undefined }));
    const error = await rejection(fetchServerConfig(base, { type: 'oauth' }));
    expect(error.code).toBe('ERR_METADATA_INVALID');
    const config = await fetchServerConfig(base, { type: 'oauth', requireJwksUri: false });
    expect(config.metadata.jwks_uri).toBeUndefined();
  });

  it('applies transpile to the raw document before validation', async () => {
    handler = (_req, res) => send(res, 200, metadata('https://login.example/{tenantid}/v2.0'));
    const seen: Array<Record<string, unknown>> = [];
    const config = await fetchServerConfig(base, {
      type: 'oauth',
      transpile: (raw) => {
        seen.push(raw);
        return { ...raw, issuer: base, extra: 1 };
      },
    });
    expect(seen[0].issuer).toBe('https://login.example/{tenantid}/v2.0');
    expect(config.metadata.issuer).toBe(base);
    expect(config.metadata.extra).toBe(1);
  });

  it('reports a throwing transpile hook as ERR_METADATA_INVALID', async () => {
    handler = (_req, res) => send(res, 200, metadata(base));
    const error = await rejection(
      fetchServerConfig(base, {
        type: 'oauth',
        transpile: () => {
          throw new Error('nope');
        },
      }),
    );
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.message).toContain('nope');
  });

  it('rejects an issuer that is not an absolute http(s) URL before any request', async () => {
    const error = await rejection(fetchServerConfig('example.com', { option: 'authorizationServers[2]' }));
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
    expect(error.option).toBe('authorizationServers[2].issuer');
    expect(requests).toHaveLength(0);
  });

  it('applies the module’s issuer rule: plain http only on loopback, no query, fragment or credentials', async () => {
    let fetched = 0;
    const fetch = async () => ((fetched += 1), new Response('{}'));
    for (const [issuer, reason] of [
      ['http://auth.example.com', 'must use https: (plain http: is accepted only on loopback hosts)'],
      ['https://auth.example.com/?tenant=a', 'must not have a query'],
      ['https://user:pw@auth.example.com', 'must not contain credentials'],
    ]) {
      const error = await rejection(fetchServerConfig(issuer, { fetch }));
      expect([issuer, error.code, error.message]).toEqual([
        issuer,
        'ERR_INVALID_OPTIONS',
        `issuer ${reason} (got ${JSON.stringify(issuer)}).`,
      ]);
    }
    const wellKnown = await rejection(
      fetchServerConfigByWellKnownUrl('http://auth.example.com/.well-known/openid-configuration', { fetch }),
    );
    expect(wellKnown.option).toBe('wellKnownUrl');
    expect(fetched).toBe(0);
  });

  it('refuses metadata whose endpoints use plain http off loopback', async () => {
    handler = serve({
      '/.well-known/oauth-authorization-server': metadata(base, { jwks_uri: 'http://keys.example.com/jwks' }),
    });
    const error = await rejection(fetchServerConfig(base, { type: 'oauth' }));
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.message).toContain(
      'jwks_uri must use https: (plain http: is accepted only on loopback hosts)',
    );
  });
});

describe('fetchServerConfigByWellKnownUrl', () => {
  it('infers the type from the URL and takes the issuer from the document when none is expected', async () => {
    handler = serve({
      '/custom/openid-configuration': metadata(`${base}/x`),
      '/meta': metadata(`${base}/y`),
    });
    const oidc = await fetchServerConfigByWellKnownUrl(`${base}/custom/openid-configuration`);
    expect(oidc.type).toBe('oidc');
    expect(oidc.metadata.issuer).toBe(`${base}/x`);
    const oauth = await fetchServerConfigByWellKnownUrl(`${base}/meta`);
    expect(oauth.type).toBe('oauth');
  });

  it('R29: checks the expected issuer', async () => {
    handler = serve({ '/meta': metadata(`${base}/y`) });
    const error = await rejection(
      fetchServerConfigByWellKnownUrl(`${base}/meta`, {
        expectedIssuer: `${base}/x`,
        option: 'authorizationServers[0]',
      }),
    );
    expect(error.code).toBe('ERR_ISSUER_MISMATCH');
    expect(error.message).toContain(`${base}/meta`);
  });

  it('reports the precise failure of its single URL', async () => {
    const error = await rejection(fetchServerConfigByWellKnownUrl(`${base}/missing`));
    expect(error.code).toBe('ERR_DISCOVERY_HTTP_STATUS');
  });
});
