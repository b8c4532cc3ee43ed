import type { LoggerService } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizationServerMetadata } from './authorization-server-metadata.js';
import {
  AuthorizationServerRegistry,
  type AuthorizationServerRegistrySettings,
} from './authorization-server-registry.js';
import type { AuthorizationServerSource } from './authorization-server-source.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let handler: Handler;
const requests: string[] = [];
let server: Server;
let base: string;

function metadata(issuer: string, overrides: Record<string, unknown> = {}): AuthorizationServerMetadata {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    registration_endpoint: `${issuer}/register`,
    code_challenge_methods_supported: ['S256'],
    ...overrides,
  };
}

/** Serves the OAuth (RFC 8414) metadata of `${base}/{tenant}` for any tenant, after `delay` ms. */
function serveMetadata(overrides: Record<string, unknown> = {}, delay = 0): Handler {
  return (req, res) => {
    const tenant = (req.url ?? '').replace('/.well-known/oauth-authorization-server', '');
    const body = JSON.stringify(metadata(`${base}${tenant}`, overrides));
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), delay);
  };
}

function fail(status: number): Handler {
  return (_req, res) => res.writeHead(status).end();
}

class RecordingLogger implements LoggerService {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  log(): void {}
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.errors.push(message);
  }
}

function registry(
  sources: Array<Omit<AuthorizationServerSource, 'option'> & { option?: string }>,
  settings: Partial<AuthorizationServerRegistrySettings> = {},
): AuthorizationServerRegistry {
  return new AuthorizationServerRegistry(
    sources.map((source, i) => ({ option: `authorizationServers[${i}]`, ...source })),
    { discovery: 'eager', timeout: 2000, requireJwksUri: true, logger: new RecordingLogger(), ...settings },
  );
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
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  handler = serveMetadata();
  requests.length = 0;
});

describe('AuthorizationServerRegistry: eager', () => {
  it('resolves every source at init', async () => {
    const reg = registry([
      { issuer: `${base}/a`, type: 'oauth' },
      { issuer: `${base}/b`, type: 'oauth' },
    ]);
    expect(reg.peek(`${base}/a`)).toBeUndefined();
    await reg.onModuleInit();
    expect(reg.issuers).toEqual([`${base}/a`, `${base}/b`]);
    expect(reg.peek(`${base}/a`)?.issuer).toBe(`${base}/a`);
    expect(reg.getConfig(`${base}/b`)).toEqual({ type: 'oauth', metadata: metadata(`${base}/b`) });
    expect(await reg.get(`${base}/b`)).toBe(reg.peek(`${base}/b`));
    expect(requests).toHaveLength(2);
  });

  it('fails the boot with a message naming the option, the URL and the reason', async () => {
    handler = fail(404);
    const logger = new RecordingLogger();
    const reg = registry(
      [
        { issuer: `${base}/a`, type: 'oauth' },
        { issuer: `${base}/b`, type: 'oauth' },
      ],
      { logger },
    );
    const error = await rejection(reg.onModuleInit());
    expect(error.code).toBe('ERR_DISCOVERY_HTTP_STATUS');
    expect(error.message).toBe(
      `authorizationServers[0]: GET ${base}/.well-known/oauth-authorization-server/a answered HTTP 404 Not Found.`,
    );
    expect(logger.errors).toEqual([expect.stringContaining('authorizationServers[1]')]);
  });

  it('R29: fails the boot when a fetched document names another issuer', async () => {
    const reg = registry([
      { issuer: `${base}/a`, wellKnownUrl: `${base}/.well-known/oauth-authorization-server/b` },
    ]);
    const error = await rejection(reg.onModuleInit());
    expect(error.code).toBe('ERR_ISSUER_MISMATCH');
  });

  it('validates inline metadata without any request', async () => {
    const good = registry([{ issuer: 'https://as.example', metadata: metadata('https://as.example') }]);
    await good.onModuleInit();
    expect(good.getConfig('https://as.example')?.type).toBe('oauth');

    const bad = registry([
      { issuer: 'https://as.example', metadata: metadata('https://as.example', { jwks_uri: undefined }) },
    ]);
    const error = await rejection(bad.onModuleInit());
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.message).toContain('authorizationServers[0]: Inline metadata');
    expect(requests).toHaveLength(0);
  });

  it('R30: logs what clients will miss, once per issuer', async () => {
    handler = serveMetadata({
      code_challenge_methods_supported: undefined,
      registration_endpoint: undefined,
    });
    const logger = new RecordingLogger();
    const reg = registry([{ issuer: `${base}/a`, type: 'oauth' }], { logger });
    await reg.onModuleInit();
    await reg.get(`${base}/a`);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings.join('\n')).toContain('code_challenge_methods_supported');
    expect(logger.warnings.join('\n')).toContain('pre-registered client_id');
  });

  it('R30: a rule of error severity (no token endpoint, PKCE without S256) is logged as an error; the boot succeeds', async () => {
    handler = serveMetadata({ token_endpoint: undefined, code_challenge_methods_supported: ['plain'] });
    const logger = new RecordingLogger();
    const reg = registry([{ issuer: `${base}/a`, type: 'oauth' }], { logger });
    await reg.onModuleInit();
    expect(logger.warnings).toEqual([]);
    expect(logger.errors).toHaveLength(2);
    expect(logger.errors[0]).toContain('token_endpoint is missing');
    expect(logger.errors[1]).toContain('without S256');
  });
});

describe('AuthorizationServerRegistry: lazy', () => {
  it('fetches nothing at init, then once for 50 concurrent callers (single-flight)', async () => {
    handler = serveMetadata({}, 50);
    const reg = registry([{ issuer: `${base}/a`, type: 'oauth' }], { discovery: 'lazy' });
    await reg.onModuleInit();
    expect(requests).toHaveLength(0);
    const results = await Promise.all(Array.from({ length: 50 }, () => reg.get(`${base}/a`)));
    expect(requests).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(reg.peek(`${base}/a`)).toBe(results[0]);
  });

  it('does not cache a failure: the next call after it fetches again and recovers', async () => {
    handler = fail(503);
    const reg = registry([{ issuer: `${base}/a`, type: 'oauth' }], { discovery: 'lazy', failureCooldown: 0 });
    const failures = await Promise.allSettled(Array.from({ length: 10 }, () => reg.get(`${base}/a`)));
    expect(failures.every((f) => f.status === 'rejected')).toBe(true);
    expect(requests).toHaveLength(1);
    expect(reg.peek(`${base}/a`)).toBeUndefined();

    handler = serveMetadata();
    expect((await reg.get(`${base}/a`)).issuer).toBe(`${base}/a`);
    expect(requests).toHaveLength(2);
  });

  it('answers from the failure cooldown without a request, then retries after it', async () => {
    handler = fail(500);
    const reg = registry([{ issuer: `${base}/a`, type: 'oauth' }], {
      discovery: 'lazy',
      failureCooldown: 150,
    });
    const first = await rejection(reg.get(`${base}/a`));
    const second = await rejection(reg.get(`${base}/a`));
    expect(second).toBe(first);
    expect(requests).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 200));
    handler = serveMetadata();
    await reg.get(`${base}/a`);
    expect(requests).toHaveLength(2);
  });

  it('still fails the boot on invalid inline metadata', async () => {
    const reg = registry([{ issuer: 'https://as.example', metadata: metadata('https://as.example/') }], {
      discovery: 'lazy',
    });
    expect((await rejection(reg.onModuleInit())).code).toBe('ERR_ISSUER_MISMATCH');
  });
});

describe('AuthorizationServerRegistry: lookup', () => {
  it('is keyed by the exact issuer string; unknown issuers are rejected (ERR_UNKNOWN_ISSUER)', async () => {
    const reg = registry([
      { issuer: `${base}/a`, type: 'oauth' },
      { issuer: `${base}/a`, type: 'oidc' },
    ]);
    expect(reg.issuers).toEqual([`${base}/a`]);
    expect(reg.has(`${base}/a`)).toBe(true);
    expect(reg.has(`${base}/a/`)).toBe(false);
    expect(reg.peek(`${base}/a/`)).toBeUndefined();
    const error = await rejection(reg.get(`${base}/a/`));
    expect(error.code).toBe('ERR_UNKNOWN_ISSUER');
    expect(error.message).toContain(`"${base}/a"`);
  });
});
