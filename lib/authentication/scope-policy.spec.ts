import { resolveOptions } from '../options/resolve-options.js';
import { missingScopes, stepUpScopes } from './scope-policy.js';

const base = { resource: 'https://h.example/mcp', authorizationServers: ['https://idp.example.com'] };

describe('scope policy', () => {
  it('R13: missing scopes are the required ones the token lacks', () => {
    const o = resolveOptions(base);
    expect(missingScopes(['read'], ['read', 'write'], o)).toEqual(['write']);
    expect(missingScopes(['read', 'write'], ['read', 'write'], o)).toEqual([]);
  });

  it('R15: a broader scope implies narrower ones through the hierarchy', () => {
    const o = resolveOptions({ ...base, scopeHierarchy: { admin: ['read', 'write'] } });
    expect(missingScopes(['admin'], ['read', 'write'], o)).toEqual([]);
    expect(missingScopes(['read'], ['admin'], o)).toEqual(['admin']);
  });

  it('R13: "accumulate" names the held scopes this resource knows plus the required ones', () => {
    const o = resolveOptions({ ...base, scopesSupported: ['read', 'write', 'delete'] });
    const [r] = o.resources;
    expect(stepUpScopes(['openid', 'read', 'foreign'], ['write'], r, o)).toEqual(['read', 'write']);
  });

  it('R13: without scopesSupported, "accumulate" keeps every non-OpenID scope held', () => {
    const o = resolveOptions(base);
    expect(stepUpScopes(['openid', 'profile', 'read'], ['write'], o.resources[0], o)).toEqual([
      'read',
      'write',
    ]);
  });

  it('R16: "required" names only the required scopes', () => {
    const o = resolveOptions({ ...base, stepUpScopes: 'required', scopesSupported: ['read', 'write'] });
    expect(stepUpScopes(['read'], ['write'], o.resources[0], o)).toEqual(['write']);
  });

  it('R15: offline_access is never named in a challenge', () => {
    const o = resolveOptions(base);
    expect(stepUpScopes(['offline_access', 'read'], ['write', 'offline_access'], o.resources[0], o)).toEqual([
      'read',
      'write',
    ]);
  });
});
