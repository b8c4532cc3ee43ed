import type {
  DownstreamClientOptions,
  DownstreamGrant,
  DownstreamOptions,
  ResourceOptions,
} from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'

/** Scopes of the archive API (its own resource, distinct from the MCP server's). */
export const ARCHIVE_SCOPES = ['archive:read', 'archive:write'];

/** The sample's downstream API: where `export-todos` sends the caller's todos, as the caller. */
export interface ArchiveConfig {
  /** The archive API's resource identifier: this app's origin + `/archive`, e.g. https://todo.example.com/archive. */
  resource: string;
  /** The MCP server's own client at the provider, allowed to exchange tokens (RFC 8693 or on-behalf-of). */
  client: DownstreamClientOptions;
  /** How the MCP server gets a token for the archive. Default `'token-exchange'`. */
  grant?: DownstreamGrant;
}

/** The archive as a protected resource of McpAuthModule: tokens for it have `aud` = its resource identifier. */
export function archiveResource(config: ArchiveConfig): ResourceOptions {
  return {
    resource: config.resource,
    scopesSupported: ARCHIVE_SCOPES,
    defaultScopes: [],
    resourceName: 'Archive API (nest-mcp-auth sample downstream)',
  };
}

/** The `downstream` option: one target, `archive`, obtained for the caller (never the caller's own token). */
export function archiveDownstream(config: ArchiveConfig): DownstreamOptions {
  return {
    client: config.client,
    targets: {
      archive: {
        grant: config.grant ?? 'token-exchange',
        resource: config.resource,
        scopes: ['archive:write'],
      },
    },
  };
}
