import type {
  AuthorizationServerMetadata,
  AuthorizationServerType,
} from './authorization-server-metadata.js';
import type { MetadataTranspiler } from './authorization-server-options.js';

/**
 * One authorization server as the module hands it to `AuthorizationServerRegistry`: normalized from the
 * `authorizationServers` options (a string, discovery options, or resolved metadata).
 */
export interface AuthorizationServerSource {
  /** The issuer identifier: the registry's key, compared byte for byte (RFC 8414 §3.3). */
  issuer: string;
  /** Discovery convention (see `discoveryUrls`); for inline `metadata`, the type reported (default `'oauth'`). */
  type?: AuthorizationServerType;
  /** Fetch the metadata from this URL instead of deriving it from the issuer. */
  wellKnownUrl?: string;
  /** Fixes provider quirks in a fetched document before validation (not applied to inline `metadata`). */
  transpile?: MetadataTranspiler;
  /** Inline metadata: validated, never fetched. */
  metadata?: AuthorizationServerMetadata;
  /** The option path of this server, for messages (`authorizationServers[0]`). */
  option: string;
}
