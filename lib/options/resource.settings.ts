import { IsString, MinLength } from 'class-validator';
import { identifierProblem } from '../core/url-rules.js';
import {
  authorizationServerClass,
  authorizationServerShorthand,
  type AuthorizationServerForm,
} from './authorization-server.settings.js';
import { Is, Nested, Optional } from './option-tree.js';
import { IsIdentifier, IsPageUrl, IsStringList, NotEmptyList } from './option-rules.js';

const isAudience = (value: unknown) =>
  value === false ||
  (typeof value === 'string' && value.length > 0) ||
  (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0));

/**
 * The options of a protected resource that can also be set on the module, where they are the default of every
 * resource (a resource's own value wins).
 */
export class ResourceDefaults {
  /**
   * The authorization servers whose tokens are accepted (RFC 9728 §2 `authorization_servers`): at least one, on
   * the module or on each resource. Each is an issuer URL (discovered, convention probed), discovery options
   * (`{ issuer, type, wellKnownUrl, transpile }`), or resolved metadata (`fetchServerConfig`'s result, or a
   * literal `{ metadata }`: no network at all).
   */
  @Optional()
  @NotEmptyList('must name at least one authorization server')
  @Nested({ type: authorizationServerClass, shorthand: authorizationServerShorthand, list: true })
  authorizationServers?: AuthorizationServerForm | AuthorizationServerForm[];

  /**
   * Accepted `aud` values. Default: the resource identifier (RFC 8707; a MUST since MCP 2025-06-18). `false` turns
   * the audience check off — only for providers that cannot put the resource in `aud`, and only on purpose.
   */
  @Optional()
  @Is(
    'audience',
    isAudience,
    'must be a non-empty string, a non-empty array of strings, or false (to turn the audience check off on purpose)',
  )
  audience?: string | string[] | false;

  /**
   * The claim the audience rule reads. Default `aud`. For providers that cannot put the resource in `aud` —
   * Amazon Cognito access tokens (`client_id`), Keycloak without an audience mapper (`azp`) — name the claim and
   * set `audience` to the value it must hold: explicit, never silently off.
   */
  @Optional()
  @IsString()
  @MinLength(1)
  audienceClaim?: string;

  /** Scopes advertised in `scopes_supported` of the protected resource metadata (never `offline_access`). */
  @Optional()
  @IsStringList()
  scopesSupported?: string[];

  /**
   * Scopes every 401 challenge names (RFC 6750 §3), besides those the operation itself needs: what clients ask
   * for on their first authorization — for an MCP server, the scopes a typical session starts with (e.g.
   * `read:todos`). Without them, a client sent to authorize by a request that needs no scope falls back to
   * `scopesSupported` (the SDK client does). Default: none.
   */
  @Optional()
  @IsStringList()
  defaultScopes?: string[];

  /** `resource_name` of the protected resource metadata (RFC 9728 §2). */
  @Optional()
  @IsString()
  resourceName?: string;

  /** `resource_documentation` of the protected resource metadata (RFC 9728 §2): a URL. */
  @Optional()
  @IsPageUrl()
  resourceDocumentation?: string;
}

/** One protected resource (an MCP server, or any group of routes) served by this app. */
export class ResourceSettings extends ResourceDefaults {
  /**
   * The resource identifier (RFC 8707 §2, RFC 9728 §1.2): an absolute `https:` (or loopback `http:`) URL without
   * fragment or query, e.g. `https://todo.example.com/mcp`. Used verbatim as `resource` in the metadata.
   */
  @IsIdentifier()
  resource: string;
}

/** A resource option: its identifier, or its options. */
export type ResourceForm = string | ResourceSettings;

/** Why a value that is not an object is not a resource. */
export const resourceShorthand = (value: unknown): string | undefined =>
  typeof value === 'string' ? identifierProblem(value) : 'must be a resource identifier or { resource, … }';
