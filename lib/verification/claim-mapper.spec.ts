import { ClaimMapper } from './claim-mapper.js';

const resource = new URL('https://h.example/mcp');
const mapper = new ClaimMapper();

describe('ClaimMapper', () => {
  it('maps RFC 9068 claims to McpAuthInfo', () => {
    const info = mapper.toAuthInfo(
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

  it('takes clientId from azp (Keycloak, Auth0), cid (Okta) or appid (Entra v1) when client_id is absent', () => {
    expect(mapper.toAuthInfo('t', { azp: 'x' }, resource).clientId).toBe('x');
    expect(mapper.toAuthInfo('t', { cid: 'y' }, resource).clientId).toBe('y');
    expect(mapper.toAuthInfo('t', { appid: 'z' }, resource).clientId).toBe('z');
    expect(mapper.toAuthInfo('t', {}, resource).clientId).toBe('');
  });

  it('reads scopes from scope (string), scp (string or array) and scopes (array), deduplicated', () => {
    expect(mapper.scopes({ scope: 'a  b' })).toEqual(['a', 'b']);
    expect(mapper.scopes({ scp: 'a c' })).toEqual(['a', 'c']);
    expect(mapper.scopes({ scp: ['a', 'd'], scopes: ['a', 'e'] })).toEqual(['a', 'd', 'e']);
  });

  it('deduplicates scopes keeping first occurrences in order, within a claim and across claims, few or many', () => {
    expect(mapper.scopes({ scope: 'b a b c a' })).toEqual(['b', 'a', 'c']);
    expect(mapper.scopes({ scope: 'x y', scp: 'y z x', scopes: ['z', 'w'] })).toEqual(['x', 'y', 'z', 'w']);
    const many = Array.from({ length: 40 }, (_, i) => `s${i % 25}`);
    expect(mapper.scopes({ scope: many.join(' ') })).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`));
    expect(mapper.scopes({ scope: 'only' })).toEqual(['only']);
    expect(mapper.scopes({})).toEqual([]);
  });

  it('grants roles or permissions claims as scopes when configured (Auth0 permissions, Entra roles)', () => {
    const m = new ClaimMapper({ scopesFromClaims: ['permissions', 'roles'] });
    expect(m.scopes({ scope: 'openid', permissions: ['read:todos'], roles: ['Todo.Admin'] })).toEqual([
      'openid',
      'read:todos',
      'Todo.Admin',
    ]);
  });

  it('reads the configured claims instead of the defaults', () => {
    const m = new ClaimMapper({ clientId: ['client'], scopes: ['perms'] });
    const info = m.toAuthInfo(
      't',
      { client_id: 'ignored', client: 'c', scope: 'ignored', perms: 'p q' },
      resource,
    );
    expect(info).toMatchObject({ clientId: 'c', scopes: ['p', 'q'] });
  });

  it('map() overrides the result, but never the token or the resource', () => {
    const m = new ClaimMapper({
      map: (claims, info) => ({ ...info, subject: `${claims.tenant}/${info.subject}`, token: 'x' }),
    });
    const info = m.toAuthInfo('t', { sub: 'u', tenant: 'acme' }, resource);
    expect(info).toMatchObject({ subject: 'acme/u', token: 't', resource });
  });

  it('the audience rule can read another claim (Cognito: client_id)', () => {
    expect(mapper.audience({ client_id: 'app' }, 'client_id')).toEqual(['app']);
    expect(mapper.audience({ aud: ['a', 'b'] })).toEqual(['a', 'b']);
  });

  it.each([
    [{ scope: ['a'] }],
    [{ scp: 3 }],
    [{ scopes: [1] }],
    [{ aud: 5 }],
    [{ sub: 1 }],
    [{ client_id: {} }],
  ])('rejects claims of the wrong type: %j', (claims) => {
    expect(() => mapper.toAuthInfo('t', claims, resource)).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }),
    );
  });
});
