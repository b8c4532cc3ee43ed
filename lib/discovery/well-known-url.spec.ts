import { appendWellKnown, discoveryUrls, insertWellKnown } from './well-known-url.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

describe('insertWellKnown', () => {
  it.each([
    ['https://h/tenant', 'https://h/.well-known/oauth-authorization-server/tenant'],
    ['https://h/tenant/', 'https://h/.well-known/oauth-authorization-server/tenant'],
    ['https://h/a/b', 'https://h/.well-known/oauth-authorization-server/a/b'],
    ['https://h', 'https://h/.well-known/oauth-authorization-server'],
    ['https://h/', 'https://h/.well-known/oauth-authorization-server'],
    [
      'http://127.0.0.1:8080/realms/x',
      'http://127.0.0.1:8080/.well-known/oauth-authorization-server/realms/x',
    ],
  ])('R26: inserts the well-known string between host and path: %s', (issuer, expected) => {
    expect(insertWellKnown(issuer, 'oauth-authorization-server')).toBe(expected);
  });

  it('R3: builds protected resource metadata URLs with the same rule', () => {
    expect(insertWellKnown('https://h/mcp', 'oauth-protected-resource')).toBe(
      'https://h/.well-known/oauth-protected-resource/mcp',
    );
    expect(insertWellKnown('https://h/', 'oauth-protected-resource')).toBe(
      'https://h/.well-known/oauth-protected-resource',
    );
  });

  it('keeps a query after the path (RFC 9728 §3.1) and drops a fragment', () => {
    expect(insertWellKnown('https://h/mcp?x=1#f', 'oauth-protected-resource')).toBe(
      'https://h/.well-known/oauth-protected-resource/mcp?x=1',
    );
  });

  it('ignores slashes around the well-known name', () => {
    expect(insertWellKnown('https://h/t', '/oauth-authorization-server/')).toBe(
      'https://h/.well-known/oauth-authorization-server/t',
    );
  });

  it('rejects a relative URL with ERR_INVALID_OPTIONS', () => {
    expect(() => insertWellKnown('/tenant', 'x')).toThrow(McpAuthConfigError);
    expect(() => insertWellKnown('/tenant', 'x')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }),
    );
  });
});

describe('appendWellKnown', () => {
  it.each([
    ['https://h/tenant', 'https://h/tenant/.well-known/openid-configuration'],
    ['https://h/tenant/', 'https://h/tenant/.well-known/openid-configuration'],
    ['https://h', 'https://h/.well-known/openid-configuration'],
    ['https://h/', 'https://h/.well-known/openid-configuration'],
  ])('R27: appends the well-known string to the issuer: %s', (issuer, expected) => {
    expect(appendWellKnown(issuer, 'openid-configuration')).toBe(expected);
  });
});

describe('discoveryUrls', () => {
  it("R26: type 'oauth' gives the RFC 8414 insertion URL only", () => {
    expect(discoveryUrls('https://h/tenant', 'oauth')).toEqual([
      { url: 'https://h/.well-known/oauth-authorization-server/tenant', type: 'oauth' },
    ]);
    expect(discoveryUrls('https://h', 'oauth')).toEqual([
      { url: 'https://h/.well-known/oauth-authorization-server', type: 'oauth' },
    ]);
  });

  it("R27: type 'oidc' gives the append URL, then the insertion URL, for an issuer with a path", () => {
    expect(discoveryUrls('https://h/tenant/', 'oidc')).toEqual([
      { url: 'https://h/tenant/.well-known/openid-configuration', type: 'oidc' },
      { url: 'https://h/.well-known/openid-configuration/tenant', type: 'oidc' },
    ]);
  });

  it("R27: type 'oidc' gives one URL for an issuer without a path", () => {
    expect(discoveryUrls('https://h/', 'oidc')).toEqual([
      { url: 'https://h/.well-known/openid-configuration', type: 'oidc' },
    ]);
  });

  it('R28: no type, issuer with a path: OAuth insertion, OIDC insertion, OIDC append', () => {
    expect(discoveryUrls('https://h/tenant')).toEqual([
      { url: 'https://h/.well-known/oauth-authorization-server/tenant', type: 'oauth' },
      { url: 'https://h/.well-known/openid-configuration/tenant', type: 'oidc' },
      { url: 'https://h/tenant/.well-known/openid-configuration', type: 'oidc' },
    ]);
  });

  it('R28: no type, issuer without a path: OAuth, then OIDC, without duplicates', () => {
    for (const issuer of ['https://h', 'https://h/']) {
      expect(discoveryUrls(issuer)).toEqual([
        { url: 'https://h/.well-known/oauth-authorization-server', type: 'oauth' },
        { url: 'https://h/.well-known/openid-configuration', type: 'oidc' },
      ]);
    }
  });
});
