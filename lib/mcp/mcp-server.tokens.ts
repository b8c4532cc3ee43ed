/** Injection token of the `McpServerModule` options. */
export const MCP_SERVER_MODULE_OPTIONS = Symbol.for('nest-mcp-auth:MCP_SERVER_MODULE_OPTIONS');

/**
 * Injection token of the `McpAuthenticator` that protects the MCP endpoints, decided once at boot: the visible
 * `McpAuthModule`'s, or `null` when the app chose `auth: false`.
 */
export const MCP_ENDPOINT_AUTHENTICATOR = Symbol.for('nest-mcp-auth:MCP_ENDPOINT_AUTHENTICATOR');

/** Injection token of the MCP routes, normalised (`resolveRoutes`): where the CORS middleware applies. */
export const MCP_SERVER_ROUTES = Symbol.for('nest-mcp-auth:MCP_SERVER_ROUTES');

/** Injection token of the MCP SDK server line serving the endpoints (`McpProtocolLine`), loaded at boot. */
export const MCP_PROTOCOL_LINE = Symbol.for('nest-mcp-auth:MCP_PROTOCOL_LINE');

/** Injection token of the MCP endpoints' controller class (built per module for its paths). */
export const MCP_SERVER_CONTROLLER = Symbol.for('nest-mcp-auth:MCP_SERVER_CONTROLLER');
