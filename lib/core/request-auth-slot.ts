import { RequestSlot } from './request-slot.js';

/** The caller published on each Express request. */
const callers = new RequestSlot<unknown>('caller');

/**
 * Makes `req.auth` of an Express app an accessor of its request prototype (`app.request`, Express's documented
 * extension point), whose value is kept in a {@link RequestSlot} (the request's `res.locals`, under a symbol)
 * instead of an own property added to every request: Express sets each request's prototype
 * (`Object.setPrototypeOf(req, app.request)`), after which a property added to a request costs a hidden class of its
 * own on Node 20 (~1.4 µs per request, measured: the bench's `floor-guard-publish` against `floor-guard`). Reading
 * and writing `req.auth` behave as with an own property — the MCP SDK's transports, `@AuthInfo()` and the app's
 * code see the same value — except that it is not enumerable. Left alone when the prototype already has an `auth`
 * of its own.
 */
export function installRequestAuthSlot(app: unknown): void {
  const prototype = (app as { request?: unknown } | null)?.request;
  if (typeof prototype !== 'object' || prototype === null || Object.hasOwn(prototype, 'auth')) return;
  Object.defineProperty(prototype, 'auth', {
    configurable: true,
    enumerable: false,
    get(this: object): unknown {
      return callers.get(this);
    },
    set(this: object, value: unknown) {
      callers.set(this, value);
    },
  });
}
