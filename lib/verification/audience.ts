import { McpAuthError } from '../core/mcp-auth.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';

/** R18: the token's audience must name this resource (or a configured audience), unless turned off explicitly. */
export function assertAudience(audience: readonly string[], resource: ResolvedResource): void {
  if (resource.audience === false) return;
  const accepted = resource.audience;
  if (!audience.some((a) => accepted.includes(a))) {
    throw new McpAuthError('ERR_TOKEN_AUDIENCE', 'The token is not intended for this resource ("aud")');
  }
}
