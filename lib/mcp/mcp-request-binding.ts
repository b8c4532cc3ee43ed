import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeJsonRpcError } from './json-rpc-error.js';

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
   * `request` until `response` closes. Binds nothing and returns `false` when one of their ids is already bound
   * (in flight on this session) or appears twice in the body: a request id must not be reused within a session
   * (MCP 2025-06-18, Basic › Requests), the SDK would mix up the two responses, and a handler would see another
   * POST's request.
   */
  bind(request: IncomingMessage, response: ServerResponse, body: unknown): boolean {
    if (this.only) return true;
    const ids = requestIds(body);
    if (ids.length === 0) return true;
    if (ids.some((id) => this.byId.has(id)) || new Set(ids).size !== ids.length) return false;
    for (const id of ids) this.byId.set(id, request);
    response.once('close', () => {
      for (const id of ids) if (this.byId.get(id) === request) this.byId.delete(id);
    });
    return true;
  }

  /** The HTTP request that carried the JSON-RPC request `id`, if it is still in flight. */
  request(id: JsonRpcId | undefined): IncomingMessage | undefined {
    return this.only ?? (id === undefined ? undefined : this.byId.get(id));
  }
}

/**
 * Binds the JSON-RPC requests of `body` to `req` (`binding.bind`), or answers 400 with a JSON-RPC `Invalid Request`
 * error (id `null`) when one of their ids is already in flight on the session. Returns whether it bound them.
 */
export function bindOrRefuse(
  binding: McpRequestBinding,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): boolean {
  if (binding.bind(req, res, body)) return true;
  writeJsonRpcError(
    res,
    400,
    -32600,
    'Invalid Request: a request id of this message is already in use on this session',
  );
  return false;
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
