import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { MCP_AUTH_CONTEXT_ENABLED } from '../options/tokens.js';
import type { McpAuthInfo } from './mcp-auth-info.js';

const SLOT = Symbol('nest-mcp-auth:context-slot');

/** The per-request slot the guard fills (one object per request, created by the context middleware). */
export interface McpAuthSlot {
  auth?: McpAuthInfo;
}

/**
 * The caller of the current request, for any singleton service — no request-scoped providers needed
 * (AsyncLocalStorage, as nestjs-cls does it).
 *
 * ```ts
 * @Injectable()
 * export class TodoService {
 *   constructor(private readonly auth: McpAuthContext) {}
 *   list() { return this.todos.filter((t) => t.owner === this.auth.current?.subject); }
 * }
 * ```
 */
@Injectable()
export class McpAuthContext {
  private readonly storage = new AsyncLocalStorage<McpAuthSlot>();

  /**
   * @param enabled `false` (the module's `context: false`): nothing is stored, `current` is always `undefined` —
   *   AsyncLocalStorage costs every promise of the process something on Node 20 and 22.
   */
  constructor(@Optional() @Inject(MCP_AUTH_CONTEXT_ENABLED) readonly enabled: boolean = true) {}

  /** The verified caller of the current request; `undefined` outside a request or on a `@Public()` route. */
  get current(): McpAuthInfo | undefined {
    return this.enabled ? this.storage.getStore()?.auth : undefined;
  }

  /** The verified caller; throws when there is none (a programming error: the route is not guarded). */
  require(): McpAuthInfo {
    const auth = this.current;
    if (!auth) throw new Error('McpAuthContext.require(): no authenticated caller in this context');
    return auth;
  }

  /** Runs `fn` with `auth` as the current caller (tests, background work on behalf of a caller). */
  run<T>(auth: McpAuthInfo | undefined, fn: () => T): T {
    return this.enabled ? this.storage.run({ auth }, fn) : fn();
  }

  /**
   * @internal Opens an empty slot for a request (the module's middleware) and runs the rest of the request in it.
   * The slot is also kept on the request, so that publishing needs no store lookup.
   */
  runWithSlot<T>(request: object, fn: () => T): T {
    const slot: McpAuthSlot = {};
    (request as { [SLOT]?: McpAuthSlot })[SLOT] = slot;
    return this.storage.run(slot, fn);
  }

  /**
   * @internal Publishes the caller for the rest of the request, in the slot the middleware opened for it. Never
   * `enterWith()`: in a request callback it would leak the caller to later requests on the same connection.
   */
  publish(request: object, auth: McpAuthInfo): void {
    const slot = (request as { [SLOT]?: McpAuthSlot })[SLOT];
    if (slot) slot.auth = auth;
  }
}
