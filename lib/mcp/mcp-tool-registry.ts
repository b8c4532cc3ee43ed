import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { McpAuthContext } from '../context/mcp-auth-context.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { authInfoParams, pickAuthInfo } from '../decorators/auth-info.decorator.js';
import { RequireScopes } from '../decorators/require-scopes.decorator.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { McpTool, type McpToolOptions } from './mcp-tool.decorator.js';
import { toCallToolResult } from './tool-result.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** An `@McpTool` method found at boot, with everything needed to list and call it. */
export interface DiscoveredTool {
  readonly name: string;
  readonly options: McpToolOptions;
  /** `@RequireScopes` of the method and its class, merged (all required). */
  readonly scopes: readonly string[];
  /** Where it is declared, for messages (`TodoTools.create`). */
  readonly where: string;
  /** Calls the method with the validated arguments and the request's extra, with the caller as the context. */
  invoke(args: unknown, extra: ToolExtra): Promise<CallToolResult>;
}

/**
 * Finds every `@McpTool` method of every provider at boot (Nest's DiscoveryService). Two tools with one name fail
 * the boot with both places named.
 */
@Injectable()
export class McpToolRegistry implements OnModuleInit {
  private readonly byName = new Map<string, DiscoveredTool>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Optional() private readonly context?: McpAuthContext,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method] as (...args: unknown[]) => unknown;
        const options = this.reflector.get(McpTool.KEY, fn);
        if (options) this.add(this.describe(instance, prototype, method, fn, options));
      }
    }
  }

  /** Every tool, in discovery order. */
  get tools(): readonly DiscoveredTool[] {
    return [...this.byName.values()];
  }

  get(name: string): DiscoveredTool | undefined {
    return this.byName.get(name);
  }

  private add(tool: DiscoveredTool): void {
    const existing = this.byName.get(tool.name);
    if (existing) {
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        `@McpTool name "${tool.name}" is used twice: ${existing.where} and ${tool.where}`,
        { option: '@McpTool.name' },
      );
    }
    this.byName.set(tool.name, tool);
  }

  private describe(
    instance: object,
    prototype: object,
    method: string,
    fn: (...args: unknown[]) => unknown,
    options: McpToolOptions,
  ): DiscoveredTool {
    const type = instance.constructor;
    const scopes = [...new Set(this.reflector.getAllAndMerge(RequireScopes.KEY, [fn, type]) ?? [])];
    const authParams = authInfoParams(prototype, method);
    const taken = new Set(authParams.map((p) => p.index));
    const argsIndex = firstFree(taken, 0);
    const extraIndex = firstFree(taken, argsIndex + 1);
    const structured = options.output !== undefined;
    const context = this.context;
    return {
      name: options.name,
      options,
      scopes,
      where: `${type.name}.${method}`,
      async invoke(args, extra) {
        const auth = extra.authInfo as McpAuthInfo | undefined;
        const params: unknown[] = [];
        params[argsIndex] = args;
        params[extraIndex] = extra;
        for (const p of authParams) params[p.index] = pickAuthInfo(auth, p.field);
        const call = () => fn.apply(instance, params);
        const value = await (context?.enabled && auth ? context.run(auth, call) : call());
        return toCallToolResult(value, structured);
      },
    };
  }
}

function firstFree(taken: ReadonlySet<number>, from: number): number {
  let i = from;
  while (taken.has(i)) i++;
  return i;
}
