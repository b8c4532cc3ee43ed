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
    expect(Object.getOwnPropertySymbols(locals)).toHaveLength(2); // the value, and which request owns locals
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

  it("R17: requests whose res.locals is one shared object never read each other's values", () => {
    const slot = new RequestSlot<string>('shared');
    const locals = Object.create(null) as object;
    const [alice, bob] = [{ res: { locals } }, { res: { locals } }];
    slot.set(alice, 'alice');
    slot.set(bob, 'bob');
    expect([slot.get(alice), slot.get(bob)]).toEqual(['alice', 'bob']);
    expect(slot.get({ res: { locals } })).toBeUndefined(); // a third request sharing it: nothing, not Alice's
  });

  it("R17: a request whose res.locals was replaced reads nothing, never another request's value", () => {
    const slot = new RequestSlot<string>('replaced');
    const req: { res: { locals: object } } = { res: { locals: Object.create(null) as object } };
    slot.set(req, 'alice');
    req.res.locals = Object.create(null) as object;
    expect(slot.get(req)).toBeUndefined();
    slot.set(req, 'alice again');
    expect(slot.get(req)).toBe('alice again');
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
