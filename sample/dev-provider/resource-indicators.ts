import type { Configuration, ResourceServer as ResourceServerInfo } from 'oidc-provider';
import type { OidcProviderModule } from './load-oidc-provider.js';
import type { TestResource } from './settings.js';

/** Seconds an access token lives unless its resource says otherwise. */
export const ACCESS_TOKEN_TTL = 3600;

/** What oidc-provider needs to know about a resource (RFC 8707 indicator): the token's audience, scopes and format. */
export type ResourceServerLookup = (indicator: string) => Promise<ResourceServerInfo>;

/**
 * The resource server behind an indicator: `aud` = the indicator, its scopes, JWT (with its algorithm) or opaque,
 * its lifetime. An unknown indicator is `invalid_target`.
 */
export function resourceServerLookup(
  resources: ReadonlyMap<string, TestResource>,
  errors: OidcProviderModule['errors'],
): ResourceServerLookup {
  return async (indicator) => {
    const resource = resources.get(indicator);
    if (!resource) throw new errors.InvalidTarget();
    const format = resource.accessTokenFormat ?? 'jwt';
    return {
      scope: resource.scopes.join(' '),
      audience: indicator,
      accessTokenTTL: resource.accessTokenTTL ?? ACCESS_TOKEN_TTL,
      accessTokenFormat: format,
      ...(format === 'jwt' ? { jwt: { sign: { alg: resource.alg ?? 'RS256' } } } : {}),
    };
  };
}

/**
 * oidc-provider's `resourceIndicators` feature: a request naming no resource gets the only one there is (or one of
 * those the client asked for at authorization); the granted resource is used at the token endpoint.
 */
export function resourceIndicatorsFeature(
  resourceIds: readonly string[],
  lookup: ResourceServerLookup,
): NonNullable<Configuration['features']>['resourceIndicators'] {
  return {
    enabled: true,
    defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: readonly string[]) => {
      if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
      return resourceIds.length === 1 ? resourceIds[0] : undefined;
    },
    useGrantedResource: async () => true,
    getResourceServerInfo: async (_ctx: unknown, indicator: string) => lookup(indicator),
  };
}
