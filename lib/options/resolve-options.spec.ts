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
      'resource.audience',
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

  it('accepts plain http only on loopback hosts', () => {
    expect(() =>
      resolveOptions({
        resource: 'http://127.0.0.1:3000/mcp',
        authorizationServers: ['http://localhost:4000'],
      }),
    ).not.toThrow();
  });
});
