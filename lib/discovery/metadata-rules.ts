/**
 * What MCP clients need from an authorization server's metadata (MCP 2025-11-25 "Authorization"), as one
 * table: the registry logs the rules a resolved document breaks at boot, `nest-mcp-auth doctor` prints every rule.
 * One severity per rule, read by both:
 *
 * - `error` — MCP clients cannot authorize with this server. The doctor fails (✗). The module logs an error but
 *   still starts: it verifies the tokens the server issues to clients that got them otherwise (client credentials,
 *   a pre-configured token), and a resource server does not need these fields itself;
 * - `warning` — some clients will fail or need manual setup: the doctor warns (⚠), the module logs a warning;
 * - `info` — worth knowing: the doctor prints it with ✓, the module logs it at `log` level.
 *
 * What the module itself needs (`jwks_uri`, `introspection_endpoint`, well-formed fields, the issuer echo) is
 * validated by `validateServerMetadata` and fails the boot; it is not in this table.
 */

/** How much a broken rule matters (see the module's documentation above). */
export type MetadataRuleSeverity = 'error' | 'warning' | 'info';

/** What a rule found in one document: satisfied or not, and what exactly. */
export interface MetadataRuleResult {
  readonly passed: boolean;
  /** What was found, e.g. `code_challenge_methods_supported: S256`. */
  readonly detail: string;
}

/** One rule of {@link METADATA_RULES}. */
export interface MetadataRule {
  /** Stable identifier, e.g. `pkce-s256`. */
  readonly id: string;
  /** The doctor's line; rules sharing a title are one line: the first broken one, else ✓ with the first detail. */
  readonly title: string;
  /** What the rule checks. */
  readonly checks: string;
  readonly severity: MetadataRuleSeverity;
  /** What to do when the rule is broken. */
  readonly fix: string;
  /** The result for `document` (fetched, possibly invalid), or `undefined` when the rule does not apply. */
  evaluate(document: Readonly<Record<string, unknown>>): MetadataRuleResult | undefined;
}

const AUTHORIZATION_CODE_ENDPOINTS = ['authorization_endpoint', 'token_endpoint'] as const;

/** The rules, in the doctor's order. Severities are read at each evaluation (tests may change one). */
export const METADATA_RULES: readonly MetadataRule[] = [
  {
    id: 'authorization-code-endpoints',
    title: 'Authorization code flow',
    checks: 'authorization_endpoint and token_endpoint are advertised',
    severity: 'error',
    fix:
      'Check the issuer: MCP clients read these endpoints from the provider’s own metadata, so the provider must ' +
      'advertise them (a transpile hook changes only this module’s view).',
    evaluate(document) {
      const missing = AUTHORIZATION_CODE_ENDPOINTS.filter((field) => typeof document[field] !== 'string');
      return missing.length === 0
        ? { passed: true, detail: 'authorization_endpoint and token_endpoint are advertised' }
        : {
            passed: false,
            detail: `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing: MCP clients cannot obtain tokens`,
          };
    },
  },
  {
    id: 'pkce-advertised',
    title: 'PKCE S256',
    checks: 'code_challenge_methods_supported is advertised',
    severity: 'warning',
    fix:
      'Enable and advertise PKCE S256 at the provider. A transpile hook adding the field silences this for the ' +
      'module only: clients read the provider’s own document (the MCP TypeScript SDK 1.32 tolerates the missing ' +
      'field; clients that follow 2025-11-25 strictly refuse).',
    evaluate(document) {
      const methods = document.code_challenge_methods_supported;
      return Array.isArray(methods)
        ? { passed: true, detail: `code_challenge_methods_supported: ${methods.join(', ')}` }
        : {
            passed: false,
            detail:
              'code_challenge_methods_supported is not advertised: MCP 2025-11-25 clients refuse to proceed; some ' +
              'providers (Entra ID) support S256 without advertising it',
          };
    },
  },
  {
    id: 'pkce-s256',
    title: 'PKCE S256',
    checks: 'code_challenge_methods_supported, when advertised, lists S256',
    severity: 'error',
    fix: 'Enable PKCE with the S256 method at the provider.',
    evaluate(document) {
      const methods = document.code_challenge_methods_supported;
      if (!Array.isArray(methods)) return undefined;
      return methods.includes('S256')
        ? { passed: true, detail: `code_challenge_methods_supported: ${methods.join(', ')}` }
        : {
            passed: false,
            detail: `code_challenge_methods_supported is ${JSON.stringify(methods)}, without S256: MCP clients refuse to proceed`,
          };
    },
  },
  {
    id: 'client-registration',
    title: 'Client registration',
    checks: 'registration_endpoint or client_id_metadata_document_supported: true',
    severity: 'warning',
    fix:
      'Enable Dynamic Client Registration or Client ID Metadata Documents at the provider, or register a client ' +
      'and give its client id (and redirect URIs) to your users: MCP clients will need a pre-registered client_id.',
    evaluate(document) {
      const ways: string[] = [];
      if (typeof document.registration_endpoint === 'string') {
        ways.push(`Dynamic Client Registration (${document.registration_endpoint})`);
      }
      if (document.client_id_metadata_document_supported === true) {
        ways.push('Client ID Metadata Documents (client_id_metadata_document_supported)');
      }
      return ways.length > 0
        ? { passed: true, detail: ways.join('; ') }
        : {
            passed: false,
            detail:
              'pre-registration only: no registration_endpoint, no client_id_metadata_document_supported — ' +
              'clients need a client id configured by hand',
          };
    },
  },
];

/** One applicable rule's result for a document. */
export interface MetadataFinding extends MetadataRuleResult {
  readonly rule: MetadataRule;
}

/** Every rule of {@link METADATA_RULES} that applies to `document`, with its result, in table order. */
export function evaluateMetadataRules(document: Readonly<Record<string, unknown>>): MetadataFinding[] {
  return METADATA_RULES.flatMap((rule) => {
    const result = rule.evaluate(document);
    return result === undefined ? [] : [{ rule, ...result }];
  });
}

/**
 * The rules `document` breaks, each as the sentence the module logs (naming the issuer, what was found and the
 * fix), with the rule's severity.
 */
export function metadataProblems(
  document: Readonly<Record<string, unknown>>,
): Array<{ severity: MetadataRuleSeverity; rule: string; message: string }> {
  const issuer = JSON.stringify(document.issuer);
  return evaluateMetadataRules(document)
    .filter((finding) => !finding.passed)
    .map(({ rule, detail }) => ({
      severity: rule.severity,
      rule: rule.id,
      message: `Authorization server ${issuer}: ${detail}. ${rule.fix}`,
    }));
}
