import { Server, type CacheHint, type ServerContext } from '@modelcontextprotocol/server';
import type { McpAuthInfo } from '../../core/mcp-auth-info.js';
import type { McpRequestContextV2 } from '../../core/mcp-invocation.js';
import type { McpRequestScope } from '../mcp-dispatcher.js';
import type { McpRequestBinding } from '../mcp-request-binding.js';
import { asSdkResult } from '../mcp-results.js';
import { CACHEABLE_LISTS, type McpProtocolServerFactory } from '../mcp-protocol-server.js';

/**
 * The dispatcher's view of one request: the SDK's context, the caller the entry received (`req.auth`), and the HTTP
 * request that carried it (read when the SDK dispatches the request, before the handler's first `await`).
 */
function requestScope(ctx: ServerContext, requests: McpRequestBinding): McpRequestScope {
  return {
    extra: ctx as unknown as McpRequestContextV2,
    auth: ctx.http?.authInfo as McpAuthInfo | undefined,
    signal: ctx.mcpReq.signal,
    request: requests.request(ctx.mcpReq.id),
  };
}

/**
 * MCP 2026-07-28 cache hints of the results the SDK fills itself (`ttlMs` / `cacheScope`; never on 2025-era
 * answers): the lists are `private` when filtered per caller, else shareable; `server/discover` says the same to
 * everyone. `ttlMs` stays the SDK's 0 (clients re-list).
 */
function cacheHints(servers: McpProtocolServerFactory): Record<string, CacheHint> {
  const hints: Record<string, CacheHint> = { 'server/discover': { cacheScope: 'public' } };
  for (const method of CACHEABLE_LISTS) hints[method] = { cacheScope: servers.listCacheScope };
  return hints;
}

/**
 * A low-level SDK 2.x `Server` serving the app's handlers (a capability only for a primitive the app has), then the
 * `configureServer` escape hatch. The same server serves either era (2026-07-28 or 2025): the serving entry binds
 * it. Public SDK API only.
 */
export function createV2Server(servers: McpProtocolServerFactory, requests: McpRequestBinding): Server {
  const { name, version, title, instructions } = servers.options;
  const server = new Server(
    { name, version, title },
    { capabilities: servers.capabilities(), instructions, cacheHints: cacheHints(servers) },
  );
  install(server, servers, (ctx) => requestScope(ctx, requests));
  servers.configure(server);
  return server;
}

function install(
  server: Server,
  { registry, dispatcher: d }: McpProtocolServerFactory,
  scopeOf: (ctx: ServerContext) => McpRequestScope,
): void {
  if (registry.tools.length > 0) {
    server.setRequestHandler('tools/list', (_r, ctx) => asSdkResult(d.listTools(scopeOf(ctx))));
    server.setRequestHandler('tools/call', ({ params }, ctx) =>
      asSdkResult(d.callTool(params.name, params.arguments, scopeOf(ctx))),
    );
  }
  if (registry.resources.length > 0) {
    server.setRequestHandler('resources/list', (_r, ctx) => asSdkResult(d.listResources(scopeOf(ctx))));
    server.setRequestHandler('resources/templates/list', (_r, ctx) =>
      asSdkResult(d.listResourceTemplates(scopeOf(ctx))),
    );
    server.setRequestHandler('resources/read', ({ params }, ctx) =>
      asSdkResult(d.readResource(params.uri, scopeOf(ctx))),
    );
  }
  if (registry.prompts.length > 0) {
    server.setRequestHandler('prompts/list', (_r, ctx) => asSdkResult(d.listPrompts(scopeOf(ctx))));
    server.setRequestHandler('prompts/get', ({ params }, ctx) =>
      asSdkResult(d.getPrompt(params.name, params.arguments, scopeOf(ctx))),
    );
  }
}
