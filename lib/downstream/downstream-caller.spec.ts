import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { authInfoOf, CallerKeys } from './downstream-caller.js';

const caller = (subject: string): McpAuthInfo => ({
  token: `token-of-${subject}`,
  clientId: 'client',
  scopes: [],
  issuer: 'https://issuer.example',
  subject,
  audience: [],
  claims: {},
});

describe('CallerKeys', () => {
  it('R42: derives a key once per caller and target, and again when a field it came from changed', () => {
    const keys = new CallerKeys();
    const [archive, mail] = [{ name: 'archive' }, { name: 'mail' }];
    let derived = 0;
    const derive = (label: string) => () => `${label}#${++derived}`;
    const alice = caller('alice');
    expect(keys.keyOf(alice, archive, derive('alice/archive'))).toBe('alice/archive#1');
    expect(keys.keyOf(alice, archive, derive('unused'))).toBe('alice/archive#1');
    expect(keys.keyOf(alice, mail, derive('alice/mail'))).toBe('alice/mail#2');
    // Another caller object with the same fields: its own derivation (keys are per object).
    expect(keys.keyOf(caller('alice'), archive, derive('alice2/archive'))).toBe('alice2/archive#3');
    // A handler changed the auth info: the old key is never reused for the new identity.
    alice.subject = 'mallory';
    expect(keys.keyOf(alice, archive, derive('mallory/archive'))).toBe('mallory/archive#4');
    alice.token = 'another-token';
    expect(keys.keyOf(alice, archive, derive('token2/archive'))).toBe('token2/archive#5');
    expect(derived).toBe(5);
  });

  it('authInfoOf finds the caller in auth info, a request or an MCP extra', () => {
    const alice = caller('alice');
    expect(authInfoOf(alice)).toBe(alice);
    expect(authInfoOf({ auth: alice })).toBe(alice);
    expect(authInfoOf({ authInfo: alice })).toBe(alice);
    expect(authInfoOf({ authInfo: { token: '' } })).toBeUndefined();
  });
});
