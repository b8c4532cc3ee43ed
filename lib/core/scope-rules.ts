/**
 * Scopes that are never advertised in metadata nor named in a challenge: `offline_access` asks the authorization
 * server for a refresh token (OpenID Connect Core §11); it is not a permission of the resource.
 */
export const NEVER_ADVERTISED_SCOPES: ReadonlySet<string> = new Set(['offline_access']);
