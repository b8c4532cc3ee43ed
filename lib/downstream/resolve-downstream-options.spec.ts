import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { McpAuthModuleOptions } from '../options/mcp-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { resolveDownstreamOptions } from './resolve-downstream-options.js';

const ISSUER = 'https://idp.example.com';
const client = { clientId: 'mcp', clientSecret: 'secret' };

/** The module's options validated (one pass, every option), then `downstream` normalised as the module does. */
function resolve(downstream: unknown, module: Partial<McpAuthModuleOptions> = {}) {
  const options = resolveOptions({
    resource: 'https://mcp.example.com/mcp',
    authorizationServers: [ISSUER],
    ...module,
    downstream,
  } as McpAuthModuleOptions);
  return resolveDownstreamOptions(options, [ISSUER]);
}

function problem(downstream: unknown, module: Partial<McpAuthModuleOptions> = {}): McpAuthConfigError {
  try {
    resolve(downstream, module);
  } catch (error) {
    expect(error).toBeInstanceOf(McpAuthConfigError);
    return error as McpAuthConfigError;
  }
  throw new Error('expected an McpAuthConfigError');
}

describe('the downstream option', () => {
  it('applies the option classes’ defaults; retryAfter is the module’s', () => {
    const resolved = resolve({ client, targets: { api: { resource: 'https://api.example.com/v1' } } });
    expect(resolved).toMatchObject({
      timeout: 5000,
      retryAfter: 5,
      cache: { maxEntries: 10_000, margin: 30 },
    });
    expect(resolved.targets.get('api')).toMatchObject({
      option: 'downstream.targets.api',
      grant: 'token-exchange',
      resource: ['https://api.example.com/v1'],
      audience: [],
      scopes: [],
      requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      baseUrl: new URL('https://api.example.com/v1'),
      client: { clientId: 'mcp', option: 'downstream.client' },
    });
    expect(resolve({ client, targets: { a: { audience: 'x' } } }, { retryAfter: 7 }).retryAfter).toBe(7);
  });

  it('no downstream option: no targets', () => {
    expect(resolve(undefined).targets.size).toBe(0);
  });

  it('a target’s own client, else the shared one (one object: one authenticator)', () => {
    const resolved = resolve({
      client,
      targets: {
        a: { audience: 'x' },
        b: { audience: 'y' },
        c: { audience: 'z', client: { clientId: 'c', clientSecret: 's' } },
      },
    });
    const [a, b, c] = ['a', 'b', 'c'].map((name) => resolved.targets.get(name)!.client);
    expect(a).toBe(b);
    expect(c).toMatchObject({ clientId: 'c', option: 'downstream.targets.c.client' });
  });

  it('keeps a store instance as it is (never copied)', () => {
    class Store {
      async get() {
        return undefined;
      }
      async set() {}
    }
    const store = new Store();
    const resolved = resolve({ client, targets: { a: { audience: 'x' } }, cache: { store } });
    expect(resolved.cache && resolved.cache.store).toBe(store);
  });

  it.each([
    [
      { client: { clientId: 'mcp' }, targets: { a: { audience: 'x' } } },
      'downstream.client.clientSecret',
      /unless a privateKey/,
    ],
    [{ targets: { a: { audience: 'x' } } }, 'downstream.client', /is required/],
    [{ client, targets: {} }, 'downstream.targets', /at least one/],
    [{ client }, 'downstream.targets', /is required/],
    [{ client, targets: { a: {} } }, 'downstream.targets.a.resource', /unless audience or scopes/],
    [
      { client, targets: { a: { grant: 'implicit', audience: 'x' } } },
      'downstream.targets.a.grant',
      /token-exchange/,
    ],
    [{ client, targets: { a: { resource: 'not a uri' } } }, 'downstream.targets.a.resource', /absolute URI/],
    [
      { client, targets: { 'my api': { resource: 'x#y' } } },
      'downstream.targets["my api"].resource',
      /fragment/,
    ],
    [
      { client, targets: { a: { audience: 'x', baseUrl: 'http://api.example.com' } } },
      'downstream.targets.a.baseUrl',
      /https/,
    ],
    [
      { client, targets: { a: { audience: 'x', client: { clientId: 'other' } } } },
      'downstream.targets.a.client.clientSecret',
      /unless a privateKey/,
    ],
    [
      { client: { ...client, issuer: 'https://other.example' }, targets: { a: { audience: 'x' } } },
      'downstream.client.issuer',
      /authorizationServers/,
    ],
    [
      { client: { ...client, authMethod: 'private_key_jwt' }, targets: { a: { audience: 'x' } } },
      'downstream.client.privateKey',
      /required by authMethod private_key_jwt/,
    ],
    [
      {
        client: { clientId: 'mcp', privateKey: { kty: 'EC', d: 'x' }, authMethod: 'client_secret_post' },
        targets: { a: { audience: 'x' } },
      },
      'downstream.client.clientSecret',
      /required by authMethod client_secret_post/,
    ],
    [
      { client: { clientId: 'mcp', privateKey: { kty: 'EC' } }, targets: { a: { audience: 'x' } } },
      'downstream.client.privateKey',
      /private JWK/,
    ],
    [
      { client, targets: { a: { audience: 'x' } }, cache: { store: {} } },
      'downstream.cache.store',
      /get\(key\)/,
    ],
    [{ client, targets: { a: { audience: 'x' } }, cache: 'none' }, 'downstream.cache', /false or/],
    [{ client, targets: { a: { audience: 'x' } }, timeout: 0 }, 'downstream.timeout', /1/],
    ['x', 'downstream', /must be an object/],
  ])('fails at boot naming the option: %j', (downstream, option, reason) => {
    const error = problem(downstream);
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
    expect(error.option).toBe(option);
    expect(error.message).toContain(`  - ${option}: `);
    expect(error.message).toMatch(reason);
  });

  it('is validated in the module’s one pass: every problem, downstream or not, at its own path', () => {
    const error = problem(
      { client: { clientId: '' }, targets: { archive: { resource: 'nope', scopes: [''] } } },
      { clockTolerance: -1 },
    );
    for (const path of [
      'clockTolerance',
      'downstream.client.clientId',
      'downstream.client.clientSecret',
      'downstream.targets.archive.resource',
      'downstream.targets.archive.scopes',
    ]) {
      expect(error.message).toContain(`  - ${path}: `);
    }
    // A missing option is reported as missing only, not also as "must be a string".
    expect(error.message).toMatch(
      /downstream\.client\.clientSecret: is required unless a privateKey is given\n/,
    );
  });
});
