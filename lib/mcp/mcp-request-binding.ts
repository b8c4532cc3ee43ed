import type { IncomingMessage, ServerResponse } from 'node:http';

/** A JSON-RPC request id (JSON-RPC 2.0 §4: a string or a number). */
export type JsonRpcId = string | number;

/**
 * Which HTTP request carried each JSON-RPC request one protocol server handles — for the handlers it dispatches to
 * (`McpExecutionContext.getRequest()`, `McpInvocation.request`, `@Inject(REQUEST)` of a request-scoped handler class),
 * since the SDKs hand them only headers. A stateless server serves one HTTP request (`McpRequestBinding.of`); a
 * session's server serves many, some at once: each JSON-RPC request is bound by its id (unique among a session's
 * requests in flight, JSON-RPC 2.0 §4) when its body is handed to the transport, and read once, synchronously, when
 * the SDK dispatches it; the binding ends when the HTTP response closes.
 *
 * Not AsyncLocalStorage: on Node 20 and 22 a storage that has run once puts a hook on every promise of the process,
 * and Nest's pipeline on a tool (guards, interceptors) creates many (bench/results.md).
 */
export class McpRequestBinding {
  private readonly byId = new Map<JsonRpcId, IncomingMessage>();

  private constructor(private readonly only?: IncomingMessage) {}

  /** The binding of a server that serves one HTTP request: every request it handles came with `request`. */
  static of(request: IncomingMessage | undefined): McpRequestBinding {
    return new McpRequestBinding(request);
  }

  /** The binding of a server that serves a session: requests bound by id as they arrive (`bind`). */
  static forSession(): McpRequestBinding {
    return new McpRequestBinding();
  }

  /**
   * Binds the JSON-RPC requests of `body` (one message or a batch; notifications and responses carry no request) to
   * `request` until `response` closes. A later binding of the same id replaces it and is not undone by the first.
   */
  bind(request: IncomingMessage, response: ServerResponse, body: unknown): void {
    if (this.only) return;
    const ids = requestIds(body);
    if (ids.length === 0) return;
    for (const id of ids) this.byId.set(id, request);
    response.once('close', () => {
      for (const id of ids) if (this.byId.get(id) === request) this.byId.delete(id);
    });
  }

  /** The HTTP request that carried the JSON-RPC request `id`, if it is still in flight. */
  request(id: JsonRpcId | undefined): IncomingMessage | undefined {
    return this.only ?? (id === undefined ? undefined : this.byId.get(id));
  }
}

function requestIds(body: unknown): JsonRpcId[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: JsonRpcId[] = [];
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { id, method } = message as { id?: unknown; method?: unknown };
    if (typeof method === 'string' && (typeof id === 'string' || typeof id === 'number')) ids.push(id);
  }
  return ids;
}
