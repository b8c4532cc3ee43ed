// Internal injection tokens: used by the module's own classes, never exported from the package.

/** Injection token of the `McpAuthContextMode` (the `context` option, `'auto'` decided at boot). */
export const MCP_AUTH_CONTEXT_MODE = Symbol.for('nest-mcp-auth:CONTEXT_MODE');
/**
 * `McpAuthContext`, as the module's own classes inject it: `context: 'auto'` counts only those that inject the
 * `McpAuthContext` class.
 */
export const MCP_AUTH_CONTEXT = Symbol.for('nest-mcp-auth:CONTEXT');
