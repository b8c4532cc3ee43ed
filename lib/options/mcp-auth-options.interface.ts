// The public option types, derived from the option classes (`*.settings.ts`), where each option is declared and
// documented once.
import type { MetadataTranspiler } from '../discovery/authorization-server-options.js';
import type { AuditSettings } from './audit.settings.js';
import type { AuthorizationServerSettings } from './authorization-server.settings.js';
import type { ClaimMappingSettings } from './claim-mapping.settings.js';
import type {
  DownstreamCacheSettings,
  DownstreamClientSettings,
  DownstreamSettings,
  DownstreamTargetSettings,
} from './downstream.settings.js';
import type { McpAuthSettings } from './mcp-auth.settings.js';
import type { OptionsInput } from './option-types.js';
import type { RefusalLimitSettings } from './refusal-limit.settings.js';
import type { ResourceSettings } from './resource.settings.js';
import type { IntrospectionSettings } from './verify.settings.js';

export type { MetadataTranspiler };
export type { TokenVerifyContext, TokenVerifyFunction } from './verify.settings.js';
export type { DownstreamTokenStore } from './downstream.settings.js';

/** Options of `McpAuthModule.forRoot` / `forRootAsync` (see `McpAuthSettings` for each option). */
export type McpAuthModuleOptions = OptionsInput<McpAuthSettings>;

/** One protected resource (an MCP server, or any group of routes) served by this app. */
export type ResourceOptions = OptionsInput<ResourceSettings>;

/** An authorization server found by discovery. */
export type AuthorizationServerOptions = OptionsInput<AuthorizationServerSettings>;

/**
 * An authorization server: an issuer URL (discovered, type probed), discovery options, or resolved metadata
 * (what `fetchServerConfig` returns, or a literal `{ metadata }` — no network at all).
 */
export type AuthorizationServerInput = Exclude<
  NonNullable<McpAuthModuleOptions['authorizationServers']>,
  readonly unknown[]
>;

/** How a provider's claims become `McpAuthInfo` (the provider profile layer). */
export type ClaimMappingOptions = OptionsInput<ClaimMappingSettings>;

/** Opaque access tokens, verified by RFC 7662 token introspection. */
export type IntrospectionOptions = OptionsInput<IntrospectionSettings>;

/** `downstream`: calling other APIs as the caller, without forwarding the caller's token. */
export type DownstreamOptions = OptionsInput<DownstreamSettings>;

/** This server's own client at the authorization server (`downstream.client`, or a target's `client`). */
export type DownstreamClientOptions = OptionsInput<DownstreamClientSettings>;

/** One downstream API and how a token for it is obtained (an entry of `downstream.targets`). */
export type DownstreamTargetOptions = OptionsInput<DownstreamTargetSettings>;

/** The cache of downstream tokens (`downstream.cache`). */
export type DownstreamCacheOptions = OptionsInput<DownstreamCacheSettings>;

/** The audit trail (the `audit` option). */
export type AuditOptions = OptionsInput<AuditSettings>;

/** Refused-token floods limited per client address (the `refusalLimit` option). */
export type RefusalLimitOptions = OptionsInput<RefusalLimitSettings>;
