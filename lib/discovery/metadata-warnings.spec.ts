import type { AuthorizationServerMetadata } from './authorization-server-metadata.js';
import { metadataWarnings } from './metadata-warnings.js';

const ISSUER = 'https://as.example/tenant';

function document(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    registration_endpoint: `${ISSUER}/register`,
    code_challenge_methods_supported: ['S256'],
    ...overrides,
  };
}

describe('metadataWarnings', () => {
  const metadata = (overrides: Record<string, unknown> = {}) =>
    document(overrides) as AuthorizationServerMetadata;

  it('R30: no warning for a complete document', () => {
    expect(metadataWarnings(metadata())).toEqual([]);
    expect(
      metadataWarnings(
        metadata({ registration_endpoint: undefined, client_id_metadata_document_supported: true }),
      ),
    ).toEqual([]);
  });

  it('R30: warns when code_challenge_methods_supported is missing', () => {
    const [warning, ...rest] = metadataWarnings(metadata({ code_challenge_methods_supported: undefined }));
    expect(rest).toEqual([]);
    expect(warning).toContain(`"${ISSUER}"`);
    expect(warning).toContain('code_challenge_methods_supported');
    expect(warning).toContain('S256');
  });

  it('R30: warns when code_challenge_methods_supported lacks S256', () => {
    const [warning] = metadataWarnings(metadata({ code_challenge_methods_supported: ['plain'] }));
    expect(warning).toContain('without S256');
  });

  it('R30: warns when there is no registration path', () => {
    const [warning] = metadataWarnings(
      metadata({ registration_endpoint: undefined, client_id_metadata_document_supported: false }),
    );
    expect(warning).toContain(`"${ISSUER}"`);
    expect(warning).toContain('pre-registered client_id');
  });

  it('warns when the authorization code flow endpoints are missing', () => {
    const [warning] = metadataWarnings(metadata({ authorization_endpoint: undefined }));
    expect(warning).toContain('authorization_endpoint');
  });
});
