import { handlersInvoked } from './json-rpc-invocations.js';

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
