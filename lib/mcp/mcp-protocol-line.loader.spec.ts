import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { loadProtocolLine, type ModuleImporter } from './mcp-protocol-line.loader.js';

/** An importer where only `installed` packages resolve; the others fail as Node fails on a missing package. */
function installedOnly(...installed: string[]): ModuleImporter {
  return async (specifier) => {
    if (installed.some((name) => specifier === name || specifier.startsWith(`${name}/`))) return {};
    throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
  };
}

const SDK = '@modelcontextprotocol/sdk';
const SERVER = '@modelcontextprotocol/server';
const NODE = '@modelcontextprotocol/node';

describe('loadProtocolLine', () => {
  it('auto: the 2.x line when @modelcontextprotocol/server and /node are installed, else 1.x', async () => {
    expect((await loadProtocolLine(undefined, installedOnly(SDK, SERVER, NODE))).line).toBe('v2');
    expect((await loadProtocolLine('auto', installedOnly(SERVER, NODE))).line).toBe('v2');
    expect((await loadProtocolLine('auto', installedOnly(SDK))).line).toBe('v1');
  });

  it('an explicit choice is served when its packages are installed, whatever else is', async () => {
    expect((await loadProtocolLine('v1', installedOnly(SDK, SERVER, NODE))).line).toBe('v1');
    expect((await loadProtocolLine('v2', installedOnly(SDK, SERVER, NODE))).line).toBe('v2');
  });

  it('neither line installed: ERR_MCP_SDK_MISSING naming both packages', async () => {
    const error = await loadProtocolLine('auto', installedOnly()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect(error).toMatchObject({ code: 'ERR_MCP_SDK_MISSING', option: 'sdk' });
    expect((error as Error).message).toContain('@modelcontextprotocol/server');
    expect((error as Error).message).toContain('@modelcontextprotocol/sdk');
  });

  it('the chosen line missing, or 2.x half installed: ERR_MCP_SDK_MISSING naming what to install', async () => {
    await expect(loadProtocolLine('v1', installedOnly(SERVER, NODE))).rejects.toMatchObject({
      code: 'ERR_MCP_SDK_MISSING',
      message: expect.stringContaining(`but ${SDK} is not installed`),
    });
    await expect(loadProtocolLine('v2', installedOnly(SDK, SERVER))).rejects.toMatchObject({
      code: 'ERR_MCP_SDK_MISSING',
      message: expect.stringContaining(`but ${NODE} is not installed`),
    });
    await expect(loadProtocolLine('auto', installedOnly(SDK, SERVER))).rejects.toMatchObject({
      code: 'ERR_MCP_SDK_MISSING',
      message: expect.stringContaining(`found ${SERVER} but not ${NODE}`),
    });
  });

  it('an invalid choice fails the boot; a package that fails to load for another reason is not taken for absent', async () => {
    await expect(loadProtocolLine('v3', installedOnly(SDK))).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      option: 'sdk',
    });
    const broken: ModuleImporter = () => Promise.reject(new SyntaxError('Unexpected token'));
    await expect(loadProtocolLine('auto', broken)).rejects.toBeInstanceOf(SyntaxError);
  });
});
