import { installRequestAuthSlot } from './request-auth-slot.js';

describe('installRequestAuthSlot', () => {
  it("R17: makes req.auth an accessor of the app's request prototype: per request, as an own property would be", () => {
    const app = { request: {} };
    installRequestAuthSlot(app);
    const [a, b] = [
      Object.create(app.request) as { auth?: unknown },
      Object.create(app.request) as { auth?: unknown },
    ];
    expect(a.auth).toBeUndefined();
    a.auth = { subject: 'alice' };
    b.auth = { subject: 'bob' };
    expect([a.auth, b.auth]).toEqual([{ subject: 'alice' }, { subject: 'bob' }]);
    expect(Object.keys(a)).toEqual([]); // no own property: the request keeps its hidden class
    a.auth = undefined;
    expect(a.auth).toBeUndefined();
    expect(b.auth).toEqual({ subject: 'bob' });
  });

  it('leaves a prototype that already has an auth of its own, and anything without a request prototype', () => {
    const own = { request: { auth: 'theirs' } };
    installRequestAuthSlot(own);
    expect(Object.getOwnPropertyDescriptor(own.request, 'auth')).toEqual({
      value: 'theirs',
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(() => installRequestAuthSlot(undefined)).not.toThrow();
    expect(() => installRequestAuthSlot({})).not.toThrow();
  });
});
