import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import type { McpAuthInfo } from './mcp-auth-info.js';

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

  /** The verified caller of the current request; `undefined` outside a request or on a `@Public()` route. */
  get current(): McpAuthInfo | undefined {
    return this.storage.getStore()?.auth;
  }

  /** The verified caller; throws when there is none (a programming error: the route is not guarded). */
  require(): McpAuthInfo {
    const auth = this.current;
    if (!auth) throw new Error('McpAuthContext.require(): no authenticated caller in this context');
    return auth;
  }

  /** Runs `fn` with `auth` as the current caller (tests, background work on behalf of a caller). */
  run<T>(auth: McpAuthInfo | undefined, fn: () => T): T {
    return this.storage.run({ auth }, fn);
  }

  /** @internal Opens an empty slot for a request (the module's middleware). */
  runWithSlot<T>(fn: () => T): T {
    return this.storage.run({}, fn);
  }

  /** @internal Publishes the caller for the rest of the current request. */
  publish(auth: McpAuthInfo): void {
    const slot = this.storage.getStore();
    if (slot) slot.auth = auth;
    else this.storage.enterWith({ auth });
  }
}
