import type { AuthorizationServerMetadata } from './authorization-server-metadata.js';

/**
 * What MCP clients will need from an authorization server that its metadata does not offer (R30). The server
 * still works as a token issuer for this resource server, so these are warnings, not errors: each is a full
 * sentence naming the issuer and what to do.
 *
 * - `code_challenge_methods_supported` missing or without `S256`: MCP 2025-11-25 clients refuse to proceed.
 * - no registration path (`registration_endpoint`, or `client_id_metadata_document_supported: true`): clients
 *   need a pre-registered `client_id`.
 * - no `authorization_endpoint` or `token_endpoint`: clients cannot run the authorization code flow.
 */
export function metadataWarnings(metadata: AuthorizationServerMetadata): string[] {
  const issuer = JSON.stringify(metadata.issuer);
  const warnings: string[] = [];
  const methods = metadata.code_challenge_methods_supported;
  if (!Array.isArray(methods)) {
    warnings.push(
      `Authorization server ${issuer} does not advertise code_challenge_methods_supported; MCP 2025-11-25 ` +
        `clients refuse to authorize without PKCE S256 in it (clients read the provider's own document, so a ` +
        `transpile hook here cannot fix that for them). Enable and advertise PKCE S256 at the provider if it can; ` +
        `otherwise only clients that tolerate the missing field (the MCP TypeScript SDK 1.32 does) will connect.`,
    );
  } else if (!methods.includes('S256')) {
    warnings.push(
      `Authorization server ${issuer} lists code_challenge_methods_supported without S256 ` +
        `(${JSON.stringify(methods)}); MCP 2025-11-25 clients refuse to authorize. Enable PKCE with S256 at ` +
        `the provider.`,
    );
  }
  if (metadata.registration_endpoint == null && metadata.client_id_metadata_document_supported !== true) {
    warnings.push(
      `Authorization server ${issuer} offers neither dynamic client registration (registration_endpoint) nor ` +
        `client ID metadata documents (client_id_metadata_document_supported); MCP clients will need a ` +
        `pre-registered client_id. Enable one of them at the provider, or register a client for your users.`,
    );
  }
  const missingEndpoints = (['authorization_endpoint', 'token_endpoint'] as const).filter(
    (field) => metadata[field] == null,
  );
  if (missingEndpoints.length > 0) {
    warnings.push(
      `Authorization server ${issuer} does not advertise ${missingEndpoints.join(' or ')}; MCP clients cannot ` +
        `run the authorization code flow with it. Check the issuer and its metadata.`,
    );
  }
  return warnings;
}
