import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { McpHandlerKind } from '../core/mcp-invocation.js';
import { McpDispatcher } from './mcp-dispatcher.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/**
 * The one place that speaks the MCP SDK's server API: creates its low-level public `Server` with the app's
 * handlers installed (`tools/*`, `resources/*`, `prompts/*` — a capability only for a primitive the app has),
 * then the `configureServer` escape hatch; and, when the lists vary by caller in stateful mode, sends a session
 * the `list_changed` notifications its caller's new scopes call for. Public SDK API only.
 */
@Injectable()
export class McpProtocolServerFactory {
  /** One JSON Schema validator for every server: building one (Ajv) costs more than the rest of a stateless request. */
  private readonly validator = new AjvJsonSchemaValidator();
  private readonly listed = new WeakMap<Server, Record<McpHandlerKind, string>>();

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) private readonly options: McpServerModuleOptions,
    private readonly registry: McpHandlerRegistry,
    private readonly dispatcher: McpDispatcher,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Whether sessions are told when their lists change (stateful, lists per caller). */
  private get notifiesListChanges(): boolean {
    return !!this.options.stateful && this.dispatcher.listsVaryByCaller;
  }

  create(): Server {
    const { name, version, title, instructions } = this.options;
    const server = new Server(
      { name, version, title },
      { capabilities: this.capabilities(), instructions, jsonSchemaValidator: this.validator },
    );
    this.install(server);
    this.options.configureServer?.(server, this.moduleRef);
    return server;
  }

  /**
   * A stateful session's request by `auth`: when what its lists show changed since the session's previous
   * request (the caller stepped up, or a narrower token came), the session is sent `list_changed` for each list.
   */
  observeCaller(server: Server, auth: McpAuthInfo | undefined): void {
    if (!this.notifiesListChanges) return;
    const now = this.dispatcher.listedNames(auth);
    const before = this.listed.get(server);
    this.listed.set(server, now);
    if (!before) return;
    const quietly = (sent: Promise<void>) => void sent.catch(() => undefined); // a closed stream: nothing to tell
    if (before.tool !== now.tool) quietly(server.sendToolListChanged());
    if (before.resource !== now.resource) quietly(server.sendResourceListChanged());
    if (before.prompt !== now.prompt) quietly(server.sendPromptListChanged());
  }

  private capabilities(): ServerCapabilities {
    const listChanged = this.notifiesListChanges ? { listChanged: true } : {};
    const { tools, resources, prompts } = this.registry;
    return {
      ...(tools.length > 0 && { tools: listChanged }),
      ...(resources.length > 0 && { resources: listChanged }),
      ...(prompts.length > 0 && { prompts: listChanged }),
    };
  }

  private install(server: Server): void {
    const d = this.dispatcher;
    if (this.registry.tools.length > 0) {
      server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => d.listTools(extra));
      server.setRequestHandler(CallToolRequestSchema, ({ params }, extra) =>
        d.callTool(params.name, params.arguments, extra),
      );
    }
    if (this.registry.resources.length > 0) {
      server.setRequestHandler(ListResourcesRequestSchema, (_request, extra) => d.listResources(extra));
      server.setRequestHandler(ListResourceTemplatesRequestSchema, (_request, extra) =>
        d.listResourceTemplates(extra),
      );
      server.setRequestHandler(ReadResourceRequestSchema, ({ params }, extra) =>
        d.readResource(params.uri, extra),
      );
    }
    if (this.registry.prompts.length > 0) {
      server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) => d.listPrompts(extra));
      server.setRequestHandler(GetPromptRequestSchema, ({ params }, extra) =>
        d.getPrompt(params.name, params.arguments, extra),
      );
    }
  }
}
