import { invalidUse, type LocalIssuerAlgorithm } from './signing-keys.js';

/** What the default discovery document is made of. */
export interface DiscoveryDocumentInput {
  issuer: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** The issuer path without a trailing slash. */
  base: string;
  jwksUri: string;
  algorithms: readonly LocalIssuerAlgorithm[];
}

/**
 * The document the local issuer serves: the default members (see `LocalIssuer.metadata`), then the `metadata`
 * option applied to a copy of them. Frozen.
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` when `adjust` does not return an object.
 */
export function discoveryDocument(
  input: DiscoveryDocumentInput,
  adjust?: (document: Record<string, unknown>) => Record<string, unknown>,
): Readonly<Record<string, unknown>> {
  const { issuer, origin, base } = input;
  const defaults: Record<string, unknown> = {
    issuer,
    authorization_endpoint: `${origin}${base}/authorize`,
    token_endpoint: `${origin}${base}/token`,
    registration_endpoint: `${origin}${base}/register`,
    jwks_uri: input.jwksUri,
    scopes_supported: ['openid'],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(input.algorithms)],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
  };
  const adjusted = adjust ? adjust(structuredClone(defaults)) : defaults;
  if (typeof adjusted !== 'object' || adjusted === null || Array.isArray(adjusted)) {
    throw invalidUse('metadata', 'The metadata option must return an object.');
  }
  return Object.freeze({ ...adjusted });
}
