import { RequestSlot } from './request-slot.js';

describe('RequestSlot', () => {
  it("keeps an Express request's value in its res.locals, under a symbol no string key shows", () => {
    const slot = new RequestSlot<string>('test');
    const locals = Object.create(null) as Record<string, unknown>;
    const req = { res: { locals } };
    expect(slot.get(req)).toBeUndefined();
    slot.set(req, 'alice');
    expect(slot.get(req)).toBe('alice');
    expect(Object.keys(req)).toEqual(['res']); // nothing added to the request itself
    expect(Object.keys(locals)).toEqual([]);
    expect(JSON.stringify(locals)).toBe('{}');
    expect(Object.getOwnPropertySymbols(locals)).toHaveLength(1);
    slot.set(req, undefined);
    expect(slot.get(req)).toBeUndefined();
  });

  it('R17: keeps any other request’s value on the request under a symbol; requests and slots stay apart', () => {
    const [a, b] = [new RequestSlot<string>('a'), new RequestSlot<string>('b')];
    const [one, two] = [{ headers: {} }, { headers: {} }];
    a.set(one, 'a1');
    b.set(one, 'b1');
    a.set(two, 'a2');
    expect([a.get(one), b.get(one), a.get(two), b.get(two)]).toEqual(['a1', 'b1', 'a2', undefined]);
    expect(Object.keys(one)).toEqual(['headers']);
    expect(JSON.stringify(one)).toBe('{"headers":{}}');
  });

  it('R17: the same request seen as its Express request and as its Node request is one request', () => {
    const slot = new RequestSlot<number>('same');
    const res = { locals: Object.create(null) as object };
    const req = { res };
    slot.set(req, 7);
    expect(slot.get({ res })).toBe(7); // another view of the same exchange (same res.locals)
    expect(slot.get({ res: { locals: Object.create(null) as object } })).toBeUndefined();
  });

  it('falls back to a WeakMap for a request that cannot take a property', () => {
    const slot = new RequestSlot<string>('frozen');
    const req = Object.freeze({ method: 'GET' });
    slot.set(req, 'bob');
    expect(slot.get(req)).toBe('bob');
    expect(slot.get(Object.freeze({ method: 'GET' }))).toBeUndefined();
    slot.set(req, undefined);
    expect(slot.get(req)).toBeUndefined();
  });
});
