import type { IncomingMessage } from 'node:http';
import { Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { ContextIdFactory, ExternalContextCreator, ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { McpAuthContext } from '../context/mcp-auth-context.js';
import { MCP_CONTEXT_TYPE, type McpInvocation } from '../core/mcp-invocation.js';
import { RequestSlot } from '../core/request-slot.js';
import type { McpHandler } from './mcp-handler.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import { MCP_ROUTE_ARGS_METADATA, mcpParamsFactory } from './mcp-params.decorators.js';

type NestHandler = (args: unknown, extra: unknown, invocation: McpInvocation) => Promise<unknown>;
type ContextId = ReturnType<typeof ContextIdFactory.create>;

/**
 * Runs MCP handlers through Nest's own pipeline — `ExternalContextCreator`, as `@nestjs/graphql` does: guards,
 * interceptors, pipes and exception filters (method, class, global — `APP_*` and `app.useGlobal*()`) with
 * `ExecutionContext.getType() === 'mcp'` and the arguments `(args, extra, invocation)`. Singleton handlers are
 * built once at boot (`onApplicationBootstrap`, after `main.ts` registered its globals); request-scoped, durable
 * and transient classes are resolved per call under the HTTP request's context id, pinned per request.
 */
@Injectable()
export class McpHandlerPipeline implements OnApplicationBootstrap {
  private readonly built = new Map<McpHandler, NestHandler>();
  private readonly contextIds = new RequestSlot<ContextId>('context-id');

  constructor(
    private readonly registry: McpHandlerRegistry,
    private readonly contextCreator: ExternalContextCreator,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly context?: McpAuthContext,
  ) {}

  onApplicationBootstrap(): void {
    for (const handler of this.registry.all) {
      if (handler.host.isStatic) this.built.set(handler, this.create(handler, handler.host.instance));
    }
  }

  /**
   * Runs `handler` for `invocation`, with the caller as `McpAuthContext.current`. Resolves to what the handler (or
   * an exception filter) returned, Observables unwrapped; rejects with what the pipeline threw.
   */
  async invoke(handler: McpHandler, invocation: McpInvocation): Promise<unknown> {
    const nest = this.built.get(handler) ?? (await this.scoped(handler, invocation.request));
    const call = () => nest(invocation.args, invocation.extra, invocation);
    const { auth } = invocation;
    const value = await (this.context?.enabled && auth ? this.context.run(auth, call) : call());
    return isObservable(value) ? lastValueFrom(value) : value;
  }

  private create(handler: McpHandler, instance: object, contextId?: ContextId): NestHandler {
    const { methodName, inquirerId } = handler.host;
    const method = (instance as Record<string, (...args: unknown[]) => unknown>)[methodName];
    return this.contextCreator.create(
      instance,
      method,
      methodName,
      MCP_ROUTE_ARGS_METADATA,
      mcpParamsFactory,
      contextId,
      inquirerId,
      undefined,
      MCP_CONTEXT_TYPE,
    ) as NestHandler;
  }

  /** A request-scoped (durable, transient) class's handler: its instance for this HTTP request's context. */
  private async scoped(handler: McpHandler, request: IncomingMessage | undefined): Promise<NestHandler> {
    const contextId = request ? this.contextIdOf(request) : ContextIdFactory.create();
    const instance = await this.moduleRef.resolve<object>(handler.host.token, contextId, { strict: false });
    return this.create(handler, instance, contextId);
  }

  /**
   * One context id per HTTP request, so that every handler of a batch shares its request-scoped instances (and
   * shares them with the route's, when Nest's router already pinned one); `REQUEST` is the HTTP request.
   */
  private contextIdOf(request: IncomingMessage): ContextId {
    let contextId = this.contextIds.get(request);
    if (!contextId) {
      contextId = ContextIdFactory.getByRequest(request);
      this.contextIds.set(request, contextId);
      this.moduleRef.registerRequestByContextId(request, contextId);
    }
    return contextId;
  }
}
