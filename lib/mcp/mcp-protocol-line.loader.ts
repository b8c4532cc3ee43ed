import { Logger, type Provider } from '@nestjs/common';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { McpProtocolLine, McpSdkChoice, McpSdkLine } from './mcp-protocol-line.js';
import { MCP_PROTOCOL_LINE, MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/** Imports a module by specifier (the runtime's `import()`; replaced in unit tests). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** The packages each line needs, in the order they are probed. */
const PACKAGES: Record<McpSdkLine, readonly string[]> = {
  v2: ['@modelcontextprotocol/server', '@modelcontextprotocol/node'],
  v1: ['@modelcontextprotocol/sdk/server/index.js'],
};

const packageName = (specifier: string) => specifier.split('/').slice(0, 2).join('/');
const named = (line: McpSdkLine) => PACKAGES[line].map(packageName).join(' and ');

/** What `import()` of `specifier` tells: loaded, not installed (the error), or a failure that is not absence. */
async function probe(specifier: string, importer: ModuleImporter): Promise<Error | undefined> {
  try {
    await importer(specifier);
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return error as Error;
    throw error;
  }
}

/** The first package of `line` that is not installed (`undefined`: all are). */
async function missing(line: McpSdkLine, importer: ModuleImporter) {
  for (const specifier of PACKAGES[line]) {
    const error = await probe(specifier, importer);
    if (error) return { name: packageName(specifier), error };
  }
  return undefined;
}

function notInstalled(message: string, cause?: Error): McpAuthConfigError {
  return new McpAuthConfigError('ERR_MCP_SDK_MISSING', message, { option: 'sdk', cause });
}

/** The line `choice` designates among those installed; throws `ERR_MCP_SDK_MISSING` naming what to install. */
async function decide(choice: McpSdkChoice, importer: ModuleImporter): Promise<McpSdkLine> {
  if (choice !== 'auto') {
    const absent = await missing(choice, importer);
    if (!absent) return choice;
    throw notInstalled(
      `McpServerModule sdk: '${choice}' needs ${named(choice)}, but ${absent.name} is not installed ` +
        `(${absent.error.message}). Install it, or choose the other line.`,
      absent.error,
    );
  }
  const v2 = await missing('v2', importer);
  if (!v2) return 'v2';
  if (v2.name !== packageName(PACKAGES.v2[0])) {
    throw notInstalled(
      `McpServerModule found @modelcontextprotocol/server but not ${v2.name}, which the SDK 2.x line needs to ` +
        `serve Node's HTTP requests. Install ${v2.name}, or choose sdk: 'v1' (@modelcontextprotocol/sdk).`,
      v2.error,
    );
  }
  if (!(await missing('v1', importer))) return 'v1';
  throw notInstalled(
    'McpServerModule needs an MCP SDK server line and none is installed: install @modelcontextprotocol/server ' +
      'and @modelcontextprotocol/node (SDK 2.x: MCP 2026-07-28 and the older revisions), or ' +
      '@modelcontextprotocol/sdk (SDK 1.x: up to 2025-11-25).',
    v2.error,
  );
}

function checkChoice(choice: unknown): McpSdkChoice {
  if (choice === undefined) return 'auto';
  if (choice === 'auto' || choice === 'v1' || choice === 'v2') return choice;
  throw new McpAuthConfigError(
    'ERR_INVALID_OPTIONS',
    `McpServerModule sdk must be 'auto', 'v1' or 'v2', got ${JSON.stringify(choice)}`,
    { option: 'sdk' },
  );
}

/**
 * The MCP SDK server line the module serves with, decided at boot from what the app installed (both lines are
 * optional peer dependencies): `choice` `'v1'` / `'v2'`, or `'auto'` — the 2.x line when its packages are installed,
 * else 1.x. Only a dynamic `import()` reaches an SDK: an app without one still loads the package.
 */
export async function loadProtocolLine(
  choice: unknown,
  importer: ModuleImporter = (specifier) => import(specifier),
): Promise<McpProtocolLine> {
  const line = await decide(checkChoice(choice), importer);
  if (line === 'v2') return (await import('./sdk-v2/v2-line.js')).SDK_V2_LINE;
  return (await import('./sdk-v1/v1-line.js')).SDK_V1_LINE;
}

/** The provider of `MCP_PROTOCOL_LINE`: the line the `sdk` option designates, said once in the boot log. */
export const protocolLineProvider: Provider = {
  provide: MCP_PROTOCOL_LINE,
  inject: [MCP_SERVER_MODULE_OPTIONS],
  useFactory: async (options: McpServerModuleOptions) => {
    const line = await loadProtocolLine(options.sdk);
    new Logger('McpServerModule').log(
      `MCP SDK ${line.line === 'v2' ? '2.x' : '1.x'}: ${line.packages} (MCP ${line.protocolVersions.join(', ')})`,
    );
    return line;
  },
};
