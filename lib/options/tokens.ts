/** Injection token of the options as given to `forRoot` / returned by `forRootAsync`'s factory. */
export const MCP_AUTH_MODULE_OPTIONS = Symbol.for('nest-mcp-auth:MODULE_OPTIONS');
/** Injection token of the validated, normalised options (`ResolvedMcpAuthOptions`). */
export const MCP_AUTH_RESOLVED_OPTIONS = Symbol.for('nest-mcp-auth:RESOLVED_OPTIONS');
/** Injection token of the `TokenVerifier` the guard uses. */
export const MCP_AUTH_TOKEN_VERIFIER = Symbol.for('nest-mcp-auth:TOKEN_VERIFIER');
/** Injection token of the `McpAuthContextMode` (the `context` option, `'auto'` decided at boot). */
export const MCP_AUTH_CONTEXT_MODE = Symbol.for('nest-mcp-auth:CONTEXT_MODE');
/**
 * `McpAuthContext`, as the module's own classes inject it: `context: 'auto'` counts only those that inject the
 * `McpAuthContext` class.
 */
export const MCP_AUTH_CONTEXT = Symbol.for('nest-mcp-auth:CONTEXT');
