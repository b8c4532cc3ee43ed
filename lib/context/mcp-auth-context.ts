import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { MCP_AUTH_CONTEXT_ENABLED } from '../core/internal-tokens.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { RequestSlot } from '../core/request-slot.js';

/** Each request's slot, kept with the request (`RequestSlot`). */
const slots = new RequestSlot<McpAuthSlot>('context');

/** The per-request slot the guard fills (one object per request, created by the context middleware). */
export interface McpAuthSlot {
  auth?: McpAuthInfo;
}

/**
 * The caller of the current request, for any singleton service — no request-scoped providers needed
 * (AsyncLocalStorage, as nestjs-cls does it). On when the module's `context` option is `true`.
 *
 * ```ts
 * @Injectable()
 * export class TodoService {
 *   constructor(private readonly auth: McpAuthContext) {}
 *   list() { return this.todos.filter((t) => t.owner === this.auth.require().subject); }
 * }
 * ```
 */
@Injectable()
export class McpAuthContext {
  private readonly storage = new AsyncLocalStorage<McpAuthSlot>();

  /** @param enabled whether each request stores its caller: the module's `context` option. */
  constructor(@Inject(MCP_AUTH_CONTEXT_ENABLED) readonly enabled: boolean) {}

  /**
   * The verified caller of the current request (or of the enclosing `run()`); `undefined` outside a request and
   * on routes the guard does not protect.
   *
   * @throws McpAuthConfigError `ERR_CONTEXT_DISABLED` when the `context` option is off (outside `run()`).
   */
  get current(): McpAuthInfo | undefined {
    const slot = this.storage.getStore();
    if (slot === undefined && !this.enabled) {
      throw new McpAuthConfigError(
        'ERR_CONTEXT_DISABLED',
        'McpAuthContext is off: set context: true in the McpAuthModule options to read the caller in services ' +
          '(or read it with @AuthInfo() in the controller)',
        { option: 'context' },
      );
    }
    return slot?.auth;
  }

  /**
   * The verified caller; throws where there is none.
   *
   * @throws McpAuthConfigError `ERR_NO_CALLER` outside a request, on a `@Public()` route or a route the guard does
   *   not protect; `ERR_CONTEXT_DISABLED` when the `context` option is off.
   */
  require(): McpAuthInfo {
    const auth = this.current;
    if (!auth) {
      throw new McpAuthConfigError(
        'ERR_NO_CALLER',
        'McpAuthContext.require(): no authenticated caller here (outside a request, or a route McpAuthGuard does not protect)',
      );
    }
    return auth;
  }

  /**
   * Runs `fn` with `auth` as the current caller — in tests, or for background work on behalf of a caller. It works
   * whatever the `context` option: inside `fn`, `current` is `auth`. (Its first call turns AsyncLocalStorage on for
   * the process, with the cost the `context` option describes.)
   */
  run<T>(auth: McpAuthInfo | undefined, fn: () => T): T {
    return this.storage.run({ auth }, fn);
  }

  /**
   * @internal Opens an empty slot for a request (the module's middleware) and runs the rest of the request in it.
   * The slot is also kept by request, so that publishing needs no store lookup.
   */
  runWithSlot<T>(request: object, fn: () => T): T {
    const slot: McpAuthSlot = {};
    slots.set(request, slot);
    return this.storage.run(slot, fn);
  }

  /**
   * @internal Publishes the caller for the rest of the request, in the slot the middleware opened for it. Never
   * `enterWith()`: in a request callback it would leak the caller to later requests on the same connection.
   */
  publish(request: object, auth: McpAuthInfo): void {
    const slot = slots.get(request);
    if (slot) slot.auth = auth;
  }
}
