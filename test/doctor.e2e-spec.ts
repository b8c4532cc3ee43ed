import { jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { main } from '../lib/cli/cli.js';
import { McpAuthConfigError } from '../lib/index.js';
import { runDoctor, type DoctorCheck, type DoctorReport } from '../lib/cli/doctor.js';
import { AuthorizationServerRegistry } from '../lib/discovery/authorization-server-registry.js';
import { METADATA_RULES, metadataProblems } from '../lib/discovery/metadata-rules.js';
import { freePort } from './support/free-port.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';

const RESOURCE = 'http://127.0.0.1/mcp';
const HMAC_SECRET = 'c2VjcmV0LXNob3VsZC1uZXZlci1iZS1wcmludGVk';

/** Runs the CLI in-process: exit code, stdout, stderr. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
  });
  return { code, out, err };
}

const notOk = (report: DoctorReport) => report.checks.filter((c) => c.status !== 'ok');
const byTitle = (report: DoctorReport, title: string): DoctorCheck => {
  const found = report.checks.find((c) => c.title === title);
  if (!found) throw new Error(`no check ${title} in ${JSON.stringify(report.checks, null, 2)}`);
  return found;
};
/** How each severity of the metadata rules shows in the doctor and in the module's boot log. */
const DOCTOR_STATUS = { error: 'fail', warning: 'warn', info: 'ok' } as const;
const LOG_LEVEL = { error: 'error', warning: 'warn', info: 'log' } as const;

/** What the module's registry logs when it resolves `issuer` at boot (OpenID discovery). */
async function bootLog(issuer: string): Promise<Array<{ level: string; message: string }>> {
  const lines: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (message: unknown) =>
    void lines.push({ level, message: String(message) });
  const logger: LoggerService = { log: record('log'), warn: record('warn'), error: record('error') };
  const registry = new AuthorizationServerRegistry(
    [{ issuer, type: 'oidc', option: 'authorizationServers[0]' }],
    { discovery: 'eager', timeout: 2000, requireJwksUri: true, logger },
  );
  await registry.onModuleInit();
  return lines;
}

const urlsTried = (report: DoctorReport) =>
  report.checks.filter((c) => c.title.startsWith('GET ')).map((c) => `${c.status} ${c.title.slice(4)}`);

describe('nest-mcp-auth doctor against oidc-provider', () => {
  let root: TestProvider;
  let tenant: TestProvider;
  let tenantOidcOnly: TestProvider;

  beforeAll(async () => {
    const resources = { [RESOURCE]: { scopes: ['read:todos'] } };
    [root, tenant, tenantOidcOnly] = await Promise.all([
      startTestProvider({ resources }),
      startTestProvider({ resources, issuerPath: '/tenant-a' }),
      startTestProvider({ resources, issuerPath: '/tenant-b', oauthMetadata: false }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([root?.close(), tenant?.close(), tenantOidcOnly?.close()]);
  });

  const providers = () => ({ root, tenant, tenantOidcOnly });
  // tenantOidcOnly serves no RFC 8414 document: its type 'oauth' is covered below.
  it.each([
    ['root', undefined],
    ['root', 'oidc'],
    ['root', 'oauth'],
    ['tenant', undefined],
    ['tenant', 'oidc'],
    ['tenant', 'oauth'],
    ['tenantOidcOnly', undefined],
    ['tenantOidcOnly', 'oidc'],
  ] as const)(
    '%s issuer, type %s → every check ✓ but the expected offline_access ⚠ (R26–R30)',
    async (name, type) => {
      const provider = providers()[name];
      const report = await runDoctor({ issuer: provider.issuer, type, resource: RESOURCE });
      expect(report.ok).toBe(true);
      expect(notOk(report).map((c) => c.title)).toEqual(['offline_access']);
      expect(byTitle(report, 'Issuer echo (RFC 8414 §3.3)').detail).toContain(
        JSON.stringify(provider.issuer),
      );
      expect(byTitle(report, 'PKCE S256').detail).toContain('S256');
      expect(byTitle(report, 'Client registration').detail).toContain('Dynamic Client Registration');
      expect(byTitle(report, 'JWKS').detail).toMatch(/RSA RS256.*EC P-256 ES256|EC P-256 ES256.*RSA RS256/);
      expect(byTitle(report, 'Token signing algorithms').detail).toMatch(/RS256/);
      expect(byTitle(report, 'Token introspection').status).toBe('ok');
      expect(byTitle(report, 'RFC 8707 resource indicators').hint).toContain('"aud"');
    },
  );

  it('tries the discovery URLs in the order of the type, and stops at the first that answers', async () => {
    const o = tenant.origin;
    expect(urlsTried(await runDoctor({ issuer: tenant.issuer }))).toEqual([
      `ok ${o}/.well-known/oauth-authorization-server/tenant-a`,
    ]);
    expect(urlsTried(await runDoctor({ issuer: tenant.issuer, type: 'oidc' }))).toEqual([
      `ok ${o}/tenant-a/.well-known/openid-configuration`,
    ]);
    // No RFC 8414 document: probing moves past the 404s (clients do the same: ✓), as R28 orders.
    const b = tenantOidcOnly.origin;
    expect(urlsTried(await runDoctor({ issuer: tenantOidcOnly.issuer }))).toEqual([
      `ok ${b}/.well-known/oauth-authorization-server/tenant-b`,
      `ok ${b}/.well-known/openid-configuration/tenant-b`,
      `ok ${b}/tenant-b/.well-known/openid-configuration`,
    ]);
    const oauthOnly = await runDoctor({ issuer: tenantOidcOnly.issuer, type: 'oauth' });
    expect(oauthOnly.ok).toBe(false);
    expect(urlsTried(oauthOnly)).toEqual([`fail ${b}/.well-known/oauth-authorization-server/tenant-b`]);
    expect(oauthOnly.checks.find((c) => c.title.startsWith('GET '))?.detail).toBe('HTTP 404');
  });

  it('the CLI prints one line per check and exits 0', async () => {
    const { code, out, err } = await cli('doctor', root.issuer, '--type', 'oidc', '--resource', RESOURCE);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`nest-mcp-auth doctor ${root.issuer}`);
    expect(lines).toContain(
      `✓ GET ${root.issuer}/.well-known/openid-configuration: answered a JSON document`,
    );
    expect(out).toMatch(/^✓ PKCE S256: code_challenge_methods_supported: S256$/m);
    expect(out).toMatch(/^⚠ offline_access: /m);
    expect(out).toMatch(/^ {4}→ Allow MCP clients to request offline_access/m);
    expect(out).toMatch(/^OK: nothing blocks MCP clients \(1 warning\)\.$/m);
    expect(out).not.toMatch(/^✗/m);
  });

  it('--json prints the report', async () => {
    const { code, out } = await cli('doctor', tenant.issuer, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as DoctorReport;
    expect(report).toEqual(await runDoctor({ issuer: tenant.issuer }));
    expect(report.ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Fixtures imitating real providers, served by a tiny node:http server.

interface Route {
  status?: number;
  json?: unknown;
  body?: string;
}

interface Fixture {
  origin: string;
  routes: Map<string, Route>;
  /** Paths requested, in order. */
  seen: string[];
  close(): Promise<void>;
}

async function startFixture(): Promise<Fixture> {
  const routes = new Map<string, Route>();
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push(path);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = route.body ?? JSON.stringify(route.json);
    res.writeHead(route.status ?? 200, { 'content-type': route.body ? 'text/html' : 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    routes,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function publicJwk(alg: 'RS256' | 'ES256', kid: string, withAlg = true): Promise<JWK> {
  const { publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { ...jwk, kid, use: 'sig', ...(withAlg ? { alg } : {}) };
}

describe('nest-mcp-auth doctor against provider-like fixtures', () => {
  let fx: Fixture;
  let rsaNoAlg: JWK;
  let rsa: JWK;

  /** Serves `document` (issuer, endpoints under `issuer`) at the OpenID append URL, and `keys` at its jwks_uri. */
  const serve = (issuer: string, document: Record<string, unknown>, keys: unknown[] = [rsa]) => {
    const path = new URL(issuer).pathname.replace(/\/$/, '');
    fx.routes.set(`${path}/.well-known/openid-configuration`, { json: { issuer, ...document } });
    fx.routes.set(`${path}/keys`, { json: { keys } });
  };
  const endpoints = (issuer: string) => ({
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/keys`,
    response_types_supported: ['code'],
  });

  beforeAll(async () => {
    fx = await startFixture();
    [rsaNoAlg, rsa] = await Promise.all([
      publicJwk('RS256', 'entra-kid', false),
      publicJwk('RS256', 'rsa-kid'),
    ]);
  });
  afterAll(() => fx.close());
  beforeEach(() => fx.routes.clear());

  it('Entra ID-like: no PKCE field, no registration, keys without alg → ⚠ only, exit 0', async () => {
    const issuer = `${fx.origin}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`;
    serve(
      issuer,
      {
        ...endpoints(issuer),
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        id_token_signing_alg_values_supported: ['RS256'],
      },
      [rsaNoAlg],
    );
    const report = await runDoctor({ issuer });
    expect(report.ok).toBe(true);
    expect(notOk(report).map((c) => `${c.status} ${c.title}`)).toEqual([
      'warn PKCE S256',
      'warn Client registration',
      'warn Token signing algorithms',
      'warn Token introspection',
      'warn offline_access',
    ]);
    expect(byTitle(report, 'PKCE S256').detail).toContain(
      'not advertised: MCP 2025-11-25 clients refuse to proceed; some providers (Entra ID) support S256',
    );
    expect(byTitle(report, 'PKCE S256').hint).toContain('transpile');
    expect(byTitle(report, 'Client registration').detail).toMatch(/^pre-registration only/);
    expect(byTitle(report, 'Token signing algorithms').detail).toContain('RS256, RS384');
    expect(byTitle(report, 'Token introspection').detail).toContain('only JWT access tokens');
    const path = new URL(issuer).pathname;
    expect(urlsTried(report)).toEqual([
      `ok ${fx.origin}/.well-known/oauth-authorization-server${path}`,
      `ok ${fx.origin}/.well-known/openid-configuration${path}`,
      `ok ${issuer}/.well-known/openid-configuration`,
    ]);
    const { code, out } = await cli('doctor', issuer);
    expect(code).toBe(0);
    expect(out).toMatch(/^⚠ PKCE S256: /m);
    expect(out).toMatch(/^⚠ Client registration: pre-registration only/m);
  });

  it('Cognito-like: no registration, no PKCE field → ⚠, exit 0', async () => {
    const issuer = `${fx.origin}/us-east-1_AbCdEf123`;
    serve(issuer, {
      ...endpoints(issuer),
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    const report = await runDoctor({ issuer, type: 'oidc' });
    expect(report.ok).toBe(true);
    expect(notOk(report).map((c) => `${c.status} ${c.title}`)).toEqual([
      'warn PKCE S256',
      'warn Client registration',
      'warn Token introspection',
    ]);
    expect((await cli('doctor', issuer, '--type', 'oidc')).code).toBe(0);
  });

  it.each([
    ['a trailing slash', (issuer: string) => `${issuer}/`, 'differs by a trailing slash'],
    ['letter case', (issuer: string) => issuer.replace('tenant', 'Tenant'), 'differs by letter case'],
    ['another issuer', () => 'https://login.microsoftonline.com/{tenantid}/v2.0', 'differs from'],
  ])('issuer mismatch (%s) → ✗ and exit 1 (R29)', async (_name, declared, how) => {
    const issuer = `${fx.origin}/tenant`;
    serve(issuer, { ...endpoints(issuer), code_challenge_methods_supported: ['S256'] });
    fx.routes.get('/tenant/.well-known/openid-configuration')!.json = {
      ...endpoints(issuer),
      issuer: declared(issuer),
      code_challenge_methods_supported: ['S256'],
    };
    const report = await runDoctor({ issuer, type: 'oidc' });
    expect(report.ok).toBe(false);
    const echo = byTitle(report, 'Issuer echo (RFC 8414 §3.3)');
    expect(echo.status).toBe('fail');
    expect(echo.detail).toContain(how);
    const { code, out } = await cli('doctor', issuer, '--type', 'oidc');
    expect(code).toBe(1);
    expect(out).toMatch(/^✗ Issuer echo \(RFC 8414 §3\.3\): /m);
    expect(out).toMatch(/^FAILED: 1 problem blocks MCP clients/m);
  });

  it('JWKS unreachable → ✗, exit 1', async () => {
    const issuer = `${fx.origin}/down`;
    const closed = `http://127.0.0.1:${await freePort()}/keys`;
    serve(issuer, { ...endpoints(issuer), jwks_uri: closed, code_challenge_methods_supported: ['S256'] });
    const report = await runDoctor({ issuer, type: 'oidc', timeout: 2000 });
    expect(report.ok).toBe(false);
    const jwks = byTitle(report, 'JWKS');
    expect(jwks.status).toBe('fail');
    expect(jwks.detail).toMatch(
      /^unreachable: Could not reach http:\/\/127\.0\.0\.1:\d+\/keys: .*ECONNREFUSED/,
    );
    expect(report.checks.some((c) => c.title === 'Token signing algorithms')).toBe(false);
    expect((await cli('doctor', issuer, '--type', 'oidc')).code).toBe(1);
  });

  it('JWKS answering 404 or without signing keys → ✗', async () => {
    const issuer = `${fx.origin}/nokeys`;
    serve(issuer, { ...endpoints(issuer), code_challenge_methods_supported: ['S256'] });
    fx.routes.delete('/nokeys/keys');
    expect(byTitle(await runDoctor({ issuer, type: 'oidc' }), 'JWKS').detail).toContain('HTTP 404');
    serve(issuer, { ...endpoints(issuer) }, [{ ...rsa, use: 'enc' }]);
    const report = await runDoctor({ issuer, type: 'oidc' });
    expect(byTitle(report, 'JWKS')).toMatchObject({ status: 'fail' });
    expect(byTitle(report, 'JWKS').detail).toContain('no signing keys (1 key(s)');
  });

  it('only HS256 oct keys → ✗ (nothing the allow-list accepts), the secret is never printed', async () => {
    const issuer = `${fx.origin}/hmac`;
    serve(issuer, { ...endpoints(issuer), code_challenge_methods_supported: ['S256'] }, [
      { kty: 'oct', k: HMAC_SECRET, alg: 'HS256', kid: 'hmac-1', use: 'sig' },
    ]);
    const report = await runDoctor({ issuer, type: 'oidc' });
    expect(report.ok).toBe(false);
    expect(byTitle(report, 'JWKS').detail).toContain('oct HS256 (kid hmac-1)');
    const algs = byTitle(report, 'Token signing algorithms');
    expect(algs.status).toBe('fail');
    expect(algs.detail).toContain('HS256');
    expect(algs.hint).toContain('Symmetric');
    const text = await cli('doctor', issuer, '--type', 'oidc');
    const json = await cli('doctor', issuer, '--type', 'oidc', '--json');
    expect(text.code).toBe(1);
    expect(json.code).toBe(1);
    expect(text.out + json.out).not.toContain(HMAC_SECRET);
  });

  it('an oct key beside asymmetric keys → ⚠', async () => {
    const issuer = `${fx.origin}/mixed`;
    serve(issuer, { ...endpoints(issuer), code_challenge_methods_supported: ['S256'] }, [
      rsa,
      { kty: 'oct', k: HMAC_SECRET, alg: 'HS256', kid: 'hmac-1' },
    ]);
    const algs = byTitle(await runDoctor({ issuer, type: 'oidc' }), 'Token signing algorithms');
    expect(algs.status).toBe('warn');
    expect(algs.detail).toMatch(/^accepted by the default allow-list: RS256; 1 symmetric \(oct\) key/);
  });

  it('nothing at any discovery URL → ✗ listing every URL tried, exit 1', async () => {
    const issuer = `${fx.origin}/nowhere`;
    fx.routes.set('/.well-known/openid-configuration/nowhere', { body: '<html>login</html>' });
    const report = await runDoctor({ issuer });
    expect(report.ok).toBe(false);
    expect(urlsTried(report)).toEqual([
      `fail ${fx.origin}/.well-known/oauth-authorization-server/nowhere`,
      `fail ${fx.origin}/.well-known/openid-configuration/nowhere`,
      `fail ${issuer}/.well-known/openid-configuration`,
    ]);
    const details = report.checks.filter((c) => c.title.startsWith('GET ')).map((c) => c.detail);
    expect(details[0]).toBe('HTTP 404');
    expect(details[1]).toContain('did not answer with JSON');
    expect(details[2]).toBe('HTTP 404');
    expect(byTitle(report, 'Metadata document')).toMatchObject({ status: 'fail' });
    expect(report.checks.at(-1)?.title).toBe('Metadata document');

    const { code, out } = await cli('doctor', issuer);
    expect(code).toBe(1);
    for (const url of report.checks.filter((c) => c.title.startsWith('GET '))) {
      expect(out).toContain(`✗ ${url.title}`);
    }
    expect(out).toMatch(/^✗ Metadata document: none of the 3 discovery URL\(s\)/m);
  });

  it('a provider that does not answer → ✗ with the network error', async () => {
    const issuer = `http://127.0.0.1:${await freePort()}`;
    const report = await runDoctor({ issuer, type: 'oauth' });
    expect(report.ok).toBe(false);
    expect(report.checks[0].detail).toMatch(/ECONNREFUSED/);
  });

  it('a 5xx at an earlier discovery URL → ⚠ (some clients stop there), the document is still found', async () => {
    const issuer = `${fx.origin}/flaky`;
    serve(issuer, { ...endpoints(issuer), code_challenge_methods_supported: ['S256'] });
    fx.routes.set('/.well-known/oauth-authorization-server/flaky', { status: 502, body: 'bad gateway' });
    const report = await runDoctor({ issuer });
    expect(report.ok).toBe(true);
    expect(urlsTried(report)).toEqual([
      `warn ${fx.origin}/.well-known/oauth-authorization-server/flaky`,
      `ok ${fx.origin}/.well-known/openid-configuration/flaky`,
      `ok ${issuer}/.well-known/openid-configuration`,
    ]);
    expect(report.checks[0].detail).toBe('HTTP 502');
  });

  it('PKCE advertised without S256, or no token endpoint → ✗', async () => {
    const issuer = `${fx.origin}/plain`;
    const { token_endpoint: _dropped, ...noToken } = endpoints(issuer);
    serve(issuer, { ...noToken, code_challenge_methods_supported: ['plain'] });
    const report = await runDoctor({ issuer, type: 'oidc' });
    expect(report.ok).toBe(false);
    expect(byTitle(report, 'PKCE S256')).toMatchObject({ status: 'fail' });
    expect(byTitle(report, 'Authorization code flow').detail).toMatch(/^token_endpoint is missing/);
  });

  it('Client ID Metadata Documents count as a registration path', async () => {
    const issuer = `${fx.origin}/cimd`;
    serve(issuer, {
      ...endpoints(issuer),
      code_challenge_methods_supported: ['S256'],
      client_id_metadata_document_supported: true,
    });
    const registration = byTitle(await runDoctor({ issuer, type: 'oidc' }), 'Client registration');
    expect(registration).toMatchObject({ status: 'ok' });
    expect(registration.detail).toContain('Client ID Metadata Documents');
  });

  it('R30: the registry and the doctor read one table of metadata rules, with the same severity', async () => {
    const issuer = `${fx.origin}/shared`;
    const { token_endpoint: _dropped, ...noToken } = endpoints(issuer);
    const document = { issuer, ...noToken, code_challenge_methods_supported: ['plain'] };
    serve(issuer, document);
    const problems = metadataProblems(document);
    expect(problems.map((p) => `${p.severity} ${p.rule}`)).toEqual([
      'error authorization-code-endpoints',
      'error pkce-s256',
      'warning client-registration',
    ]);
    const report = await runDoctor({ issuer, type: 'oidc' });
    const logged = await bootLog(issuer);
    for (const { rule, severity, message } of problems) {
      const title = METADATA_RULES.find((r) => r.id === rule)!.title;
      expect([title, byTitle(report, title).status]).toEqual([title, DOCTOR_STATUS[severity]]);
      expect(logged).toContainEqual({ level: LOG_LEVEL[severity], message });
    }
  });

  it.each(['error', 'warning', 'info'] as const)(
    'R30: a rule’s severity changed to %s in the table shows in the doctor and in the boot log',
    async (severity) => {
      const issuer = `${fx.origin}/severity`;
      serve(issuer, { ...endpoints(issuer), code_challenge_methods_supported: ['S256'] });
      const rule = METADATA_RULES.find((r) => r.id === 'client-registration')!;
      const replaced = jest.replaceProperty(rule, 'severity', severity);
      try {
        const report = await runDoctor({ issuer, type: 'oidc' });
        expect(byTitle(report, 'Client registration').status).toBe(DOCTOR_STATUS[severity]);
        expect(report.ok).toBe(severity !== 'error');
        const logged = await bootLog(issuer);
        expect(logged).toEqual([
          { level: LOG_LEVEL[severity], message: expect.stringContaining('pre-registered client_id') },
        ]);
      } finally {
        replaced.restore();
      }
    },
  );

  it('--resource: checked as an RFC 8707 identifier, with the aud hint', async () => {
    const issuer = `${fx.origin}/res`;
    serve(issuer, { ...endpoints(issuer), code_challenge_methods_supported: ['S256'] });
    const good = await runDoctor({ issuer, type: 'oidc', resource: 'https://mcp.example.com/mcp' });
    expect(good.ok).toBe(true);
    expect(byTitle(good, 'Resource identifier').hint).toContain('"aud"');
    for (const bad of ['https://mcp.example.com/mcp#x', 'http://mcp.example.com/mcp']) {
      const { code, out } = await cli('doctor', issuer, '--type', 'oidc', '--resource', bad);
      expect(code).toBe(1);
      expect(out).toMatch(/^✗ Resource identifier: /m);
    }
    serve(issuer, {
      ...endpoints(issuer),
      code_challenge_methods_supported: ['S256'],
      protected_resources: ['https://other.example.com'],
    });
    const unlisted = await runDoctor({ issuer, type: 'oidc', resource: 'https://mcp.example.com/mcp' });
    expect(byTitle(unlisted, 'RFC 8707 resource indicators')).toMatchObject({ status: 'warn' });
  });

  it('an http issuer off loopback → ✗ (the module refuses it)', async () => {
    const report = await runDoctor({
      issuer: 'http://auth.example.invalid',
      type: 'oauth',
      timeout: 1000,
      fetch: async () => new Response('nope', { status: 404 }),
    });
    expect(report.checks[0]).toMatchObject({ status: 'fail', title: 'Issuer' });
  });

  it('unusable options → McpAuthConfigError ERR_INVALID_OPTIONS, nothing fetched', async () => {
    let fetched = false;
    const fetch = async () => ((fetched = true), new Response('{}'));
    const error = await runDoctor({ issuer: 'not a url', fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', message: expect.stringContaining('issuer') });
    expect(fetched).toBe(false);
  });
});

describe('nest-mcp-auth command line', () => {
  it.each([
    [[], 'missing command'],
    [['check', 'https://a.example'], 'unknown command "check"'],
    [['doctor'], 'missing <issuer>'],
    [['doctor', 'not a url'], 'issuer must be an absolute URL'],
    [['doctor', 'https://a.example?x=1'], 'must not have a query'],
    [['doctor', 'https://a.example', '--type', 'saml'], "type must be 'oidc' or 'oauth'"],
    [['doctor', 'https://a.example', '--timeout', 'soon'], 'timeout must be a positive number'],
    [['doctor', 'https://a.example', '--verbose'], "Unknown option '--verbose'"],
    [['doctor', 'https://a.example', 'extra'], 'unexpected argument "extra"'],
  ])('%j → usage error, exit 2', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err).toContain('Usage: nest-mcp-auth doctor <issuer>');
  });

  it('--help → usage on stdout, exit 0', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: nest-mcp-auth doctor <issuer> \[options\]/);
  });
});
