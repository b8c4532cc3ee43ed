import { RequestSlot } from '../core/request-slot.js';

/** What each request being decided invokes on an MCP endpoint, as the endpoint described it. */
const invocations = new RequestSlot<string>('invocation');

/**
 * For the MCP endpoint: names the handlers `req` invokes (`tools/call delete-todo`), so that the decision reported
 * on it — events, audit line, `mcp_auth.decisions` — says which. Set before the request is authenticated.
 */
export function reportInvocation(req: object, tool: string | undefined): void {
  invocations.set(req, tool);
}

/** The handlers `req` invokes, as {@link reportInvocation} named them; `undefined` for any other request. */
export function invocationOf(req: object): string | undefined {
  return invocations.get(req);
}
