import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { McpAuthInfo } from '../../core/mcp-auth-info.js';
import type { McpRequestExtraV1 } from '../../core/mcp-invocation.js';
import type { McpRequestScope } from '../mcp-dispatcher.js';
import type { McpRequestBinding } from '../mcp-request-binding.js';
import { asSdkResult } from '../mcp-results.js';
import type { McpProtocolServerFactory } from '../mcp-protocol-server.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** One JSON Schema validator for every server: building one (Ajv) costs more than the rest of a stateless request. */
const validator = new AjvJsonSchemaValidator();

/**
 * The dispatcher's view of one request: the SDK's extra, the caller its transport received (`req.auth`), and the
 * HTTP request that carried it (read when the SDK dispatches the request, before the handler's first `await`).
 */
function requestScope(extra: Extra, requests: McpRequestBinding): McpRequestScope {
  return {
    extra: extra as unknown as McpRequestExtraV1,
    auth: extra.authInfo as McpAuthInfo | undefined,
    signal: extra.signal,
    request: requests.request(extra.requestId),
  };
}

/**
 * A low-level SDK 1.x `Server` serving the app's handlers (`tools/*`, `resources/*`, `prompts/*` — a capability
 * only for a primitive the app has), then the `configureServer` escape hatch. Public SDK API only.
 */
export function createV1Server(servers: McpProtocolServerFactory, requests: McpRequestBinding): Server {
  const { name, version, title, instructions } = servers.options;
  const server = new Server(
    { name, version, title },
    { capabilities: servers.capabilities(), instructions, jsonSchemaValidator: validator },
  );
  install(server, servers, (extra) => requestScope(extra, requests));
  servers.configure(server);
  return server;
}

function install(
  server: Server,
  { registry, dispatcher: d }: McpProtocolServerFactory,
  scopeOf: (extra: Extra) => McpRequestScope,
): void {
  if (registry.tools.length > 0) {
    server.setRequestHandler(ListToolsRequestSchema, (_r, extra) => asSdkResult(d.listTools(scopeOf(extra))));
    server.setRequestHandler(CallToolRequestSchema, ({ params }, extra) =>
      asSdkResult(d.callTool(params.name, params.arguments, scopeOf(extra))),
    );
  }
  if (registry.resources.length > 0) {
    server.setRequestHandler(ListResourcesRequestSchema, (_r, extra) =>
      asSdkResult(d.listResources(scopeOf(extra))),
    );
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (_r, extra) =>
      asSdkResult(d.listResourceTemplates(scopeOf(extra))),
    );
    server.setRequestHandler(ReadResourceRequestSchema, ({ params }, extra) =>
      asSdkResult(d.readResource(params.uri, scopeOf(extra))),
    );
  }
  if (registry.prompts.length > 0) {
    server.setRequestHandler(ListPromptsRequestSchema, (_r, extra) =>
      asSdkResult(d.listPrompts(scopeOf(extra))),
    );
    server.setRequestHandler(GetPromptRequestSchema, ({ params }, extra) =>
      asSdkResult(d.getPrompt(params.name, params.arguments, scopeOf(extra))),
    );
  }
}
