import { validateServerMetadata } from './validate-server-metadata.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

const ISSUER = 'http://127.0.0.1:1234/tenant';
const URL_ = 'http://127.0.0.1:1234/.well-known/oauth-authorization-server/tenant';

function document(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    registration_endpoint: `${ISSUER}/register`,
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'read'],
    ...overrides,
  };
}

function failure(run: () => unknown): McpAuthConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof McpAuthConfigError) return error;
    throw error;
  }
  throw new Error('expected an McpAuthConfigError');
}

const options = {
  expectedIssuer: ISSUER,
  requireJwksUri: true,
  url: URL_,
  option: 'authorizationServers[0]',
};

describe('validateServerMetadata', () => {
  it('returns the document itself, with unknown members kept', () => {
    const doc = document({ 'x-vendor': { nested: true }, pushed_authorization_request_endpoint: 'x' });
    const metadata = validateServerMetadata(doc, options);
    expect(metadata).toBe(doc);
    expect(metadata['x-vendor']).toEqual({ nested: true });
  });

  it('accepts loopback http URLs and localhost without a TLD', () => {
    const doc = document({ issuer: 'http://localhost:3000', jwks_uri: 'http://localhost:3000/jwks' });
    expect(() => validateServerMetadata(doc, { requireJwksUri: true })).not.toThrow();
  });

  it('rejects a document without issuer, naming the option and the URL', () => {
    const error = failure(() => validateServerMetadata(document({ issuer: undefined }), options));
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.option).toBe('authorizationServers[0]');
    expect(error.url).toBe(URL_);
    expect(error.message).toContain('authorizationServers[0]');
    expect(error.message).toContain(URL_);
    expect(error.message).toContain('issuer is missing');
  });

  it('rejects an issuer with a query', () => {
    const error = failure(() =>
      validateServerMetadata(document({ issuer: `${ISSUER}?a=b` }), { requireJwksUri: false }),
    );
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.message).toContain('issuer must not have a query');
  });

  it('names every failing field', () => {
    const error = failure(() =>
      validateServerMetadata(
        document({
          token_endpoint: '/token',
          jwks_uri: 'ftp://h/jwks',
          scopes_supported: 'read write',
          grant_types_supported: ['authorization_code', 3],
          client_id_metadata_document_supported: 'yes',
        }),
        options,
      ),
    );
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.message).toContain('token_endpoint must be an absolute URL (got "/token")');
    expect(error.message).toContain(
      'jwks_uri must use https: (plain http: is accepted only on loopback hosts) (got "ftp://h/jwks")',
    );
    expect(error.message).toContain('scopes_supported must be an array of strings');
    expect(error.message).toContain('grant_types_supported must be an array of strings');
    expect(error.message).toContain('client_id_metadata_document_supported must be a boolean');
  });

  it('R29: rejects a document whose issuer differs from the configured issuer', () => {
    const error = failure(() =>
      validateServerMetadata(document({ issuer: 'https://evil.example' }), options),
    );
    expect(error.code).toBe('ERR_ISSUER_MISMATCH');
    expect(error.message).toContain('"https://evil.example"');
    expect(error.message).toContain(`"${ISSUER}"`);
    expect(error.message).toContain(URL_);
    expect(error.message).toContain('authorizationServers[0]');
  });

  it('R29: a trailing slash is a different issuer', () => {
    const error = failure(() => validateServerMetadata(document({ issuer: `${ISSUER}/` }), options));
    expect(error.code).toBe('ERR_ISSUER_MISMATCH');
    expect(error.message).toContain('only by a trailing slash');
  });

  it('R29: without an expected issuer, any valid issuer is accepted', () => {
    const doc = document({ issuer: 'https://other.example' });
    expect(validateServerMetadata(doc, { requireJwksUri: true }).issuer).toBe('https://other.example');
  });

  it('R30: rejects a document without jwks_uri when JWTs are verified', () => {
    const doc = document({ jwks_uri: undefined });
    const error = failure(() => validateServerMetadata(doc, options));
    expect(error.code).toBe('ERR_METADATA_INVALID');
    expect(error.message).toContain('jwks_uri is missing');
    expect(() => validateServerMetadata(doc, { ...options, requireJwksUri: false })).not.toThrow();
  });

  it('requires introspection_endpoint when asked to', () => {
    const error = failure(() =>
      validateServerMetadata(document(), { ...options, requireIntrospection: true }),
    );
    expect(error.message).toContain('introspection_endpoint is missing');
  });

  it('says "Inline metadata" when there is no URL', () => {
    const error = failure(() => validateServerMetadata(document({ issuer: 3 }), { requireJwksUri: false }));
    expect(error.message).toMatch(/^Inline metadata is not valid/);
    expect(error.message).toContain('issuer must be a string');
  });
});
