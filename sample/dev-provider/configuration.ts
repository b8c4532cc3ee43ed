import { randomBytes } from 'node:crypto';
import type { Client, Configuration, ErrorOut, Interaction, KoaContextWithOIDC } from 'oidc-provider';
import { preRegisteredClients } from './clients.js';
import { loginAndConsentPolicy } from './interaction.js';
import type { MemoryAdapterModule, OidcProviderModule } from './load-oidc-provider.js';
import { registrationScopePolicy } from './registration.js';
import {
  ACCESS_TOKEN_TTL,
  resourceIndicatorsFeature,
  type ResourceServerLookup,
} from './resource-indicators.js';
import type { ProviderSettings } from './settings.js';
import type { ProviderKey } from './signing-keys.js';
import { exchangeClaims } from './token-exchange.js';

/** What the configuration is made from. */
export interface ConfigurationParts {
  lib: OidcProviderModule;
  memory: MemoryAdapterModule;
  settings: ProviderSettings;
  keys: readonly ProviderKey[];
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  resourceServer: ResourceServerLookup;
}

/**
 * The oidc-provider configuration of the development provider: in-memory storage, authorization code + PKCE only,
 * JWT or opaque access tokens per RFC 8707 resource, client credentials, introspection, revocation and open
 * dynamic registration; errors as JSON.
 */
export function providerConfiguration(parts: ConfigurationParts): Configuration {
  const { lib, settings } = parts;
  return {
    adapter: parts.memory.createMemoryAdapter(),
    jwks: { keys: parts.keys.map((k) => k.privateJwk) },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: preRegisteredClients(settings.clients, parts.origin),
    scopes: [...settings.supportedScopes],
    responseTypes: ['code'],
    pkce: { required: () => true },
    // The token endpoint (and introspection, revocation) answer a browser only from an allowed origin.
    clientBasedCORS: (_ctx: unknown, origin: string) => settings.browserOrigins.has(origin),
    extraTokenClaims: async (_ctx: unknown, token: { gty?: string; clientId?: string }) =>
      exchangeClaims(token),
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    // Refresh tokens only for offline_access, as most hosted providers do. (Issuing them to every public web
    // client, oidc-provider's documented default, breaks step-up with the SDK 1.32 client: on a 403 it refreshes
    // instead of re-authorizing, gets the same scopes back and gives up.)
    issueRefreshToken: async (_ctx: unknown, client: Client, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    interactions: {
      policy: loginAndConsentPolicy(lib.interactionPolicy),
      url: (_ctx: unknown, interaction: Interaction) => `${settings.paths.interaction}${interaction.uid}`,
    },
    extraClientMetadata: registrationScopePolicy(settings.supportedScopes, lib.errors),
    features: features(settings, parts.resourceServer),
    ttl: {
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      ClientCredentials: ACCESS_TOKEN_TTL,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    renderError: async (ctx: KoaContextWithOIDC, out: ErrorOut) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

/** Introspection for any authenticated client (a public one: its own tokens), revocation of one's own tokens. */
function features(
  settings: ProviderSettings,
  resourceServer: ResourceServerLookup,
): Configuration['features'] {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      allowedPolicy: async (_ctx: unknown, client: Client, token: { clientId?: string }) =>
        client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
    },
    revocation: {
      enabled: true,
      allowedPolicy: async (_ctx: unknown, client: Client, token: { clientId?: string }) =>
        token.clientId === client.clientId,
    },
    registration: { enabled: true },
    resourceIndicators: resourceIndicatorsFeature([...settings.resources.keys()], resourceServer),
  };
}
