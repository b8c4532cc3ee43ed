/** Injection token of the options as given to `forRoot` / returned by `forRootAsync`'s factory. */
export const MCP_AUTH_MODULE_OPTIONS = Symbol.for('nest-mcp-auth:MODULE_OPTIONS');
/** Injection token of the validated, normalised options (`ResolvedMcpAuthOptions`). */
export const MCP_AUTH_RESOLVED_OPTIONS = Symbol.for('nest-mcp-auth:RESOLVED_OPTIONS');
/** Injection token of the `TokenVerifier` the guard uses. */
export const MCP_AUTH_TOKEN_VERIFIER = Symbol.for('nest-mcp-auth:TOKEN_VERIFIER');
