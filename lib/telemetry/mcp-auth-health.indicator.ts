import { Injectable } from '@nestjs/common';
import { ProviderHealth, type ProviderStatus } from './provider-health.js';

/**
 * A `@nestjs/terminus` health indicator result: `status` and, per authorization server, its status (see
 * {@link ProviderStatus}).
 */
export type McpAuthHealthResult<Key extends string> = Record<
  Key,
  { status: 'up' | 'down'; issuers: Record<string, ProviderStatus> }
>;

/**
 * Health of the authorization servers as this app last saw them, for `@nestjs/terminus` (an optional peer; this
 * class does not import it): `down` while the last attempt at an issuer's metadata, key set or introspection
 * endpoint failed, `up` again once one succeeds. Per issuer it reports whether the metadata is resolved, whether
 * the key set is fresh, and the last outcome of each fetch (time and reason, never a token or a secret). It never
 * calls a provider itself: a readiness probe cannot flood one.
 *
 * ```ts
 * @Get('health/ready') @HealthCheck() @Public()
 * ready() { return this.health.check([() => this.mcpAuth.isHealthy('mcp-auth')]); }
 * ```
 */
@Injectable()
export class McpAuthHealthIndicator {
  constructor(private readonly providers: ProviderHealth) {}

  /** The indicator: `{ [key]: { status, issuers } }`, `status: 'down'` when any authorization server is down. */
  isHealthy<const Key extends string = 'mcp-auth'>(key: Key = 'mcp-auth' as Key): McpAuthHealthResult<Key> {
    const issuers = this.providers.snapshot();
    const down = Object.values(issuers).some((issuer) => issuer.status === 'down');
    return { [key]: { status: down ? 'down' : 'up', issuers } } as McpAuthHealthResult<Key>;
  }
}
