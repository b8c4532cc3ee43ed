import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import type { AuthorizationServerRegistry } from '../discovery/authorization-server-registry.js';
import { chooseAuthMethod } from './client-authentication.js';
import { failure } from './token-request.js';
import {
  CLIENT_AUTH_METHODS,
  DOWNSTREAM_GRANTS,
  GRANT_TYPE,
  type ClientAuthMethod,
  type DownstreamGrant,
} from '../core/oauth-grants.js';
import type { ResolvedDownstreamTarget } from './resolve-downstream-options.js';

/** Where and how a target's token is requested. */
export interface TokenEndpoint {
  endpoint: string;
  method: ClientAuthMethod;
}

/**
 * The token endpoint of `issuer` for `target` and the client authentication method: configured, or from the
 * provider's metadata (discovered now with lazy discovery; a discovery failure is `provider_unavailable`).
 *
 * @throws DownstreamTokenError `provider_unavailable`, or `provider_unsupported` (no token endpoint, no usable
 *   client authentication method).
 */
export async function tokenEndpointOf(
  target: ResolvedDownstreamTarget,
  issuer: string,
  registry: Pick<AuthorizationServerRegistry, 'peek' | 'get'>,
  retryAfter: number,
): Promise<TokenEndpoint> {
  const { tokenEndpoint, authMethod } = target.client;
  if (tokenEndpoint !== undefined && authMethod !== undefined)
    return { endpoint: tokenEndpoint, method: authMethod };
  let metadata = registry.peek(issuer);
  const where = { target, endpoint: `of ${issuer}`, retryAfter };
  if (metadata === undefined) {
    try {
      metadata = await registry.get(issuer);
    } catch (error) {
      throw failure(
        where,
        'provider_unavailable',
        'is unknown: the metadata could not be discovered',
        undefined,
        error,
      );
    }
  }
  const endpoint = tokenEndpoint ?? metadata.token_endpoint;
  if (endpoint === undefined)
    throw failure(where, 'provider_unsupported', 'is not published (no token_endpoint)');
  const method = chooseAuthMethod(target.client, metadata);
  if (method === undefined) {
    throw failure(
      { ...where, endpoint },
      'provider_unsupported',
      `supports none of the client's authentication methods (${listed(metadata)})`,
    );
  }
  return { endpoint, method };
}

/**
 * Checks `target` against the metadata of `issuer` at boot (when known): no token endpoint, or no usable client
 * authentication method, fails the boot; a grant missing from `grant_types_supported` is a warning (some
 * providers, Entra ID among them, do not list every grant they accept). Returns the warnings.
 */
export function checkDownstreamProvider(
  target: ResolvedDownstreamTarget,
  issuer: string,
  metadata: AuthorizationServerMetadata | undefined,
): string[] {
  if (metadata === undefined) return [];
  const option = target.client.option;
  if (target.client.tokenEndpoint === undefined && metadata.token_endpoint === undefined) {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `${target.option}: ${issuer} publishes no token_endpoint; set ${option}.tokenEndpoint`,
      { option: `${option}.tokenEndpoint` },
    );
  }
  if (chooseAuthMethod(target.client, metadata) === undefined) {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `${option}: ${issuer} supports none of this client's authentication methods (${listed(metadata)}); ` +
        `give it a ${target.client.privateKey === undefined ? 'privateKey (private_key_jwt)' : 'clientSecret'} or set authMethod`,
      { option: `${option}.authMethod` },
    );
  }
  const grants = metadata.grant_types_supported;
  if (Array.isArray(grants) && !grants.includes(GRANT_TYPE[target.grant])) {
    return [
      `${target.option}: ${issuer} does not list ${GRANT_TYPE[target.grant]} in grant_types_supported; ` +
        'token requests may be refused (enable the grant for this client at the provider)',
    ];
  }
  return [];
}

/** What a provider's metadata says about each downstream grant and each client authentication method (doctor). */
export function downstreamSupport(metadata: Record<string, unknown>): {
  grants: Array<{ grant: DownstreamGrant; grantType: string; listed: boolean | undefined }>;
  authMethods: Array<{ method: ClientAuthMethod; listed: boolean }>;
  tokenEndpoint?: string;
} {
  const grantTypes = Array.isArray(metadata.grant_types_supported)
    ? metadata.grant_types_supported
    : undefined;
  const methods = Array.isArray(metadata.token_endpoint_auth_methods_supported)
    ? metadata.token_endpoint_auth_methods_supported
    : ['client_secret_basic'];
  return {
    grants: DOWNSTREAM_GRANTS.map((grant) => ({
      grant,
      grantType: GRANT_TYPE[grant],
      listed: grantTypes === undefined ? undefined : grantTypes.includes(GRANT_TYPE[grant]),
    })),
    authMethods: CLIENT_AUTH_METHODS.map((method) => ({ method, listed: methods.includes(method) })),
    tokenEndpoint: typeof metadata.token_endpoint === 'string' ? metadata.token_endpoint : undefined,
  };
}

function listed(metadata: AuthorizationServerMetadata): string {
  const methods = metadata.token_endpoint_auth_methods_supported;
  return Array.isArray(methods)
    ? `it lists ${methods.join(', ')}`
    : 'it lists none: client_secret_basic only';
}
