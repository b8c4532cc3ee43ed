/** What a JSON-RPC message invokes: a tool or prompt by name, a resource by URI. */
export type McpCallTarget =
  | { readonly kind: 'tool' | 'prompt'; readonly name: string }
  | { readonly kind: 'resource'; readonly uri: string };

/**
 * The handlers a JSON-RPC body (one message or a batch) invokes — `tools/call`, `prompts/get` by name,
 * `resources/read` by URI. Anything that is not a well-formed call contributes nothing (the SDK answers it with
 * the proper JSON-RPC error).
 */
export function handlersInvoked(body: unknown): McpCallTarget[] {
  const messages = Array.isArray(body) ? body : [body];
  const targets: McpCallTarget[] = [];
  for (const message of messages) {
    if (!message || typeof message !== 'object') continue;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown; uri?: unknown } };
    if (!params || typeof params !== 'object') continue;
    if (method === 'tools/call' && typeof params.name === 'string') {
      targets.push({ kind: 'tool', name: params.name });
    } else if (method === 'prompts/get' && typeof params.name === 'string') {
      targets.push({ kind: 'prompt', name: params.name });
    } else if (method === 'resources/read' && typeof params.uri === 'string') {
      targets.push({ kind: 'resource', uri: params.uri });
    }
  }
  return targets;
}
