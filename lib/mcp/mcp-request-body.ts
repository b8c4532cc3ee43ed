import type { IncomingMessage } from 'node:http';
import { RequestSlot } from '../core/request-slot.js';

/** Express' (and so Nest's) default JSON body limit, `'100kb'`. */
export const DEFAULT_MAX_BODY_SIZE = 100 * 1024;

/** Why a request's body cannot be the JSON-RPC payload: an HTTP status and a JSON-RPC error code. */
export class McpRequestBodyError extends Error {
  override readonly name = 'McpRequestBodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

type Outcome = { readonly body: unknown } | { readonly error: McpRequestBodyError };
type RequestWithBody = IncomingMessage & { body?: unknown };

/** One outcome per request: the scope decision and the SDK's dispatch read the same object. */
const outcomes = new RequestSlot<Outcome | Promise<Outcome>>('mcp-body');

const unsupportedType = () =>
  new McpRequestBodyError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
const parseError = (why: string) => new McpRequestBodyError(400, -32700, `Parse error: ${why}`);
const tooLarge = (limit: number) =>
  new McpRequestBodyError(413, -32000, `Request body too large (limit ${limit} bytes)`);

const PLAIN_JSON = { json: true, utf8: true } as const;

/** `application/json` (any parameters) and, when given, `charset=utf-8`; anything else is not ours to read. */
function mediaType(header: string | undefined): { json: boolean; utf8: boolean } {
  if (header === 'application/json') return PLAIN_JSON; // what SDK clients send: no allocation
  const [type, ...params] = (header ?? '').split(';');
  const json = type.trim().toLowerCase() === 'application/json';
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/^"(.*)"$/, '$1');
  return { json, utf8: charset === undefined || charset === 'utf-8' || charset === 'utf8' };
}

/** JSON text as body-parser's strict `json()` reads it: an object or an array, else a parse error; empty is `{}`. */
function parseJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = /^[\s\uFEFF]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw parseError('the body is not a JSON object or array');
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch {
    throw parseError('Invalid JSON');
  }
}

/** The raw bytes of the request, refusing more than `limit` bytes (by `Content-Length` first, then by count). */
function readStream(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (declaredLength(req) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: McpRequestBodyError) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('aborted', onAbort);
      if (error) {
        req.pause(); // Node discards the rest once the answer is sent
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onAbort = () => finish(parseError('the request body was not received completely'));
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('aborted', onAbort);
  });
}

/** The `Content-Length` the client declared (`NaN` when absent: a chunked body). */
const declaredLength = (req: IncomingMessage) => Number(req.headers['content-length']);

/** True when the body has a `Content-Encoding` other than `identity` (its bytes are not the text). */
function encoded(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'];
  return encoding !== undefined && encoding.toLowerCase() !== 'identity';
}

/**
 * What the framework's body parser left (`req.body` on Express, `request.body` on Fastify), as the JSON-RPC payload;
 * `undefined`: it did not parse the body. The same rules as when the endpoint reads the bytes itself:
 * - a string or `Buffer` (a text or raw parser): the bytes are there, not their JSON reading — parsed here. A string
 *   whose length is not the declared `Content-Length` of an unencoded body is not the request's bytes but a JSON
 *   parser's reading of a JSON string (Fastify's default parser, Express' with `strict: false`): refused as not an
 *   object or array;
 * - a parsed value that is not an object or array (a lenient JSON parser's `null`, number or boolean): refused;
 * - a body declared larger than `limit` (`Content-Length`): refused, whoever parsed it.
 */
function fromFramework(req: IncomingMessage, body: unknown, limit: number): unknown {
  if (body === undefined) return undefined;
  const declared = declaredLength(req);
  if (declared > limit) throw tooLarge(limit);
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const size = Buffer.byteLength(body);
    if (size > limit) throw tooLarge(limit);
    if (typeof body === 'string' && !Number.isNaN(declared) && declared !== size && !encoded(req)) {
      throw parseError('the body is not a JSON object or array');
    }
    return parseJson(body.toString());
  }
  if (body === null || typeof body !== 'object') throw parseError('the body is not a JSON object or array');
  return body;
}

async function readAndParse(req: IncomingMessage, limit: number): Promise<Outcome> {
  try {
    return { body: parseJson((await readStream(req, limit)).toString('utf8')) };
  } catch (error) {
    return { error: error as McpRequestBodyError };
  }
}

function decide(req: IncomingMessage, framework: unknown, limit: number): Outcome | Promise<Outcome> {
  try {
    const type = mediaType(req.headers['content-type']);
    if (!type.json) throw unsupportedType();
    const parsed = fromFramework(req, framework, limit);
    if (parsed !== undefined) return { body: parsed };
    if (req.readableEnded) throw parseError('the request body was already consumed');
    if (!type.utf8 || encoded(req)) throw unsupportedType();
    return readAndParse(req, limit);
  } catch (error) {
    if (error instanceof McpRequestBodyError) return { error };
    throw error;
  }
}

function settle(outcome: Outcome): unknown {
  if ('error' in outcome) throw outcome.error;
  return outcome.body;
}

/**
 * The JSON-RPC payload of a POST to an MCP endpoint, read once per request and shared by whoever asks (the scope
 * check and the SDK transport): the framework's parse when it parsed the body as JSON (`parsed`: Express's
 * `req.body`, the default, or Fastify's `request.body`); otherwise the endpoint reads the stream itself with
 * body-parser's rules — `Content-Type: application/json` (else 415), at most `limit` bytes (else 413), a JSON object
 * or array (else 400, JSON-RPC `-32700`). A body a text or raw parser left as a string or `Buffer` is parsed the
 * same way. Synchronous when the outcome is known; throws (or rejects with) `McpRequestBodyError`. Never
 * `undefined`. Keyed by the Node request: whoever asks later gets the first outcome.
 */
export function mcpRequestBody(
  req: IncomingMessage,
  limit: number,
  parsed: unknown = (req as RequestWithBody).body,
): unknown {
  let outcome = outcomes.get(req);
  if (outcome === undefined) {
    outcome = decide(req, parsed, limit);
    outcomes.set(req, outcome);
    if (outcome instanceof Promise) void outcome.then((settled) => outcomes.set(req, settled));
  }
  return outcome instanceof Promise ? outcome.then(settle) : settle(outcome);
}

/** The payload `mcpRequestBody` already produced for `req` (`undefined` when it has not, or failed). */
export function parsedMcpRequestBody(req: IncomingMessage): unknown {
  const outcome = outcomes.get(req);
  return outcome && !(outcome instanceof Promise) && 'body' in outcome ? outcome.body : undefined;
}
