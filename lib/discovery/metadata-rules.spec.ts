import { evaluateMetadataRules, METADATA_RULES, metadataProblems } from './metadata-rules.js';

const ISSUER = 'https://as.example/tenant';

function document(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    registration_endpoint: `${ISSUER}/register`,
    code_challenge_methods_supported: ['S256'],
    ...overrides,
  };
}

const broken = (overrides: Record<string, unknown>) =>
  metadataProblems(document(overrides)).map(({ severity, rule }) => `${severity} ${rule}`);

describe('metadata rules (R30): one table, one severity per rule', () => {
  it('every rule has a unique id, a title, what it checks, a severity and a fix', () => {
    expect(new Set(METADATA_RULES.map((r) => r.id)).size).toBe(METADATA_RULES.length);
    for (const rule of METADATA_RULES) {
      expect(rule.title && rule.checks && rule.fix).toBeTruthy();
      expect(['error', 'warning', 'info']).toContain(rule.severity);
    }
  });

  it('R30: nothing is broken in a complete document; CIMD counts as a registration path', () => {
    expect(broken({})).toEqual([]);
    expect(broken({ registration_endpoint: undefined, client_id_metadata_document_supported: true })).toEqual(
      [],
    );
    expect(evaluateMetadataRules(document()).every((f) => f.passed)).toBe(true);
  });

  it('R30: code_challenge_methods_supported missing → warning; listed without S256 → error', () => {
    expect(broken({ code_challenge_methods_supported: undefined })).toEqual(['warning pkce-advertised']);
    expect(broken({ code_challenge_methods_supported: ['plain'] })).toEqual(['error pkce-s256']);
    const [missing] = metadataProblems(document({ code_challenge_methods_supported: undefined }));
    expect(missing.message).toContain(`"${ISSUER}"`);
    expect(missing.message).toContain('code_challenge_methods_supported');
    expect(missing.message).toContain('S256');
    expect(metadataProblems(document({ code_challenge_methods_supported: ['plain'] }))[0].message).toContain(
      'without S256',
    );
  });

  it('R30: no registration path → warning naming the issuer and the pre-registered client_id', () => {
    expect(broken({ registration_endpoint: undefined })).toEqual(['warning client-registration']);
    const [problem] = metadataProblems(document({ registration_endpoint: undefined }));
    expect(problem.message).toContain(`"${ISSUER}"`);
    expect(problem.message).toContain('pre-registered client_id');
  });

  it('R30: a missing authorization or token endpoint → error', () => {
    expect(broken({ authorization_endpoint: undefined })).toEqual(['error authorization-code-endpoints']);
    const [problem] = metadataProblems(document({ token_endpoint: 3 }));
    expect(problem.message).toContain('token_endpoint is missing');
  });
});
