/**
 * The results the MCP handlers answer with, as both SDK lines put them on the wire (MCP 2025-06-18 and later,
 * "server/tools", "server/resources", "server/prompts"). Declared here — not imported from an SDK — so that the
 * dispatcher serves either line; each line's adapter hands them to its own `Server`.
 */

/** A content item of a tool result or a prompt message (`text`, `image`, `audio`, `resource`, `resource_link`). */
export interface McpContent {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface McpCallToolResult {
  content: McpContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
}

export interface McpResourceContents {
  uri: string;
  mimeType?: string;
  text?: string;
  blob?: string;
  [key: string]: unknown;
}

export interface McpReadResourceResult {
  contents: McpResourceContents[];
  [key: string]: unknown;
}

export interface McpPromptMessage {
  role: 'user' | 'assistant';
  content: McpContent;
}

export interface McpGetPromptResult {
  description?: string;
  messages: McpPromptMessage[];
  [key: string]: unknown;
}

/** Behaviour hints of a tool (MCP 2025-03-26 "Tool annotations"): for display, never trusted for security. */
export interface McpToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
  [key: string]: unknown;
}

export interface McpListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: McpToolAnnotations;
}

export interface McpListToolsResult {
  tools: McpListedTool[];
}

export interface McpListResourcesResult {
  resources: Array<{ uri: string; name: string; title?: string; description?: string; mimeType?: string }>;
}

export interface McpListResourceTemplatesResult {
  resourceTemplates: Array<{
    uriTemplate: string;
    name: string;
    title?: string;
    description?: string;
    mimeType?: string;
  }>;
}

export interface McpListPromptsResult {
  prompts: Array<{
    name: string;
    title?: string;
    description?: string;
    arguments?: Array<{ name: string; description?: string; required?: boolean }>;
  }>;
}

/**
 * A dispatcher result as the type an SDK line's handler returns: the values are MCP wire shapes (above), which each
 * SDK's own result types describe in more detail; the line's protocol layer serializes them as they are.
 */
export function asSdkResult<T>(value: unknown): T {
  return value as T;
}
