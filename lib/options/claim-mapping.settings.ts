import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { Defaulted } from './option-types.js';
import { Optional } from './option-tree.js';
import { IsFunction, IsStringList } from './option-rules.js';

/** How a provider's claims become `McpAuthInfo` (provider quirks: `scp`, `cid`, roles as scopes…). */
export class ClaimMappingSettings {
  /** Claims read, in order, for `clientId`. Default `['client_id', 'azp', 'cid', 'appid']` (RFC 9068 §2.2 first). */
  @IsStringList()
  clientId: Defaulted<string[]> = ['client_id', 'azp', 'cid', 'appid'];

  /** Claims holding granted scopes (a space-separated string, or an array). Default `['scope', 'scp', 'scopes']`. */
  @IsStringList()
  scopes: Defaulted<string[]> = ['scope', 'scp', 'scopes'];

  /**
   * Claims of roles or permissions also granted as scopes, e.g. Auth0's `permissions` (RBAC) or Entra ID's
   * `roles` (app roles). Default none.
   */
  @IsStringList()
  scopesFromClaims: Defaulted<string[]> = [];

  /** Last word: receives the verified claims and the mapped auth info, returns the auth info to use. */
  @Optional()
  @IsFunction()
  map?: (claims: Record<string, unknown>, info: McpAuthInfo) => McpAuthInfo;
}
