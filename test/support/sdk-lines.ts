import type { McpServerModuleOptions } from '../../lib/index.js';

/** The MCP SDK server lines the suites run on (`McpServerModule`'s `sdk` option). */
export const SDK_LINES = ['v1', 'v2'] as const;
export type SdkLine = (typeof SDK_LINES)[number];

/** What a suite run on `sdk` adds to its `McpServerModule` options. */
export const onLine = (sdk: SdkLine): Pick<McpServerModuleOptions, 'sdk'> => ({ sdk });
