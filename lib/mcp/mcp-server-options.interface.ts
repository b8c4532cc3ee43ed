import type { CanActivate, Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';

/** The MCP SDK server lines `McpServerModule` serves with: 1.x (`@modelcontextprotocol/sdk`), 2.x (`…/server`). */
export type McpSdkLine = 'v1' | 'v2';

/** The `sdk` option: a line, or `'auto'` (the 2.x line when it is installed, else 1.x). */
export type McpSdkChoice = 'auto' | McpSdkLine;

/**
 * The MCP SDK's low-level `Server` of the line in use, as `configureServer` receives it: `Server` from
 * `@modelcontextprotocol/sdk/server/index.js` on the 1.x line, from `@modelcontextprotocol/server` on the 2.x line
 * (cast it to that class for its full API). Declared structurally so the library's types compile with either line.
 */
export interface McpSdkServer {
  registerCapabilities(capabilities: Record<string, unknown>): void;
  // The two lines' signatures differ (1.x: a request schema; 2.x: a method name); the handler's types come from
  // the SDK the app imports its schemas or `Server` type from.
  setRequestHandler(...args: any[]): void;
}

/** Where the MCP endpoints live. Static: given to `forRoot` / `forRootAsync` directly, never by a factory. */
export interface McpServerRoutes {
  /** Path of the Streamable HTTP endpoint (POST, GET, DELETE). Default `/mcp`. */
  path?: string;
  /**
   * Also serve the older HTTP+SSE transport (MCP 2024-11-05: `GET /sse` opens the stream, `POST /messages`
   * carries the requests), protected and scope-checked exactly like the Streamable HTTP endpoint.
   * `true` for the default paths. Default off.
   */
  sse?: boolean | { ssePath?: string; messagesPath?: string };
}

/** Which handlers the MCP lists show: all of them (default), or those the caller's token may invoke. */
export type McpVisibility = 'all' | 'callable';

/** Options of `McpServerModule.forRoot` / the factory of `forRootAsync`. */
export interface McpServerModuleOptions {
  /** Server name in the `initialize` result. */
  name: string;
  /** Server version in the `initialize` result. */
  version: string;
  /**
   * Which MCP SDK server line serves the endpoints — both are optional peer dependencies, detected at boot:
   * `'v2'`: `@modelcontextprotocol/server` 2.x with `@modelcontextprotocol/node` (MCP 2026-07-28 and the older
   * revisions on the same endpoint); `'v1'`: `@modelcontextprotocol/sdk` 1.x (up to 2025-11-25; the only line with
   * the HTTP+SSE transport, `sse`). `'auto'` (default): the 2.x line when its packages are installed, else 1.x.
   * The chosen line's packages missing fails the boot (`McpAuthConfigError` `ERR_MCP_SDK_MISSING`).
   */
  sdk?: McpSdkChoice;
  /** Human-readable server title. */
  title?: string;
  /** Instructions sent to clients in the `initialize` result. */
  instructions?: string;
  /**
   * `true` (default): the MCP endpoints are protected by `McpAuthModule`, which must be visible to this module
   * (global — the default — or imported through `forRootAsync({ imports })`); if it is not, the app does not boot
   * (`McpAuthConfigError` `ERR_MCP_UNPROTECTED`). `false`: the endpoints are public, said once in the boot log; a
   * tool with `@RequireScopes` then fails the boot (no caller could have its scopes).
   */
  auth?: boolean;
  /**
   * Largest JSON-RPC body, in bytes, the endpoints read themselves (when Nest's body parser did not parse it, e.g.
   * `bodyParser: false`); a larger one answers 413. Default 102 400 (100 kB, Express' JSON limit). A body Nest
   * parsed was bounded by Nest's own limit.
   */
  maxBodySize?: number;
  /**
   * `false` (default): stateless — every request is served by a fresh server and transport, no session affinity
   * needed behind a load balancer. `true`: sessions (`Mcp-Session-Id`), kept in memory on this instance; each
   * session belongs to the caller (issuer + subject + client) who opened it; a caller with neither a subject nor a
   * client id cannot open one.
   */
  stateful?: boolean;
  /** Stateful mode: milliseconds of inactivity after which a session is closed. Default 30 minutes. */
  sessionIdleTimeout?: number;
  /**
   * Most sessions kept at once (stateful Streamable HTTP and legacy SSE streams together); opening one more
   * answers 503 with `Retry-After`. Default 10 000.
   */
  maxSessions?: number;
  /**
   * What `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list` show. `'all'` (default):
   * every handler, the same list for everyone — a client learns what it can step up to (a call beyond its token
   * answers HTTP 403 `insufficient_scope` naming the scope to ask for). `'callable'`: only what the caller's token
   * may invoke (lists then vary by caller; in stateful mode a session whose token gains or loses scopes is sent
   * `notifications/tools/list_changed`, and the resources and prompts equivalents). Calls are scope-checked either
   * way. Replaces `listAllTools` (removed: `listAllTools: true` is `'all'`, the default).
   */
  visibility?: McpVisibility;
  /**
   * Browser origins allowed to call the MCP endpoints, in addition to the defaults (`scheme://host[:port]`, e.g.
   * `'http://localhost:6274'` for the MCP Inspector's UI). The MCP transport specification says servers MUST
   * validate `Origin` (the DNS-rebinding defence), so by default only the origin of each resource identifier of
   * `McpAuthModule` is allowed, plus `http://localhost:*`, `http://127.0.0.1:*` and `http://[::1]:*` when the
   * request arrived on a loopback address of this server. A request with any other `Origin` gets 403; requests
   * without `Origin` (SDKs, proxies, server-side clients) are not affected. Allowed origins get CORS answers.
   * An entry that is not an origin fails the boot.
   */
  allowedOrigins?: string[];
  /**
   * Allow every `Origin` (CORS included). Only for a server meant to be called from any web page: it gives up
   * the DNS-rebinding defence, so never with an unauthenticated endpoint on a private network. Default false.
   */
  allowAnyOrigin?: boolean;
  /**
   * Per-caller rate limits on the MCP endpoints: `@nestjs/throttler`'s `ThrottlerGuard` (or your subclass of it),
   * with the app's `ThrottlerModule` options and storage. After authentication, each handler a request invokes is
   * judged as a route of its own (its class and method: `@Throttle` / `@SkipThrottle` on an `@McpTool`,
   * `@McpResource`, `@McpPrompt` or its class apply, every handler has its own budget per caller); a request that
   * invokes none (`initialize`, lists, notifications, streams) as the endpoint's route. Over the limit: HTTP 429
   * with `Retry-After` and a JSON-RPC error body, before dispatch. Use `getTracker: mcpAuthTracker` to count per
   * caller, and `skipIf: mcpThrottlerSkip` when a `ThrottlerGuard` is also an `APP_GUARD`. Default: none.
   */
  throttler?: Type<CanActivate>;
  /**
   * Answer POST requests with JSON instead of an SSE stream (Streamable HTTP, 2025 revisions). Default false. On
   * the 2.x line a 2026-07-28 request is answered with JSON unless its handler sends something before its result.
   */
  enableJsonResponse?: boolean;
  /**
   * The escape hatch: called for every MCP SDK low-level `Server` the module creates (per request in stateless
   * mode, per session in stateful mode) after the app's handlers are installed — add completions, logging or
   * custom methods with `server.registerCapabilities()` and `server.setRequestHandler()`. Their handlers get the
   * caller as `extra.authInfo` (1.x) or `ctx.http.authInfo` (2.x); they do not run through Nest's pipeline and are
   * not scope-checked.
   */
  configureServer?: (server: McpSdkServer, moduleRef: ModuleRef) => void;
}
