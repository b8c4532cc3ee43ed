/** Injection token of the `McpServerModule` options. */
export const MCP_SERVER_MODULE_OPTIONS = Symbol.for('nest-mcp-auth:MCP_SERVER_MODULE_OPTIONS');
