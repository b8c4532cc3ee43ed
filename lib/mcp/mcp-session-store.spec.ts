import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { sessionOwner } from './mcp-session-store.js';

const caller = (issuer: string, subject: string | undefined, clientId: string) =>
  ({ issuer, subject, clientId, scopes: [], token: 't', audience: [], claims: {} }) as McpAuthInfo;

describe('sessionOwner', () => {
  it('tells apart callers that differ in issuer, subject or client only', () => {
    const owners = [
      caller('https://a', 'alice', 'app'),
      caller('https://b', 'alice', 'app'),
      caller('https://a', 'alice', 'alice'), // client credentials: sub = client id
      caller('https://a', undefined, 'alice'),
      caller('https://a', 'bob', 'app'),
      caller('https://a\nalice', 'app', ''), // no separator ambiguity
      caller('https://a', 'alice\napp', ''),
    ].map(sessionOwner);
    expect(new Set(owners).size).toBe(owners.length);
    expect(sessionOwner(caller('https://a', 'alice', 'app'))).toBe(owners[0]);
  });

  it('gives no owner to a caller with neither subject nor client id, and "" to no caller (auth: false)', () => {
    expect(sessionOwner(caller('https://a', undefined, ''))).toBeUndefined();
    expect(sessionOwner(caller('https://a', '', ''))).toBeUndefined();
    expect(sessionOwner(undefined)).toBe('');
  });
});
