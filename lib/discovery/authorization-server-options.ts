import type { AuthorizationServerType } from './authorization-server-metadata.js';

/** A hook that fixes a provider's quirks in its raw metadata document before validation. */
export type MetadataTranspiler = (raw: Record<string, unknown>) => Record<string, unknown>;

/** An authorization server found by discovery. */
export interface AuthorizationServerOptions {
  /** The issuer identifier, exactly as the provider writes it in `iss` and in its metadata (R29). */
  issuer: string;
  /**
   * `'oidc'`: `{issuer}/.well-known/openid-configuration` (R27), then, for an issuer with a path, the insertion
   * form `https://host/.well-known/openid-configuration{/issuer-path}`. `'oauth'`: RFC 8414
   * `https://host/.well-known/oauth-authorization-server{/issuer-path}` (R26). Omitted: probe in the MCP
   * 2025-11-25 client order — OAuth insertion, OIDC insertion, OIDC append (R28).
   */
  type?: AuthorizationServerType;
  /** Fetch the metadata from this URL instead of deriving one from the issuer. */
  wellKnownUrl?: string;
  /** Fix provider quirks in the raw document before it is validated. */
  transpile?: MetadataTranspiler;
}
