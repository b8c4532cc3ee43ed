import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpRequestBinding } from './mcp-request-binding.js';

const request = (name: string) => ({ name }) as unknown as IncomingMessage;
const response = () => new EventEmitter() as unknown as ServerResponse;
const call = (id: unknown) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 't' } });

describe('McpRequestBinding', () => {
  it('R40: a session binds each JSON-RPC request of a body (one message or a batch) until its response closes', () => {
    const binding = McpRequestBinding.forSession();
    const [a, b] = [request('a'), request('b')];
    const [resA, resB] = [response(), response()];
    binding.bind(a, resA, call(1));
    binding.bind(b, resB, [call('x'), call(2), { jsonrpc: '2.0', method: 'notifications/initialized' }]);
    expect([binding.request(1), binding.request('x'), binding.request(2)]).toEqual([a, b, b]);
    (resA as unknown as EventEmitter).emit('close');
    expect(binding.request(1)).toBeUndefined();
    expect(binding.request(2)).toBe(b);
    (resB as unknown as EventEmitter).emit('close');
    expect([binding.request('x'), binding.request(2), binding.request(undefined)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('R40: responses, notifications and malformed ids bind nothing; an id in flight is refused until its response closes', () => {
    const binding = McpRequestBinding.forSession();
    const res = response();
    binding.bind(request('r'), res, [
      { jsonrpc: '2.0', id: 5, result: {} },
      call(null),
      call({}),
      'junk',
      null,
    ]);
    expect(res.listenerCount('close')).toBe(0);
    const [first, second] = [request('first'), request('second')];
    const [resFirst, resSecond] = [response(), response()];
    expect(binding.bind(first, resFirst, call(7))).toBe(true);
    expect(binding.bind(second, resSecond, [call(8), call(7)])).toBe(false); // 7 is in flight: nothing bound
    expect([binding.request(7), binding.request(8)]).toEqual([first, undefined]);
    expect(resSecond.listenerCount('close')).toBe(0);
    expect(binding.bind(second, resSecond, [call(9), call(9)])).toBe(false); // one id twice in a batch
    expect(binding.request(9)).toBeUndefined();
    expect(binding.bind(second, resSecond, call('7'))).toBe(true); // a string id is another id
    (resFirst as unknown as EventEmitter).emit('close');
    expect(binding.request(7)).toBeUndefined();
    expect(binding.bind(second, response(), call(7))).toBe(true);
    expect(binding.request(7)).toBe(second);
  });

  it('R40: a stateless server’s binding answers its one request for every id and binds nothing more', () => {
    const only = request('only');
    const binding = McpRequestBinding.of(only);
    const res = response();
    expect(binding.bind(request('other'), res, call(1))).toBe(true);
    expect(binding.bind(request('other'), res, call(1))).toBe(true); // a single request: no id to keep apart
    expect([binding.request(1), binding.request('any'), binding.request(undefined)]).toEqual([
      only,
      only,
      only,
    ]);
    expect(res.listenerCount('close')).toBe(0);
  });
});
