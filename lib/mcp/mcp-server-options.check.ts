import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/** Boot checks of the `McpServerModule` options the MCP handlers depend on (a removed option is not ignored). */
export function checkServerOptions(options: McpServerModuleOptions): void {
  if ('listAllTools' in options) {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      "McpServerModule listAllTools was removed: every list now shows every handler by default (visibility: 'all'); " +
        "visibility: 'callable' lists only what the caller's token may invoke",
      { option: 'listAllTools' },
    );
  }
  const { visibility } = options;
  if (visibility !== undefined && visibility !== 'all' && visibility !== 'callable') {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `McpServerModule visibility must be 'all' or 'callable', got ${JSON.stringify(visibility)}`,
      { option: 'visibility' },
    );
  }
}
