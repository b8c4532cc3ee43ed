/** What each request being decided invokes on an MCP endpoint, as the endpoint described it. */
const invocations = new WeakMap<object, string>();

/**
 * For the MCP endpoint: names the handlers `req` invokes (`tools/call delete-todo`), so that the decision reported
 * on it — events, audit line, `mcp_auth.decisions` — says which. Set before the request is authenticated.
 */
export function reportInvocation(req: object, tool: string | undefined): void {
  if (tool === undefined) invocations.delete(req);
  else invocations.set(req, tool);
}

/** The handlers `req` invokes, as {@link reportInvocation} named them; `undefined` for any other request. */
export function invocationOf(req: object): string | undefined {
  return invocations.get(req);
}
