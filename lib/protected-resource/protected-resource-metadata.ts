import type { ResolvedResource } from '../core/resolved-resource.js';

/** RFC 9728 §2 protected resource metadata, as this module publishes it. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
}

/**
 * The metadata document of a resource (RFC 9728 §2): `resource` verbatim (RFC 9728 §3.3), every trusted issuer,
 * and optional fields only when they have a value — never `[]` or `null`. Tokens are accepted in the header only
 * (RFC 6750 §2.1), which
 * `bearer_methods_supported` says.
 */
export function buildProtectedResourceMetadata(resource: ResolvedResource): ProtectedResourceMetadata {
  const doc: ProtectedResourceMetadata = {
    resource: resource.id,
    authorization_servers: [...resource.issuers],
    bearer_methods_supported: ['header'],
  };
  if (resource.scopesSupported?.length) doc.scopes_supported = [...resource.scopesSupported];
  if (resource.resourceName) doc.resource_name = resource.resourceName;
  if (resource.resourceDocumentation) doc.resource_documentation = resource.resourceDocumentation;
  return doc;
}
