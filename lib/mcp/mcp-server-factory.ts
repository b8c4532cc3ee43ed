import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import {
  assertScopedHandlersProtected,
  missingHandlerScopes,
  type McpEndpointAuthenticator,
} from './mcp-endpoint-auth.js';
import { MCP_ENDPOINT_AUTHENTICATOR, MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { McpToolRegistry, type DiscoveredTool, type ToolExtra } from './mcp-tool-registry.js';

type ListHandler = (request: unknown, extra: ToolExtra) => Promise<{ tools: Array<{ name: string }> }>;

/**
 * Creates the SDK `McpServer`s: the discovered tools registered (each refusing a caller without its scopes),
 * `tools/list` filtered by scope, the escape hatch applied.
 */
@Injectable()
export class McpServerFactory implements OnApplicationBootstrap {
  /** One JSON Schema validator for every server: building one (Ajv) costs more than the rest of a stateless request. */
  private readonly validator = new AjvJsonSchemaValidator();

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) private readonly options: McpServerModuleOptions,
    private readonly tools: McpToolRegistry,
    private readonly moduleRef: ModuleRef,
    @Inject(MCP_ENDPOINT_AUTHENTICATOR) private readonly authenticator: McpEndpointAuthenticator,
  ) {}

  /** After discovery (every `onModuleInit`): a public endpoint with scoped tools fails the boot. */
  onApplicationBootstrap(): void {
    assertScopedHandlersProtected(this.tools.tools, this.authenticator);
  }

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

  /** Whether the caller may call `tool` (an unknown tool is the SDK's to refuse). */
  mayCall(tool: DiscoveredTool | undefined, auth: McpAuthInfo | undefined): boolean {
    return !tool || missingHandlerScopes(tool, auth, this.authenticator).length === 0;
  }

  private register(server: McpServer, tool: DiscoveredTool): void {
    const { title, description, input, output, annotations } = tool.options;
    const config = { title, description, inputSchema: input, outputSchema: output, annotations } as never;
    const call = (args: unknown, extra: ToolExtra) => {
      this.assertMayCall(tool, extra.authInfo as McpAuthInfo | undefined);
      return tool.invoke(args, extra);
    };
    if (input === undefined) {
      server.registerTool(tool.name, config, ((extra: ToolExtra) => call({}, extra)) as never);
    } else {
      server.registerTool(tool.name, config, call as never);
    }
  }

  /**
   * Defence in depth behind `McpEndpointGuard`: the tool never runs for a caller without its scopes, whatever the
   * HTTP layer decided; the caller gets an MCP error (a tool error result naming the missing scopes).
   */
  private assertMayCall(tool: DiscoveredTool, auth: McpAuthInfo | undefined): void {
    const missing = missingHandlerScopes(tool, auth, this.authenticator);
    if (missing.length > 0) {
      throw new McpError(
        ErrorCode.InvalidRequest,
        `insufficient_scope: the token lacks the scope(s) ${missing.join(' ')} of tool "${tool.name}"`,
      );
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
