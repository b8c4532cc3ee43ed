import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { MCP_CONTEXT_TYPE } from '../core/mcp-invocation.js';
import { jsonRpcError } from './json-rpc-error.js';
import { publicMessage } from './mcp-answers.js';
import type { McpHandler } from './mcp-handler.js';
import { MCP_SERVER_CONTROLLER, MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { McpThrottleContext } from './mcp-throttle-context.js';

/** The JSON-RPC error code of a request over its rate limit (a transport-level refusal, as the SDK's `-32000`). */
const RATE_LIMITED_RPC_CODE = -32000;

/** What the endpoint uses of a `ThrottlerGuard` (structural: the module never imports `@nestjs/throttler`). */
interface Throttler extends CanActivate {
  onModuleInit?(): unknown;
}

/** The part of throttler's `ThrottlerLimitDetail` its `throwThrottlingException` hook receives that is read here. */
interface LimitDetail {
  /** Seconds until the caller may call again. */
  readonly timeToBlockExpire: number;
}

/** A handler seen as a route: its class and its method (the throttler keys budgets and reads metadata by them). */
interface HandlerRoute {
  readonly type: Type;
  readonly method: (...args: never[]) => unknown;
}

/** The controller classes of MCP endpoints that limit their requests themselves (`throttler` option). */
const throttledEndpoints = new WeakSet<object>();

/**
 * For `ThrottlerModule.forRoot({ skipIf: mcpThrottlerSkip })` (or a `ThrottlerGuard` subclass's `shouldSkip`): an
 * app-wide `ThrottlerGuard` skips what `McpServerModule` limits itself — the MCP handlers' `'mcp'` context (the
 * limit was decided on the HTTP request, before dispatch; the guard would read the tool's arguments as the request)
 * and the MCP endpoint routes whose module has a `throttler` (decided there after authentication, per handler).
 */
export function mcpThrottlerSkip(context: ExecutionContext): boolean {
  if (context.getType<string>() === MCP_CONTEXT_TYPE) return true;
  if (context instanceof McpThrottleContext) return false;
  return throttledEndpoints.has(context.getClass());
}

/**
 * Per-caller rate limits on the MCP endpoint with the app's `@nestjs/throttler` (the `throttler` option): after
 * authentication, each handler a request invokes (`tools/call`, `resources/read`, `prompts/get`) is judged by a
 * `ThrottlerGuard` as a route of its own — its class and method, so `@Throttle` / `@SkipThrottle` on the handler or
 * its class apply and every handler has its own budget; a request that invokes none is judged as the endpoint's
 * route. Over the limit, the HTTP request is answered 429 with `Retry-After` and a JSON-RPC error before anything
 * is dispatched (RFC 6585 §4).
 */
@Injectable()
export class McpThrottling implements OnModuleInit {
  private guard?: Throttler;
  private readonly routes = new WeakMap<McpHandler, HandlerRoute>();

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) private readonly options: McpServerModuleOptions,
    @Inject(MCP_SERVER_CONTROLLER) private readonly controller: Type,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Whether the endpoint limits its requests (a `throttler` is configured). */
  get enabled(): boolean {
    return this.guard !== undefined;
  }

  async onModuleInit(): Promise<void> {
    const { throttler } = this.options;
    if (throttler === undefined) return;
    this.guard = await createThrottler(throttler, this.moduleRef);
    throttledEndpoints.add(this.controller);
  }

  /**
   * Counts the request (`context`, authenticated) against the budget of each handler it invokes, or of the
   * endpoint's route when it invokes none. Throws a 429 `HttpException` (JSON-RPC body; `Retry-After` set on
   * the response) when one is exhausted.
   */
  async check(context: ExecutionContext, handlers: readonly McpHandler[]): Promise<true> {
    const routes = handlers.length > 0 ? handlers.map((h) => this.route(h)) : [routeOf(context)];
    for (const { type, method } of routes) {
      try {
        await this.guard!.canActivate(McpThrottleContext.of(context, type, method));
      } catch (error) {
        if (!(error instanceof HttpException) || error.getStatus() !== HttpStatus.TOO_MANY_REQUESTS)
          throw error;
        throw new HttpException(
          jsonRpcError(RATE_LIMITED_RPC_CODE, publicMessage(error)),
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
    }
    return true;
  }

  private route(handler: McpHandler): HandlerRoute {
    let route = this.routes.get(handler);
    if (!route) {
      const { instance, methodName } = handler.host;
      const method = (instance as Record<string, HandlerRoute['method']>)[methodName];
      route = { type: instance.constructor as Type, method };
      this.routes.set(handler, route);
    }
    return route;
  }
}

function routeOf(context: ExecutionContext): HandlerRoute {
  return { type: context.getClass(), method: context.getHandler() as HandlerRoute['method'] };
}

/**
 * The app's `ThrottlerGuard` class, subclassed so that a refusal always carries `Retry-After` (the guard sets it
 * only for its `default` throttler, and not at all with `setHeaders: false`), created by Nest's injector with the
 * app's `ThrottlerModule` options and storage.
 */
async function createThrottler(throttler: unknown, moduleRef: ModuleRef): Promise<Throttler> {
  const prototype = (throttler as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const inherited = prototype?.throwThrottlingException;
  if (
    typeof throttler !== 'function' ||
    typeof prototype?.canActivate !== 'function' ||
    typeof inherited !== 'function'
  ) {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      "McpServerModule throttler must be @nestjs/throttler's ThrottlerGuard class (or a subclass of it)",
      { option: 'throttler' },
    );
  }
  const Base = throttler as Type<Throttler>;
  class McpEndpointThrottler extends Base {
    /** `ThrottlerGuard`'s protected hook, called with the blocked throttler's details just before it throws. */
    throwThrottlingException(context: ExecutionContext, detail: LimitDetail): Promise<void> {
      const { res } = (this as unknown as ThrottlerHooks).getRequestResponse(context);
      (this as unknown as ThrottlerHooks).setResponseHeader(
        res,
        'Retry-After',
        Math.max(1, detail.timeToBlockExpire),
      );
      return (inherited as ThrottlerHooks['throwThrottlingException']).call(this, context, detail);
    }
  }
  let guard: Throttler;
  try {
    guard = await moduleRef.create(McpEndpointThrottler);
  } catch (error) {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `McpServerModule throttler: ${Base.name} could not be created — import ThrottlerModule.forRoot() ` +
        `(or forRootAsync()) in the app (${(error as Error).message})`,
      { option: 'throttler', cause: error },
    );
  }
  await guard.onModuleInit?.();
  return guard;
}

/** `ThrottlerGuard`'s protected hooks used by the subclass above. */
interface ThrottlerHooks {
  getRequestResponse(context: ExecutionContext): { req: object; res: object };
  setResponseHeader(res: object, name: string, value: number): void;
  throwThrottlingException(context: ExecutionContext, detail: LimitDetail): Promise<void>;
}
