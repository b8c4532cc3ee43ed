import { claimsToAuthInfo, scopesFromClaims } from './claims-to-auth-info.js';

const resource = new URL('https://h.example/mcp');

describe('claim mapping', () => {
  it('maps RFC 9068 claims to McpAuthInfo', () => {
    const info = claimsToAuthInfo(
      't',
      {
        iss: 'https://idp',
        sub: 'alice',
        aud: 'https://h.example/mcp',
        client_id: 'c1',
        scope: 'a b',
        exp: 10,
      },
      resource,
    );
    expect(info).toMatchObject({
      token: 't',
      clientId: 'c1',
      scopes: ['a', 'b'],
      expiresAt: 10,
      issuer: 'https://idp',
      subject: 'alice',
      audience: ['https://h.example/mcp'],
      resource,
    });
  });

  it('takes clientId from azp, cid or appid when client_id is absent', () => {
    expect(claimsToAuthInfo('t', { azp: 'x' }, resource).clientId).toBe('x');
    expect(claimsToAuthInfo('t', { cid: 'y' }, resource).clientId).toBe('y');
    expect(claimsToAuthInfo('t', { appid: 'z' }, resource).clientId).toBe('z');
    expect(claimsToAuthInfo('t', {}, resource).clientId).toBe('');
  });

  it('reads scopes from scope (string), scp (string or array) and scopes (array), deduplicated', () => {
    expect(scopesFromClaims({ scope: 'a  b' })).toEqual(['a', 'b']);
    expect(scopesFromClaims({ scp: 'a c' })).toEqual(['a', 'c']);
    expect(scopesFromClaims({ scp: ['a', 'd'], scopes: ['a', 'e'] })).toEqual(['a', 'd', 'e']);
  });

  it.each([
    [{ scope: ['a'] }],
    [{ scp: 3 }],
    [{ scopes: [1] }],
    [{ aud: 5 }],
    [{ sub: 1 }],
    [{ client_id: {} }],
  ])('rejects claims of the wrong type: %j', (claims) => {
    expect(() => claimsToAuthInfo('t', claims, resource)).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }),
    );
  });
});
