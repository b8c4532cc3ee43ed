/**
 * Names of the tools a JSON-RPC body (one message or a batch) calls with `tools/call`. Anything that is not a
 * well-formed call contributes nothing (the SDK answers it with the proper JSON-RPC error).
 */
export function toolsCalled(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const names: string[] = [];
  for (const message of messages) {
    if (!message || typeof message !== 'object') continue;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    if (method === 'tools/call' && params && typeof params.name === 'string') names.push(params.name);
  }
  return names;
}
