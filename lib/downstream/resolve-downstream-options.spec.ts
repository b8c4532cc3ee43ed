import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { DownstreamOptions } from '../options/downstream.settings.js';
import { resolveDownstreamOptions } from './resolve-downstream-options.js';

const ISSUER = 'https://idp.example.com';
const client = { clientId: 'mcp', clientSecret: 'secret' };

function problem(options: unknown): McpAuthConfigError {
  try {
    resolveDownstreamOptions(options as DownstreamOptions, [ISSUER]);
  } catch (error) {
    expect(error).toBeInstanceOf(McpAuthConfigError);
    return error as McpAuthConfigError;
  }
  throw new Error('expected an McpAuthConfigError');
}

describe('resolveDownstreamOptions', () => {
  it('applies the option classes’ defaults', () => {
    const resolved = resolveDownstreamOptions(
      { client, targets: { api: { resource: 'https://api.example.com/v1' } } },
      [ISSUER],
    );
    expect(resolved).toMatchObject({
      timeout: 5000,
      retryAfter: 5,
      cache: { maxEntries: 10_000, margin: 30 },
    });
    expect(resolved.targets.get('api')).toMatchObject({
      grant: 'token-exchange',
      resource: ['https://api.example.com/v1'],
      audience: [],
      scopes: [],
      requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      baseUrl: new URL('https://api.example.com/v1'),
      client: { clientId: 'mcp', option: 'downstream.client' },
    });
  });

  it('no downstream option: no targets', () => {
    expect(resolveDownstreamOptions(undefined, [ISSUER]).targets.size).toBe(0);
  });

  it('keeps a store instance as it is (never copied)', () => {
    class Store {
      async get() {
        return undefined;
      }
      async set() {}
    }
    const store = new Store();
    const resolved = resolveDownstreamOptions(
      { client, targets: { a: { audience: 'x' } }, cache: { store } },
      [ISSUER],
    );
    expect(resolved.cache && resolved.cache.store).toBe(store);
  });

  it.each([
    [
      { client: { clientId: 'mcp' }, targets: { a: { audience: 'x' } } },
      'downstream.client',
      /clientSecret or a privateKey/,
    ],
    [{ client, targets: {} }, 'downstream.targets', /at least one/],
    [{ client, targets: { a: {} } }, 'downstream.targets.a', /resource, audience or scopes/],
    [
      { client, targets: { a: { grant: 'implicit', audience: 'x' } } },
      'downstream.targets.a.grant',
      /token-exchange/,
    ],
    [{ client, targets: { a: { resource: 'not a uri' } } }, 'downstream.targets.a.resource', /absolute URI/],
    [
      { client, targets: { a: { audience: 'x', baseUrl: 'http://api.example.com' } } },
      'downstream.targets.a.baseUrl',
      /https/,
    ],
    [
      { client: { ...client, issuer: 'https://other.example' }, targets: { a: { audience: 'x' } } },
      'downstream.client.issuer',
      /authorizationServers/,
    ],
    [
      { client: { ...client, authMethod: 'private_key_jwt' }, targets: { a: { audience: 'x' } } },
      'downstream.client.privateKey',
      /private_key_jwt/,
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
    [{ client, targets: { a: { audience: 'x' } }, timeout: 0 }, 'downstream.timeout', /1/],
  ])('fails at boot naming the option: %j', (options, option, reason) => {
    const error = problem(options);
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
    expect(error.option).toBe(option);
    expect(error.message).toMatch(reason);
  });
});
