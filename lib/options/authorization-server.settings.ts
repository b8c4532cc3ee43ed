import { IsIn } from 'class-validator';
import type {
  AuthorizationServerMetadata,
  AuthorizationServerType,
} from '../discovery/authorization-server-metadata.js';
import type { MetadataTranspiler } from '../discovery/authorization-server-options.js';
import { identifierProblem } from '../core/url-rules.js';
import { Is, Optional } from './option-tree.js';
import { IsEndpointUrl, IsFunction, IsIdentifier } from './option-rules.js';

const TYPES: readonly AuthorizationServerType[] = ['oidc', 'oauth'];

/** An authorization server found by discovery. */
export class AuthorizationServerSettings {
  /** The issuer identifier, exactly as the provider writes it in `iss` and in its metadata (RFC 8414 §3.3). */
  @IsIdentifier()
  issuer: string;

  /**
   * `'oidc'`: `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4), then, for an issuer
   * with a path, the insertion form `https://host/.well-known/openid-configuration{/issuer-path}`. `'oauth'`:
   * RFC 8414 §3.1 `https://host/.well-known/oauth-authorization-server{/issuer-path}`. Omitted: probe in the MCP
   * 2025-11-25 client order — OAuth insertion, OIDC insertion, OIDC append.
   */
  @Optional()
  @IsIn(TYPES, { message: "must be 'oidc' or 'oauth'" })
  type?: AuthorizationServerType;

  /** Fetch the metadata from this URL (`https:`, plain `http:` on loopback) instead of deriving one from the issuer. */
  @Optional()
  @IsEndpointUrl()
  wellKnownUrl?: string;

  /** Fix provider quirks in the raw document before it is validated. */
  @Optional()
  @IsFunction()
  transpile?: MetadataTranspiler;
}

/**
 * An authorization server given by its metadata — `fetchServerConfig`'s result, or a literal `{ metadata }`: no
 * network at all. The document is validated at boot like a fetched one.
 */
export class InlineAuthorizationServerSettings {
  /** The convention the metadata came from, as the registry reports it. Omitted: `'oauth'`. */
  @Optional()
  @IsIn(TYPES, { message: "must be 'oidc' or 'oauth'" })
  type?: AuthorizationServerType;

  /** The metadata document (RFC 8414 §2); its `issuer` identifies the server. */
  @Is(
    'metadata',
    (value) => identifierProblem((value as { issuer?: unknown } | null)?.issuer) === undefined,
    (value) =>
      typeof value === 'object' && value !== null
        ? `issuer ${identifierProblem((value as { issuer?: unknown }).issuer)}`
        : 'must be a metadata document (an object with an issuer)',
  )
  metadata: AuthorizationServerMetadata;
}

/**
 * An authorization server option: an issuer URL (discovered, type probed), discovery options, or resolved
 * metadata.
 */
export type AuthorizationServerForm =
  string | AuthorizationServerSettings | InlineAuthorizationServerSettings;

/** The option class of an authorization server given as an object. */
export const authorizationServerClass = (plain: object) =>
  'metadata' in plain ? InlineAuthorizationServerSettings : AuthorizationServerSettings;

/** Why a value that is not an object is not an authorization server. */
export const authorizationServerShorthand = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? identifierProblem(value)
    : 'must be an issuer URL, { issuer, type?, wellKnownUrl?, transpile? } or { type?, metadata }';
