import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { McpAuthError } from '../core/mcp-auth.error.js';
import type { Resolved } from '../options/option-types.js';
import type { IntrospectionSettings } from '../options/verify.settings.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { providerFetch, ProviderFetchError } from '../discovery/provider-fetch.js';
import { assertAudience, assertTokenTimes, assertTrustedIssuer } from './claim-rules.js';
import type { ClaimMapper } from './claim-mapper.js';
import { metadataOf, type MetadataLookup } from './metadata-lookup.js';
import { providerUnavailable } from './provider-unavailable.js';
import { TokenCache } from './token-cache.js';
import { McpAuthTelemetry } from '../telemetry/mcp-auth-telemetry.js';
import type { TokenVerifier } from './token-verifier.js';

type Claims = Record<string, unknown>;

/**
 * Verifies opaque access tokens with RFC 7662 token introspection. `active: false` → 401 `invalid_token`; the claim
 * rules of `claim-rules.ts` apply to the response — the issuer (when the response names one, it must be the
 * introspecting server), the time rules (`exp` optional, RFC 7662 §2.2) and the audience rule (RFC 8707). A provider
 * that fails, times out, redirects (never followed: the request carries the token and the client credentials) or
 * answers garbage → 503 with `Retry-After`, never 401. Responses are cached by a SHA-256 of the token, never past
 * its `exp` nor `cacheTtl`, at most `cacheMaxEntries` of them.
 */
export class IntrospectionTokenVerifier implements TokenVerifier {
  private readonly cache: TokenCache<Claims>;
  private readonly ttl: number;
  private readonly timeout: number;
  private readonly authorization?: string;

  constructor(
    private readonly introspection: Resolved<IntrospectionSettings>,
    private readonly options: ResolvedMcpAuthOptions,
    private readonly metadata: MetadataLookup,
    private readonly mapper: ClaimMapper,
    private readonly telemetry = McpAuthTelemetry.disabled(),
  ) {
    this.ttl = introspection.cacheTtl;
    this.timeout = introspection.timeout;
    this.cache = new TokenCache(this.ttl > 0 ? introspection.cacheMaxEntries : 0);
    if (this.ttl > 0) telemetry.observeCache('introspection', undefined, this.cache);
    if (introspection.authMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: each part form-urlencoded before base64.
      const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
      const credentials = `${form(introspection.clientId)}:${form(introspection.clientSecret)}`;
      this.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
  }

  async verify(token: string, resource: ResolvedResource): Promise<McpAuthInfo> {
    const issuer = this.introspection.issuer ?? resource.issuers[0];
    const key = TokenCache.keyOf(token);
    const now = Date.now() / 1000;
    let claims = this.cache.get(key, now);
    if (!claims) {
      claims = await this.telemetry.introspection(issuer, () => this.introspect(token, issuer));
      const exp = typeof claims.exp === 'number' ? claims.exp : Infinity;
      this.cache.set(key, claims, Math.min(exp, now + this.ttl));
    }
    return this.check(token, claims, issuer, resource, now);
  }

  private check(
    token: string,
    claims: Claims,
    issuer: string,
    resource: ResolvedResource,
    now: number,
  ): McpAuthInfo {
    if (claims.active !== true) throw new McpAuthError('ERR_TOKEN_INVALID', 'The token is not active');
    if (claims.iss !== undefined) assertTrustedIssuer(claims.iss, issuer);
    assertTokenTimes(claims.exp, claims.nbf, claims.iat, now, this.options.clockTolerance, 'optional');
    assertAudience(this.mapper.audience(claims, resource.audienceClaim), resource);
    const info = this.mapper.toAuthInfo(token, claims, resource.url);
    return info.issuer ? info : { ...info, issuer };
  }

  private async introspect(token: string, issuer: string): Promise<Claims> {
    const endpoint = await this.endpointFor(issuer);
    const body = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (this.authorization) headers.authorization = this.authorization;
    else {
      body.set('client_id', this.introspection.clientId);
      body.set('client_secret', this.introspection.clientSecret);
    }
    let response: Response;
    try {
      response = await providerFetch(endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeout),
      });
    } catch (error) {
      const what =
        error instanceof ProviderFetchError && error.kind === 'redirect'
          ? 'the introspection endpoint redirected'
          : 'the introspection endpoint could not be reached';
      throw providerUnavailable(what, this.options.retryAfter, error);
    }
    if (!response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      throw providerUnavailable(
        `the introspection endpoint answered ${response.status}`,
        this.options.retryAfter,
        undefined,
      );
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (!json || typeof json !== 'object' || Array.isArray(json)) {
      throw providerUnavailable(
        'the introspection endpoint answered no JSON object',
        this.options.retryAfter,
        undefined,
      );
    }
    return json as Claims;
  }

  private async endpointFor(issuer: string): Promise<string> {
    if (this.introspection.endpoint) return this.introspection.endpoint;
    const metadata = await metadataOf(this.metadata, issuer, this.options.retryAfter);
    if (!metadata.introspection_endpoint) {
      throw providerUnavailable(
        'the issuer publishes no introspection_endpoint',
        this.options.retryAfter,
        undefined,
      );
    }
    return metadata.introspection_endpoint;
  }
}
