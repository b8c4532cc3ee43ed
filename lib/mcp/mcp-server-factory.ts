import { Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { missingScopes } from '../authentication/scope-policy.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { McpToolRegistry, type DiscoveredTool, type ToolExtra } from './mcp-tool-registry.js';

type ListHandler = (request: unknown, extra: ToolExtra) => Promise<{ tools: Array<{ name: string }> }>;

/** Creates the SDK `McpServer`s: the discovered tools registered, `tools/list` filtered by scope, the escape hatch applied. */
@Injectable()
export class McpServerFactory {
  /** One JSON Schema validator for every server: building one (Ajv) costs more than the rest of a stateless request. */
  private readonly validator = new AjvJsonSchemaValidator();

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) private readonly options: McpServerModuleOptions,
    private readonly tools: McpToolRegistry,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly authenticator?: McpAuthenticator,
  ) {}

  create(): McpServer {
    const { name, version, title, instructions } = this.options;
    const server = new McpServer(
      { name, version, title },
      { instructions, jsonSchemaValidator: this.validator },
    );
    for (const tool of this.tools.tools) this.register(server, tool);
    if (!this.options.listAllTools && this.authenticator && this.tools.tools.length > 0) {
      this.filterToolList(server);
    }
    this.options.configureServer?.(server, this.moduleRef);
    return server;
  }

  /** Whether the caller may call `tool` (no auth configured: everyone may). */
  mayCall(tool: DiscoveredTool | undefined, auth: McpAuthInfo | undefined): boolean {
    if (!tool || !this.authenticator || tool.scopes.length === 0) return true;
    return !!auth && missingScopes(auth.scopes, tool.scopes, this.authenticator.options).length === 0;
  }

  private register(server: McpServer, tool: DiscoveredTool): void {
    const { title, description, input, output, annotations } = tool.options;
    const config = { title, description, inputSchema: input, outputSchema: output, annotations } as never;
    if (input === undefined) {
      server.registerTool(tool.name, config, ((extra: ToolExtra) => tool.invoke({}, extra)) as never);
    } else {
      server.registerTool(tool.name, config, ((args: unknown, extra: ToolExtra) =>
        tool.invoke(args, extra)) as never);
    }
  }

  /**
   * `tools/list` lists only the tools the caller may call. The SDK offers no filter hook, so the list handler it
   * installed is wrapped in place (pinned SDK 1.32.x; the e2e suites prove it).
   */
  private filterToolList(server: McpServer): void {
    const handlers = (server.server as unknown as { _requestHandlers?: Map<string, ListHandler> })
      ._requestHandlers;
    const list = handlers?.get('tools/list');
    if (!handlers || !list) throw new Error('nest-mcp-auth: the MCP SDK tools/list handler was not found');
    handlers.set('tools/list', async (request, extra) => {
      const result = await list(request, extra);
      const auth = extra.authInfo as McpAuthInfo | undefined;
      return { ...result, tools: result.tools.filter((t) => this.mayCall(this.tools.get(t.name), auth)) };
    });
  }
}
