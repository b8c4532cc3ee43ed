import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { MCP_AUTH_CONTEXT_MODE } from '../core/internal-tokens.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';

const SLOT = Symbol('nest-mcp-auth:context-slot');

/**
 * Whether the context stores the caller: `'on'`; `'off'` (`context: false`); `'unused'` (`context: 'auto'` and
 * nothing in the application injects `McpAuthContext`).
 */
export type McpAuthContextMode = 'on' | 'off' | 'unused';

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
  /** Whether the caller is stored (the module's `context` option; `'auto'` decided at boot). */
  readonly enabled: boolean;

  /** @param mode see `McpAuthContextMode`; the module decides it from its `context` option. */
  constructor(@Optional() @Inject(MCP_AUTH_CONTEXT_MODE) readonly mode: McpAuthContextMode = 'on') {
    this.enabled = mode === 'on';
  }

  /** The verified caller of the current request; `undefined` outside a request or on a `@Public()` route. */
  get current(): McpAuthInfo | undefined {
    if (this.enabled) return this.storage.getStore()?.auth;
    if (this.mode === 'unused') {
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        "McpAuthContext is off: with context: 'auto' it is on only when a provider, controller or enhancer " +
          'injects McpAuthContext, and none does. Obtained another way (moduleRef.get, app.get)? Set context: true',
        { option: 'context' },
      );
    }
    return undefined;
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
