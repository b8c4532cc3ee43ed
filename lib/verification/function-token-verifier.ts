import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { McpAuthError } from '../core/mcp-auth.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { assertAudience, assertTokenTimes, assertTrustedIssuer } from './claim-rules.js';
import type { TokenVerifier } from './token-verifier.js';

/** What a user's verify function or `TokenVerifier` answers: auth info, `token` and `resource` optional. */
export type CustomVerification = Omit<McpAuthInfo, 'token' | 'resource'> & { token?: string; resource?: URL };

/**
 * Wraps the user's verification — a `verify` function or a `TokenVerifier` given as `verify: { verifier }` (opaque
 * tokens, special checks). The module still applies the claim rules of `claim-rules.ts` to its result: `issuer`
 * must be one of the resource's authorization servers, the audience rule, and the time rules — `expiresAt` is the
 * token's `exp` (optional, as for introspection: `undefined` means the verifier vouches for the token's lifetime,
 * any other value must be a NumericDate in the future), `claims.nbf` and `claims.iat` are honoured when present. An
 * error that is not an `McpAuthError` becomes 401 `invalid_token` (fail closed).
 */
export class FunctionTokenVerifier implements TokenVerifier {
  constructor(
    private readonly fn: (
      token: string,
      resource: ResolvedResource,
    ) => CustomVerification | Promise<CustomVerification>,
    private readonly options: ResolvedMcpAuthOptions,
  ) {}

  async verify(token: string, resource: ResolvedResource): Promise<McpAuthInfo> {
    let result: CustomVerification;
    try {
      result = await this.fn(token, resource);
    } catch (error) {
      if (error instanceof McpAuthError) throw error;
      throw new McpAuthError('ERR_TOKEN_INVALID', 'The token was rejected by the verifier', { cause: error });
    }
    if (!result || typeof result !== 'object') {
      throw new McpAuthError('ERR_TOKEN_INVALID', 'The token was rejected by the verifier');
    }
    assertTrustedIssuer(result.issuer, resource.issuers);
    const claims: Record<string, unknown> =
      result.claims && typeof result.claims === 'object' ? result.claims : {};
    const now = Date.now() / 1000;
    assertTokenTimes(result.expiresAt, claims.nbf, claims.iat, now, this.options.clockTolerance, 'optional');
    const audience = Array.isArray(result.audience) ? result.audience : [];
    assertAudience(audience, resource);
    return {
      ...result,
      token,
      clientId: result.clientId ?? '',
      scopes: Array.isArray(result.scopes) ? [...new Set(result.scopes)] : [],
      resource: resource.url,
      audience,
      claims,
    };
  }
}
