import { canonicalBytes, utf8Text } from '../core/strict-encoding.js';

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

/** MCP 2026-07-28: the stateless revision (per-request `_meta` envelope, `server/discover`, standard headers). */
export const MCP_2026_07_28 = '2026-07-28';

/** The `_meta` key of the per-request envelope that names the message's protocol revision (MCP 2026-07-28). */
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';

/** JSON-RPC `HeaderMismatch` (MCP 2026-07-28 Streamable HTTP, "Standard request headers"): answered with HTTP 400. */
export const HEADER_MISMATCH = -32020;

/** The body field the `Mcp-Name` header mirrors, per method (MCP 2026-07-28 "Standard request headers"). */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri' | 'taskId'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** A header value as sent: `=?base64?…?=` carries canonical base64 of UTF-8 text; `undefined` when it is invalid. */
function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith('=?base64?') && value.endsWith('?='))) return value;
  const bytes = canonicalBytes(value.slice(9, -2), 'base64');
  return bytes && utf8Text(bytes);
}

const header = (value: string | string[] | undefined) =>
  typeof value === 'string' ? value.replace(/^[ \t]+|[ \t]+$/g, '') : value?.join(', ');

/**
 * Why the `Mcp-Method` / `Mcp-Name` headers of a request disagree with its JSON-RPC body, or `undefined` when they
 * agree (or are absent). `Mcp-Method` must name the method of the one message the body holds; `Mcp-Name` must
 * decode to its `params.name` / `params.uri` / `params.taskId` for the methods that have one. Decided from the
 * parsed body the scope decision and the dispatch read, so the three agree.
 */
export function headerMismatch(
  body: unknown,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const method = header(headers['mcp-method']);
  const name = header(headers['mcp-name']);
  if (method === undefined && name === undefined) return undefined;
  const message = !Array.isArray(body) && body && typeof body === 'object' ? body : undefined;
  const { method: bodyMethod, params } = (message ?? {}) as { method?: unknown; params?: unknown };
  if (typeof bodyMethod !== 'string')
    return 'the Mcp-Method / Mcp-Name headers need a body of one JSON-RPC message';
  if (method !== undefined && method !== bodyMethod) {
    return `the body names method ${bodyMethod} but the Mcp-Method header names ${method}`;
  }
  const field = Object.hasOwn(NAME_SOURCE, bodyMethod) ? NAME_SOURCE[bodyMethod] : undefined;
  if (name === undefined || field === undefined) return undefined;
  const decoded = decodeHeaderValue(name);
  if (decoded === undefined) return 'the Mcp-Name header carries an invalid base64 value';
  const value = params && typeof params === 'object' ? (params as Record<string, unknown>)[field] : undefined;
  if (typeof value === 'string' && value !== decoded) {
    return `the body carries params.${field}=${JSON.stringify(value)} but the Mcp-Name header names ${JSON.stringify(decoded)}`;
  }
  return undefined;
}
