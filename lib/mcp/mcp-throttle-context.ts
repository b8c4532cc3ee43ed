import type { ExecutionContext, Type } from '@nestjs/common';

type HttpArgumentsHost = ReturnType<ExecutionContext['switchToHttp']>;
type RpcArgumentsHost = ReturnType<ExecutionContext['switchToRpc']>;
type WsArgumentsHost = ReturnType<ExecutionContext['switchToWs']>;

/**
 * The execution context the MCP endpoint hands `@nestjs/throttler`'s `ThrottlerGuard` for one invoked handler: the
 * HTTP request being decided (`switchToHttp()` gives its request and response, `getType()` is `'http'`), seen as
 * a route of the handler — `getClass()` is the tool's class and `getHandler()` its method — so the guard reads
 * `@Throttle` / `@SkipThrottle` of the tool and keeps one budget per tool, exactly as for a controller route.
 */
export class McpThrottleContext implements ExecutionContext {
  constructor(
    private readonly args: readonly unknown[],
    private readonly type: Type,
    private readonly handler: (...args: never[]) => unknown,
  ) {}

  /** The context of `type.handler` for the HTTP request of `http` (a route's context). */
  static of(http: ExecutionContext, type: Type, handler: (...args: never[]) => unknown): McpThrottleContext {
    return new McpThrottleContext(http.getArgs(), type, handler);
  }

  getClass<T = unknown>(): Type<T> {
    return this.type as Type<T>;
  }

  getHandler(): (...args: never[]) => unknown {
    return this.handler;
  }

  getArgs<T extends unknown[] = unknown[]>(): T {
    return [...this.args] as T;
  }

  getArgByIndex<T = unknown>(index: number): T {
    return this.args[index] as T;
  }

  getType<T extends string = string>(): T {
    return 'http' as T;
  }

  switchToHttp(): HttpArgumentsHost {
    const [request, response, next] = this.args;
    return {
      getRequest: <T>() => request as T,
      getResponse: <T>() => response as T,
      getNext: <T>() => next as T,
    };
  }

  switchToRpc(): RpcArgumentsHost {
    return { getData: <T>() => this.args[0] as T, getContext: <T>() => this.args[1] as T };
  }

  switchToWs(): WsArgumentsHost {
    return {
      getClient: <T>() => this.args[0] as T,
      getData: <T>() => this.args[1] as T,
      getPattern: () => this.args[this.args.length - 1] as string,
    };
  }
}
