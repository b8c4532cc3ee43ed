import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { McpRequestBodyError, mcpRequestBody, parsedMcpRequestBody } from './mcp-request-body.js';

type Req = IncomingMessage & { body?: unknown };

/** A POST whose body arrives as the given chunks (`null`: nothing pushed yet). */
function post(headers: Record<string, string>, chunks: string[] | null = [], body?: unknown): Req {
  const req = new IncomingMessage(new Socket()) as Req;
  req.method = 'POST';
  req.headers = headers;
  if (body !== undefined) req.body = body;
  if (chunks) {
    for (const c of chunks) req.push(Buffer.from(c));
    req.push(null);
  }
  return req;
}

const JSON_TYPE = { 'content-type': 'application/json' };

async function refusal(req: Req, limit = 1024): Promise<McpRequestBodyError> {
  try {
    await mcpRequestBody(req, limit);
  } catch (error) {
    expect(error).toBeInstanceOf(McpRequestBodyError);
    return error as McpRequestBodyError;
  }
  throw new Error('expected a refusal');
}

describe('mcpRequestBody', () => {
  it('takes the object Nest parsed, synchronously', () => {
    const body = { jsonrpc: '2.0', method: 'ping', id: 1 };
    const req = post(JSON_TYPE, null, body);
    expect(mcpRequestBody(req, 10)).toBe(body);
    expect(parsedMcpRequestBody(req)).toBe(body);
  });

  it('reads and parses the stream when nothing parsed it, once per request', async () => {
    const req = post({ 'content-type': 'application/json; charset=UTF-8' }, ['{"a":', '1}']);
    expect(parsedMcpRequestBody(req)).toBeUndefined();
    const first = await mcpRequestBody(req, 1024);
    expect(first).toEqual({ a: 1 });
    expect(mcpRequestBody(req, 1024)).toBe(first); // memoised: the same object, now synchronously
    expect(parsedMcpRequestBody(req)).toBe(first);
  });

  it('parses a string or Buffer a text or raw parser left, within the limit', () => {
    expect(mcpRequestBody(post(JSON_TYPE, null, '[1]'), 10)).toEqual([1]);
    expect(mcpRequestBody(post(JSON_TYPE, null, Buffer.from('{"b":2}')), 10)).toEqual({ b: 2 });
    expect(() => mcpRequestBody(post(JSON_TYPE, null, `[${'1,'.repeat(20)}1]`), 10)).toThrow(
      expect.objectContaining({ status: 413 }),
    );
  });

  it("R34: refuses what a lenient JSON parser makes of a JSON scalar (Fastify's default parser): 400 / -32700", () => {
    // A JSON string body: the parser hands over its content, shorter than the declared bytes.
    const wrapped = JSON.stringify('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    const decoded = JSON.parse(wrapped) as string;
    const headers = { ...JSON_TYPE, 'content-length': String(Buffer.byteLength(wrapped)) };
    for (const body of [decoded, null, 42, true]) {
      expect(() => mcpRequestBody(post(headers, null, body), 1024)).toThrow(
        expect.objectContaining({ status: 400, rpcCode: -32700 }),
      );
    }
    // The same text as a text parser hands it over (its length is the declared one): parsed.
    const raw = { ...JSON_TYPE, 'content-length': String(Buffer.byteLength(decoded)) };
    expect(mcpRequestBody(post(raw, null, decoded), 1024)).toMatchObject({ method: 'ping' });
  });

  it('R34: a body the framework parsed is still bounded by the declared Content-Length', () => {
    const headers = { ...JSON_TYPE, 'content-length': '2048' };
    expect(() => mcpRequestBody(post(headers, null, { a: 1 }), 1024)).toThrow(
      expect.objectContaining({ status: 413 }),
    );
  });

  it.each([
    ['text/plain', {}],
    ['application/jsonx', {}],
    ['application/json; charset=utf-16', {}],
    ['application/json', { 'content-encoding': 'gzip' }],
  ])('refuses Content-Type %s (%j) with 415', async (type, extra) => {
    const error = await refusal(post({ 'content-type': type, ...extra }, ['{}']));
    expect(error).toMatchObject({ status: 415, rpcCode: -32000 });
  });

  it('refuses a Content-Type other than JSON even when Nest parsed the body', async () => {
    expect(await refusal(post({ 'content-type': 'text/plain' }, null, { a: 1 }))).toMatchObject({
      status: 415,
    });
  });

  it('413 by Content-Length before reading, and by counting when the length is not declared', async () => {
    const declared = post({ ...JSON_TYPE, 'content-length': '2000' }, null);
    expect(await refusal(declared)).toMatchObject({ status: 413 });
    expect(await refusal(post(JSON_TYPE, ['[', '1,'.repeat(600), '1]']))).toMatchObject({ status: 413 });
  });

  it.each([['{"a":'], ['"a string"'], ['42'], ['  ']])('answers %j with 400 / -32700', async (text) => {
    expect(await refusal(post(JSON_TYPE, [text]))).toMatchObject({ status: 400, rpcCode: -32700 });
  });

  it('reads an empty body as {} (as body-parser does) and accepts a byte order mark', async () => {
    await expect(mcpRequestBody(post(JSON_TYPE, []), 10)).resolves.toEqual({});
    await expect(mcpRequestBody(post(JSON_TYPE, ['\uFEFF{"c":3}']), 100)).resolves.toEqual({ c: 3 });
  });

  it('refuses a body consumed by someone else, and an aborted upload', async () => {
    const consumed = post(JSON_TYPE, ['{}']);
    consumed.resume();
    await new Promise((resolve) => consumed.once('end', resolve));
    expect(await refusal(consumed)).toMatchObject({ status: 400 });
    const aborted = post(JSON_TYPE, null);
    aborted.push(Buffer.from('{"a"'));
    const pending = refusal(aborted);
    aborted.emit('aborted');
    expect(await pending).toMatchObject({ status: 400 });
  });
});
