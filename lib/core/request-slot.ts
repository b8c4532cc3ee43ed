/** Where an Express request's own state lives: `res.locals`, which `app.handle` creates for every request. */
type ExpressRequest = { res?: { locals?: unknown } };

type Holder = Record<symbol, unknown>;

/**
 * One value per HTTP request — the request as the adapter hands it (Express's, Fastify's) or its Node request —
 * kept with the request itself, under a symbol of this slot: in `res.locals` for an Express request (the object
 * Express creates for each request, "scoped to the request"), else as a symbol-keyed property of the request
 * object (Fastify's request and the Node request keep their prototype, so every request takes the same
 * hidden-class transition). A request that can take neither (non-extensible), or whose `res.locals` already holds
 * another request's values (an app sharing one object between responses), uses a WeakMap.
 *
 * Not a WeakMap by request: keyed by short-lived objects, its table grows between collections and every collection
 * walks it — the setter of `req.auth` took 1.9 µs of self time per request when it wrote one (CPU profile of the
 * bench's Express server under load, Node 24) — and not a property of an Express request: after Express's
 * `Object.setPrototypeOf(req, app.request)`, a property added to a request costs ~1.4 µs on Node 20 (measured).
 * Nothing of a slot is enumerable by string keys: templates reading `res.locals`, `Object.keys(req)` and
 * `JSON.stringify` do not see it.
 */
export class RequestSlot<T> {
  private readonly key: symbol;
  private readonly detached = new WeakMap<object, T>();

  /** @param name what the slot holds, for debugging (the symbol's description). */
  constructor(name: string) {
    this.key = Symbol(`nest-mcp-auth.${name}`);
  }

  get(req: object): T | undefined {
    const holder = holderOf(req, false);
    return holder ? (holder[this.key] as T | undefined) : this.detached.get(req);
  }

  set(req: object, value: T | undefined): void {
    const holder = holderOf(req, true);
    if (holder) holder[this.key] = value;
    else if (value === undefined) this.detached.delete(req);
    else this.detached.set(req, value);
  }
}

/** Which request a `res.locals` object belongs to: the first request that kept something in it. */
const OWNER = Symbol('nest-mcp-auth.request');

/**
 * Where `req` keeps its slots. `res.locals` only while it is this request's own: an app that points several
 * responses' `res.locals` at one object (or replaces it after a value was kept) must not let one request read
 * another's caller or body — such a request keeps its values in the WeakMap instead (never another's, at worst
 * none). `claim`: a request may claim a `res.locals` nobody owns yet (when it stores, not when it reads).
 */
function holderOf(req: object, claim: boolean): Holder | undefined {
  const locals = (req as ExpressRequest).res?.locals;
  if (typeof locals === 'object' && locals !== null) {
    const holder = locals as Holder;
    const owner = holder[OWNER];
    if (owner === req) return holder;
    if (owner !== undefined || !claim) return undefined;
    holder[OWNER] = req;
    return holder;
  }
  return Object.isExtensible(req) ? (req as Holder) : undefined;
}
