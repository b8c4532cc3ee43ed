import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { assertScopedHandlersProtected, type McpEndpointAuthenticator } from './mcp-endpoint-auth.js';
import type { McpHandler, McpPromptHandler, McpResourceHandler, McpToolHandler } from './mcp-handler.js';
import { McpHandlerDiscovery } from './mcp-handler-discovery.js';
import { MCP_ENDPOINT_AUTHENTICATOR } from './mcp-server.tokens.js';
import { normalizeResourceUri } from './resource-uri.js';
import type { McpCallTarget } from './json-rpc-invocations.js';

/** A resource read resolved to its handler: the URI, and the template's variables (`{}` for a fixed URI). */
export interface ResolvedResourceRead {
  readonly handler: McpResourceHandler;
  readonly uri: string;
  readonly variables: Record<string, string | string[]>;
}

/**
 * The app's MCP handlers, found once at boot (`onModuleInit`): tools, resources and prompts by name, resources by
 * URI. Two handlers of one kind with one name (or two resources with one URI or template) fail the boot naming
 * both (`ERR_DUPLICATE_HANDLER`); on a public endpoint a handler with `@RequireScopes` fails it too.
 */
@Injectable()
export class McpHandlerRegistry implements OnModuleInit {
  private readonly toolsByName = new Map<string, McpToolHandler>();
  private readonly promptsByName = new Map<string, McpPromptHandler>();
  private readonly resourcesByName = new Map<string, McpResourceHandler>();
  private readonly resourcesByUri = new Map<string, McpResourceHandler>();
  private readonly templates = new Map<string, McpResourceHandler>();

  constructor(
    private readonly discovery: McpHandlerDiscovery,
    @Inject(MCP_ENDPOINT_AUTHENTICATOR) private readonly authenticator: McpEndpointAuthenticator,
  ) {}

  onModuleInit(): void {
    for (const handler of this.discovery.discover()) this.add(handler);
    assertScopedHandlersProtected(this.all, this.authenticator);
  }

  get tools(): readonly McpToolHandler[] {
    return [...this.toolsByName.values()];
  }

  get prompts(): readonly McpPromptHandler[] {
    return [...this.promptsByName.values()];
  }

  get resources(): readonly McpResourceHandler[] {
    return [...this.resourcesByName.values()];
  }

  get all(): readonly McpHandler[] {
    return [...this.tools, ...this.resources, ...this.prompts];
  }

  tool(name: string): McpToolHandler | undefined {
    return this.toolsByName.get(name);
  }

  prompt(name: string): McpPromptHandler | undefined {
    return this.promptsByName.get(name);
  }

  /** The handler that serves `resources/read` of `uri`: a fixed URI first, then the templates in discovery order. */
  resolveResource(uri: string): ResolvedResourceRead | undefined {
    const normalized = normalizeResourceUri(uri);
    const fixed = this.resourcesByUri.get(normalized);
    if (fixed) return { handler: fixed, uri: normalized, variables: {} };
    for (const handler of this.templates.values()) {
      const variables = handler.template!.match(normalized);
      if (variables) return { handler, uri: normalized, variables };
    }
    return undefined;
  }

  /** The handler a JSON-RPC call targets (`undefined`: unknown, the dispatch answers it). */
  target(call: McpCallTarget): McpHandler | undefined {
    if (call.kind === 'resource') return this.resolveResource(call.uri)?.handler;
    return call.kind === 'tool' ? this.tool(call.name) : this.prompt(call.name);
  }

  private add(handler: McpHandler): void {
    if (handler.kind === 'tool') return put(this.toolsByName, handler.name, handler, '@McpTool name');
    if (handler.kind === 'prompt') return put(this.promptsByName, handler.name, handler, '@McpPrompt name');
    put(this.resourcesByName, handler.name, handler, '@McpResource name');
    if (handler.uri !== undefined) put(this.resourcesByUri, handler.uri, handler, '@McpResource uri');
    else put(this.templates, handler.template!.text, handler, '@McpResource uriTemplate');
  }
}

function put<H extends McpHandler>(map: Map<string, H>, key: string, handler: H, what: string): void {
  const existing = map.get(key);
  if (existing) {
    throw new McpAuthConfigError(
      'ERR_DUPLICATE_HANDLER',
      `${what} "${key}" is used twice: ${existing.where} and ${handler.where}`,
      { option: what },
    );
  }
  map.set(key, handler);
}
