// Internal injection tokens: used by the module's own classes, never exported from the package.

/** Injection token of whether `McpAuthContext` stores each request's caller (the `context` option). */
export const MCP_AUTH_CONTEXT_ENABLED = Symbol.for('nest-mcp-auth:CONTEXT_ENABLED');

/** The module's `McpAuthTelemetry` (events, metrics, spans, audit, refusal limit). */
export const MCP_AUTH_TELEMETRY = Symbol.for('nest-mcp-auth:TELEMETRY');
