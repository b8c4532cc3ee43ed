import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { resolveOptions } from './resolve-options.js';

const issuer = 'https://idp.example.com';

function configError(fn: () => unknown): McpAuthConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(McpAuthConfigError);
    return e as McpAuthConfigError;
  }
  throw new Error('expected an McpAuthConfigError');
}

describe('resolveOptions', () => {
  it('applies defaults: audience = resource (R18), asymmetric algorithms, eager discovery', () => {
    const o = resolveOptions({ resource: 'https://h.example/mcp', authorizationServers: [issuer] });
    expect(o.resources).toHaveLength(1);
    const [r] = o.resources;
    expect(r.id).toBe('https://h.example/mcp');
    expect(r.audience).toEqual(['https://h.example/mcp']);
    expect(r.issuers).toEqual([issuer]);
    expect(r.metadataUrl).toBe('https://h.example/.well-known/oauth-protected-resource/mcp');
    expect(r.metadataPath).toBe('/.well-known/oauth-protected-resource/mcp');
    expect(o.algorithms).not.toContain('HS256');
    expect(o.discovery).toBe('eager');
    expect(o.stepUpScopes).toBe('accumulate');
  });

  it('R3: an origin-only resource gets the root metadata URL', () => {
    const [r] = resolveOptions({ resource: 'https://h.example', authorizationServers: [issuer] }).resources;
    expect(r.metadataUrl).toBe('https://h.example/.well-known/oauth-protected-resource');
    expect(r.path).toBe('');
  });

  it('R18: turning the audience check off must be explicit (false), and is kept as false', () => {
    const [r] = resolveOptions({
      resource: 'https://h.example/mcp',
      authorizationServers: [issuer],
      audience: false,
    }).resources;
    expect(r.audience).toBe(false);
  });

  it('R15: offline_access is never advertised', () => {
    const [r] = resolveOptions({
      resource: 'https://h.example/mcp',
      authorizationServers: [issuer],
      scopesSupported: ['read', 'offline_access'],
    }).resources;
    expect(r.scopesSupported).toEqual(['read']);
  });

  it('R15: the scope hierarchy is closed transitively', () => {
    const o = resolveOptions({
      resource: 'https://h.example/mcp',
      authorizationServers: [issuer],
      scopeHierarchy: { admin: ['write'], write: ['read'] },
    });
    expect([...o.scopeHierarchy.get('admin')!].sort()).toEqual(['admin', 'read', 'write']);
  });

  it('several resources: each with its own servers, module servers as the default', () => {
    const o = resolveOptions({
      resource: [
        'https://h.example/a',
        { resource: 'https://h.example/b', authorizationServers: ['https://other.example'] },
      ],
      authorizationServers: [issuer],
    });
    expect(o.resources.map((r) => r.issuers)).toEqual([[issuer], ['https://other.example']]);
    expect(o.servers.map((s) => s.issuer)).toEqual([issuer, 'https://other.example']);
  });

  it('inline metadata needs no network and keys the server by its issuer', () => {
    const o = resolveOptions({
      resource: 'https://h.example/mcp',
      authorizationServers: [{ type: 'oidc', metadata: { issuer, jwks_uri: `${issuer}/jwks` } }],
    });
    expect(o.servers[0]).toMatchObject({ issuer, metadata: { jwks_uri: `${issuer}/jwks` } });
  });

  it.each([
    [{ resource: 'not a url', authorizationServers: [issuer] }, 'resource', /absolute URL/],
    [{ resource: 'http://h.example/mcp', authorizationServers: [issuer] }, 'resource', /https/],
    [{ resource: 'https://h.example/mcp#x', authorizationServers: [issuer] }, 'resource', /fragment/],
    [{ resource: 'https://h.example/mcp', authorizationServers: [] }, 'authorizationServers', /at least one/],
    [{ resource: 'https://h.example/mcp' }, 'authorizationServers', /at least one/],
    [
      { resource: 'https://h.example/mcp', authorizationServers: ['ftp://x'] },
      'authorizationServers[0]',
      /https/,
    ],
    [
      { resource: 'https://h.example/mcp', authorizationServers: [{ issuer: 'ftp://x' }] },
      'authorizationServers[0].issuer',
      /https/,
    ],
    [
      { resource: 'https://h.example/mcp', authorizationServers: [issuer], algorithms: ['HS256'] },
      'algorithms',
      /asymmetric/,
    ],
    [
      { resource: 'https://h.example/mcp', authorizationServers: [issuer], audience: [] },
      'audience',
      /false/,
    ],
    [
      { resource: 'https://h.example/mcp', authorizationServers: [issuer], discovery: 'sometimes' },
      'discovery',
      /eager/,
    ],
    [
      { resource: 'https://h.example/mcp', authorizationServers: [issuer], verify: 'opaque' },
      'verify',
      /function/,
    ],
    [
      { resource: 'https://h.example/mcp', authorizationServers: [issuer], clockTolerance: -1 },
      'clockTolerance',
      /0/,
    ],
  ])('fails at boot naming the option: %j', (options, option, reason) => {
    const error = configError(() => resolveOptions(options as never));
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
    expect(error.option).toBe(option);
    expect(error.message).toContain(`${option}:`);
    expect(error.message).toMatch(reason);
  });

  it('refuses two resources with the same identifier', () => {
    const error = configError(() =>
      resolveOptions({
        resource: ['https://h.example/a', 'https://h.example/a'],
        authorizationServers: [issuer],
      }),
    );
    expect(error.option).toBe('resource[1]');
  });

  it.each([
    [
      { authorizationServers: [{ issuer, wellKnownUrl: 'http://idp.example.com/meta' }] },
      'authorizationServers[0].wellKnownUrl',
    ],
    [
      {
        verify: {
          introspection: { endpoint: 'http://idp.example.com/introspect', clientId: 'c', clientSecret: 's' },
        },
      },
      'verify.introspection.endpoint',
    ],
    [
      {
        verify: {
          introspection: { endpoint: 'https://idp.example.com/i#x', clientId: 'c', clientSecret: 's' },
        },
      },
      'verify.introspection.endpoint',
    ],
  ])(
    'endpoints follow the URL rules of the module: https, plain http only on loopback (%j)',
    (extra, option) => {
      const error = configError(() =>
        resolveOptions({
          resource: 'https://h.example/mcp',
          authorizationServers: [issuer],
          ...extra,
        } as never),
      );
      expect(error.option).toBe(option);
    },
  );

  it('a documentation page may be plain http; an endpoint on loopback may too', () => {
    expect(() =>
      resolveOptions({
        resource: 'https://h.example/mcp',
        authorizationServers: [{ issuer, wellKnownUrl: 'http://127.0.0.1:4000/meta' }],
        resourceDocumentation: 'http://docs.example.com/api',
      }),
    ).not.toThrow();
  });

  it('accepts plain http only on loopback hosts', () => {
    expect(() =>
      resolveOptions({
        resource: 'http://127.0.0.1:3000/mcp',
        authorizationServers: ['http://localhost:4000'],
      }),
    ).not.toThrow();
  });

  it('every default comes from the option classes', () => {
    const o = resolveOptions({
      resource: 'https://h.example/mcp',
      authorizationServers: [issuer],
      clockTolerance: undefined, // undefined keeps the default
      verify: { introspection: { clientId: 'rs', clientSecret: 'secret' } },
    });
    expect(o).toMatchObject({
      clockTolerance: 5,
      strictJwtType: false,
      discovery: 'eager',
      discoveryTimeout: 5000,
      jwks: { timeout: 5000, cooldown: 30000, cacheMaxAge: 600000 },
      tokenCache: { maxEntries: 10000, maxAge: 300, admission: 'second-use' },
      context: false,
      legacyAuthorizationServerMetadata: false,
      stepUpScopes: 'accumulate',
      retryAfter: 5,
      audit: { refused: true, accepted: false, format: 'json' },
      refusalLimit: false,
      openTelemetry: true,
      claims: { clientId: ['client_id', 'azp', 'cid', 'appid'], scopes: ['scope', 'scp', 'scopes'] },
      verify: {
        introspection: {
          authMethod: 'client_secret_basic',
          timeout: 5000,
          cacheTtl: 60,
          cacheMaxEntries: 10000,
        },
      },
    });
    expect(o.resources[0].audienceClaim).toBe('aud');
    expect(resolveOptions({ resource: 'https://h.example/mcp', authorizationServers: [issuer] }).verify).toBe(
      'jwt',
    );
  });

  it('per-resource options: the resource’s own value, else the module’s', () => {
    const o = resolveOptions({
      resource: [
        { resource: 'https://h.example/a', audienceClaim: 'azp', defaultScopes: ['a'] },
        'https://h.example/b',
      ],
      authorizationServers: issuer,
      audienceClaim: 'client_id',
      audience: 'api://x',
      defaultScopes: ['m'],
    });
    expect(o.resources.map((r) => [r.audienceClaim, r.audience, r.defaultScopes])).toEqual([
      ['azp', ['api://x'], ['a']],
      ['client_id', ['api://x'], ['m']],
    ]);
  });

  it.each([
    [
      {
        resource: [
          'https://h.example/a',
          { resource: 'https://h.example/b', authorizationServers: [issuer, { issuer: 'ftp://x' }] },
        ],
      },
      'resource[1].authorizationServers[1].issuer',
    ],
    [
      { resource: ['https://h.example/a', 'http://h.example/b'], authorizationServers: [issuer] },
      'resource[1]',
    ],
    [
      { resource: { resource: 'https://h.example/a', audience: 7 }, authorizationServers: issuer },
      'resource.audience',
    ],
    [{ resource: undefined }, 'resource'],
    [{ resource: [], authorizationServers: issuer }, 'resource'],
    [
      { resource: 'https://h.example/a', authorizationServers: { metadata: { issuer: 'x' } } },
      'authorizationServers.metadata',
    ],
    [{ verify: { introspection: { clientId: '', clientSecret: 's' } } }, 'verify.introspection.clientId'],
    [
      { verify: { introspection: { clientId: 'c', clientSecret: 's', timeout: 0 } } },
      'verify.introspection.timeout',
    ],
    [{ verify: {} }, 'verify.introspection'],
    [{ verify: { verifier: { check: () => 1 } } }, 'verify.verifier'],
    [
      { verify: { introspection: { clientId: 'c', clientSecret: 's' }, verifier: { verify: () => ({}) } } },
      'verify.verifier',
    ],
    [{ jwks: { timeout: 0 } }, 'jwks.timeout'],
    [{ jwks: 5 }, 'jwks'],
    [{ tokenCache: { maxEntries: 0 } }, 'tokenCache.maxEntries'],
    [{ tokenCache: { admission: 'always' } }, 'tokenCache.admission'],
    [{ tokenCache: true }, 'tokenCache'],
    [{ claims: { scopes: 'scp' } }, 'claims.scopes'],
    [{ claims: { map: 'x' } }, 'claims.map'],
    [{ clockTolerance: null }, 'clockTolerance'],
    [{ context: 'auto' }, 'context'],
    [{ scopeHierarchy: { admin: 'read' } }, 'scopeHierarchy'],
    [{ audit: true }, 'audit'],
    [{ audit: { format: 'text' } }, 'audit.format'],
    [{ refusalLimit: true }, 'refusalLimit'],
    [{ refusalLimit: { max: 0 } }, 'refusalLimit.max'],
    [{ refusalLimit: { window: 86_401 } }, 'refusalLimit.window'],
    [{ openTelemetry: 'yes' }, 'openTelemetry'],
  ])('names the option as the user wrote it: %j → %s', (options, path) => {
    const error = configError(() =>
      resolveOptions({
        resource: 'https://h.example/mcp',
        authorizationServers: [issuer],
        ...options,
      } as never),
    );
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
    expect(error.option).toBe(path);
    expect(error.message).toContain(`  - ${path}: `);
  });

  it('refusalLimit: {} turns the limit on with its defaults; audit: false turns the trail off', () => {
    const o = resolveOptions({
      resource: 'https://h.example/mcp',
      authorizationServers: [issuer],
      refusalLimit: {},
      audit: false,
    });
    expect(o.refusalLimit).toEqual({ max: 20, window: 60, maxAddresses: 10000 });
    expect(o.audit).toBe(false);
  });

  it('lists every invalid option at once', () => {
    const error = configError(() =>
      resolveOptions({
        resource: 'https://h.example/mcp',
        authorizationServers: ['ftp://x'],
        clockTolerance: -1,
        jwks: { cooldown: -1 },
      } as never),
    );
    const paths = [...error.message.matchAll(/^ {2}- ([^:]+):/gm)].map((m) => m[1]).sort();
    expect(paths).toEqual(['authorizationServers[0]', 'clockTolerance', 'jwks.cooldown']);
  });

  it('keeps a verifier instance as given (never re-constructed), and a verifier class as a class', () => {
    class Verifier {
      constructor(readonly dependency: { connected: boolean }) {}
      verify() {
        return Promise.reject(new Error('not used'));
      }
    }
    const instance = new Verifier({ connected: true });
    const base = { resource: 'https://h.example/mcp', authorizationServers: [issuer] };
    const byInstance = resolveOptions({ ...base, verify: { verifier: instance as never } }).verify;
    expect(byInstance).toMatchObject({ verifier: instance });
    expect((byInstance as { verifier: unknown }).verifier).toBe(instance);
    const byClass = resolveOptions({ ...base, verify: { verifier: Verifier as never } }).verify;
    expect((byClass as { verifier: unknown }).verifier).toBe(Verifier);
  });
});
