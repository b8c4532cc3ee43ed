import { handlersInvoked, headerMismatch } from './json-rpc-invocations.js';

describe('handlersInvoked', () => {
  it('R34, R41: tools/call and prompts/get by name, resources/read by URI, in a message or a batch', () => {
    const call = (method: string, params: unknown) => ({ jsonrpc: '2.0', id: 1, method, params });
    expect(
      handlersInvoked([
        call('tools/call', { name: 'a' }),
        call('prompts/get', { name: 'p' }),
        call('resources/read', { uri: 'todo://1' }),
        call('resources/list', {}),
      ]),
    ).toEqual([
      { kind: 'tool', name: 'a' },
      { kind: 'prompt', name: 'p' },
      { kind: 'resource', uri: 'todo://1' },
    ]);
    expect(handlersInvoked(call('resources/read', { uri: 'x://y' }))).toEqual([
      { kind: 'resource', uri: 'x://y' },
    ]);
  });

  it('ignores what is not a well-formed call (the SDK answers it)', () => {
    for (const body of [
      null,
      42,
      'x',
      [null],
      { method: 'tools/call' },
      { method: 'resources/read', params: { uri: 1 } },
    ]) {
      expect(handlersInvoked(body)).toEqual([]);
    }
  });
});

describe('headerMismatch', () => {
  const message = (method: string, params: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0',
    id: 1,
    method,
    params,
  });
  const b64 = (text: string) => `=?base64?${Buffer.from(text).toString('base64')}?=`;

  it('R44: headers that agree with the body (or are absent) pass', () => {
    expect(headerMismatch(message('tools/list'), {})).toBeUndefined();
    expect(headerMismatch(message('tools/list'), { 'mcp-method': 'tools/list' })).toBeUndefined();
    const call = message('tools/call', { name: 'create-todo' });
    expect(headerMismatch(call, { 'mcp-method': 'tools/call', 'mcp-name': 'create-todo' })).toBeUndefined();
    expect(
      headerMismatch(call, { 'mcp-method': 'tools/call', 'mcp-name': b64('create-todo') }),
    ).toBeUndefined();
    const read = message('resources/read', { uri: 'todo://1' });
    expect(headerMismatch(read, { 'mcp-method': 'resources/read', 'mcp-name': 'todo://1' })).toBeUndefined();
    expect(headerMismatch(message('server/discover'), { 'mcp-method': 'server/discover' })).toBeUndefined();
  });

  it('R44: a method or name that differs from the body, an invalid base64 name, or headers on a batch → mismatch', () => {
    const call = message('tools/call', { name: 'get-todos' });
    expect(headerMismatch(call, { 'mcp-method': 'tools/list' })).toMatch(
      /Mcp-Method header names tools\/list/,
    );
    expect(headerMismatch(call, { 'mcp-method': 'tools/call', 'mcp-name': 'delete-todo' })).toMatch(
      /params\.name="get-todos" but the Mcp-Name header names "delete-todo"/,
    );
    expect(headerMismatch(call, { 'mcp-name': b64('delete-todo') })).toMatch(/Mcp-Name/);
    expect(headerMismatch(call, { 'mcp-name': '=?base64?not base64!?=' })).toMatch(/invalid base64/);
    expect(headerMismatch([call, call], { 'mcp-method': 'tools/call' })).toMatch(/one JSON-RPC message/);
    expect(headerMismatch({ jsonrpc: '2.0', id: 1, result: {} }, { 'mcp-method': 'tools/call' })).toMatch(
      /one JSON-RPC message/,
    );
    expect(headerMismatch(call, { 'mcp-method': ['tools/call', 'tools/call'] })).toMatch(/Mcp-Method/);
  });

  it('R44: an Mcp-Name in base64 is read only from its canonical spelling and well-formed UTF-8', () => {
    const call = message('tools/call', { name: 'get-todo' });
    const canonical = Buffer.from('get-todo').toString('base64'); // Z2V0LXRvZG8= (two unused bits before '=')
    expect(headerMismatch(call, { 'mcp-name': `=?base64?${canonical}?=` })).toBeUndefined();
    const unusedBitsSet = `${canonical.slice(0, -2)}9=`; // '8' → '9': the same bytes to a lenient decoder
    expect(Buffer.from(unusedBitsSet, 'base64').toString()).toBe('get-todo');
    for (const spelled of [
      unusedBitsSet,
      canonical.slice(0, -1),
      ` ${canonical}`,
      canonical.replace('LX', 'L X'),
    ]) {
      expect(headerMismatch(call, { 'mcp-name': `=?base64?${spelled}?=` })).toMatch(/invalid base64/);
    }
    const notUtf8 = Buffer.from([0x67, 0xff, 0x74]).toString('base64');
    expect(headerMismatch(call, { 'mcp-name': `=?base64?${notUtf8}?=` })).toMatch(/invalid base64/);
  });

  it('Mcp-Name on a method without a name is not compared (as the SDK does)', () => {
    expect(headerMismatch(message('tools/list'), { 'mcp-name': 'anything' })).toBeUndefined();
  });
});
