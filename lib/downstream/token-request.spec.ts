import { SignJWT } from 'jose';
import type { DownstreamTargetOptions } from '../options/mcp-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { resolveDownstreamOptions } from './resolve-downstream-options.js';
import { parseTokenAnswer, tokenRequestForm } from './token-request.js';

const ISSUER = 'https://idp.example.com';
const resolve = (targets: Record<string, DownstreamTargetOptions>) => {
  const client = { clientId: 'mcp', clientSecret: 's3cret-value' };
  const downstream = { client, targets };
  const options = resolveOptions({
    resource: 'https://mcp.example.com',
    authorizationServers: [ISSUER],
    downstream,
  });
  return resolveDownstreamOptions(options, [ISSUER]).targets;
};

describe('tokenRequestForm', () => {
  it('R42: RFC 8693 §2.1 token exchange: exactly the standard parameters, every resource and audience', () => {
    const target = resolve({
      api: {
        resource: ['https://api.example.com/', 'https://api2.example.com/'],
        audience: 'billing',
        scopes: ['a', 'b'],
      },
    }).get('api')!;
    expect([...tokenRequestForm(target, 'caller-token')]).toEqual([
      ['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      ['subject_token', 'caller-token'],
      ['subject_token_type', 'urn:ietf:params:oauth:token-type:access_token'],
      ['resource', 'https://api.example.com/'],
      ['resource', 'https://api2.example.com/'],
      ['audience', 'billing'],
      ['scope', 'a b'],
      ['requested_token_type', 'urn:ietf:params:oauth:token-type:access_token'],
    ]);
  });

  it('R42: a subject_token_type of the provider’s own (Auth0 custom token exchange)', () => {
    const target = resolve({
      api: { audience: 'https://api', subjectTokenType: 'urn:example:mcp-access-token' },
    }).get('api')!;
    expect(tokenRequestForm(target, 't').get('subject_token_type')).toBe('urn:example:mcp-access-token');
  });

  it('R42: Entra ID on-behalf-of: jwt-bearer assertion, requested_token_use=on_behalf_of, scope', () => {
    const target = resolve({ graph: { grant: 'on-behalf-of', scopes: ['api://archive/.default'] } }).get(
      'graph',
    )!;
    expect([...tokenRequestForm(target, 'caller-token')]).toEqual([
      ['grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      ['assertion', 'caller-token'],
      ['requested_token_use', 'on_behalf_of'],
      ['scope', 'api://archive/.default'],
    ]);
  });

  it('R24: client credentials carry no caller token at all', () => {
    const target = resolve({
      svc: { grant: 'client-credentials', audience: 'https://api', scopes: ['x'] },
    }).get('svc')!;
    expect([...tokenRequestForm(target, undefined)]).toEqual([
      ['grant_type', 'client_credentials'],
      ['audience', 'https://api'],
      ['scope', 'x'],
    ]);
  });
});

describe('parseTokenAnswer', () => {
  const target = resolve({ api: { resource: 'https://api.example.com/', scopes: ['read'] } }).get('api')!;
  const now = 1_800_000_000;
  const context = {
    target,
    endpoint: `${ISSUER}/token`,
    secrets: ['caller-token', 's3cret-value'],
    subjectToken: 'caller-token',
    retryAfter: 5,
    now,
  };
  const ok = (body: object, status = 200) => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(body),
  });

  it('expires at the earlier of expires_in and the JWT access token’s own exp', async () => {
    const jwt = await new SignJWT({ exp: now + 100 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32));
    const token = parseTokenAnswer(
      ok({ access_token: jwt, token_type: 'bearer', expires_in: 3600 }),
      context,
    );
    expect(token).toMatchObject({ tokenType: 'Bearer', expiresAt: now + 100, scopes: ['read'] });
    expect(
      parseTokenAnswer(
        ok({ access_token: 'opaque', token_type: 'Bearer', expires_in: '60', scope: 'x y' }),
        context,
      ),
    ).toMatchObject({
      expiresAt: now + 60,
      scopes: ['x', 'y'],
    });
    expect(
      parseTokenAnswer(ok({ access_token: 'opaque', token_type: 'Bearer' }), context).expiresAt,
    ).toBeUndefined();
  });

  it('R24: the provider handing back the caller’s own token is refused', () => {
    expect(() =>
      parseTokenAnswer(ok({ access_token: 'caller-token', token_type: 'Bearer' }), context),
    ).toThrow(expect.objectContaining({ code: 'provider_invalid_response' }));
  });

  it('R25: a provider description quoting a token or the secret is redacted', () => {
    const answer = ok(
      { error: 'invalid_grant', error_description: 'bad caller-token for s3cret-value' },
      400,
    );
    let message = '';
    try {
      parseTokenAnswer(answer, context);
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_grant', oauthError: 'invalid_grant' });
      message = (error as Error).message;
    }
    expect(message).toContain('bad [redacted] for [redacted]');
    expect(message).not.toMatch(/caller-token|s3cret-value/);
  });

  it.each([
    [{ access_token: 'x', token_type: 'Bearer', expires_in: -1 }, 'provider_invalid_response'],
    [{ access_token: 'x', token_type: 'DPoP' }, 'provider_invalid_response'],
    [{ access_token: '', token_type: 'Bearer' }, 'provider_invalid_response'],
  ])('refuses an unusable answer %j', (body, code) => {
    expect(() => parseTokenAnswer(ok(body), context)).toThrow(expect.objectContaining({ code }));
  });

  it('429 and 5xx are provider_unavailable with retryAfter', () => {
    for (const status of [429, 502]) {
      expect(() => parseTokenAnswer({ status, contentType: '', body: '' }, context)).toThrow(
        expect.objectContaining({ code: 'provider_unavailable', retryAfter: 5 }),
      );
    }
  });
});
