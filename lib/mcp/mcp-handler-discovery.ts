import { Inject, Injectable, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import { Public } from '../decorators/public.decorator.js';
import { RequireScopes } from '../decorators/require-scopes.decorator.js';
import type { McpHandler, McpHandlerHost } from './mcp-handler.js';
import { MCP_ROUTE_ARGS_METADATA, McpArgs, McpCall, McpExtra } from './mcp-params.decorators.js';
import { McpPrompt } from './mcp-prompt.decorator.js';
import { McpResource, type McpResourceOptions } from './mcp-resource.decorator.js';
import { mcpSchema, type McpSchemaSupport } from './mcp-schema.js';
import { MCP_PROTOCOL_LINE } from './mcp-server.tokens.js';
import { McpTool } from './mcp-tool.decorator.js';
import { normalizeResourceUri, resourceUriTemplate } from './resource-uri.js';

type Wrapper = ReturnType<DiscoveryService['getProviders']>[number];
type Method = (...args: unknown[]) => unknown;

const invalid = (where: string, why: string) =>
  new McpAuthConfigError('ERR_INVALID_HANDLER', `${where}: ${why}`, { option: where });

/**
 * Finds the `@McpTool`, `@McpResource` and `@McpPrompt` methods of every provider and controller (Nest's
 * `DiscoveryService`) and describes each; what cannot be served as written fails the boot (`ERR_INVALID_HANDLER`).
 */
@Injectable()
export class McpHandlerDiscovery {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(MCP_PROTOCOL_LINE) private readonly line: McpSchemaSupport,
  ) {}

  /** Every handler, providers first, in discovery order. */
  discover(): McpHandler[] {
    const handlers: McpHandler[] = [];
    const wrappers = [
      ...this.discovery.getProviders().map((w) => [w, false] as const),
      ...this.discovery.getControllers().map((w) => [w, true] as const),
    ];
    for (const [wrapper, isController] of wrappers) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || wrapper.inject) continue; // factories: no class to scan
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName] as Method;
        const handler = this.describe(wrapper, isController, instance, methodName, method);
        if (handler) handlers.push(handler);
      }
    }
    return handlers;
  }

  private describe(
    wrapper: Wrapper,
    isController: boolean,
    instance: object,
    methodName: string,
    method: Method,
  ): McpHandler | undefined {
    const tool = this.reflector.get(McpTool.KEY, method);
    const resource = this.reflector.get(McpResource.KEY, method);
    const prompt = this.reflector.get(McpPrompt.KEY, method);
    const declared = [tool, resource, prompt].filter((o) => o !== undefined).length;
    if (declared === 0) return undefined;
    const type = instance.constructor as Type;
    const where = `${type.name}.${methodName}`;
    if (declared > 1)
      throw invalid(where, 'a method is one MCP handler: @McpTool, @McpResource or @McpPrompt');
    this.assertDeclaredWell(where, type, methodName, method);
    const base = {
      where,
      scopes: [...new Set(this.reflector.getAllAndMerge(RequireScopes.KEY, [method, type]) ?? [])],
      host: this.host(wrapper, isController, instance, methodName, where),
    };
    if (tool) {
      const input =
        tool.input === undefined ? undefined : mcpSchema(tool.input, 'input', where, this.line.zodSchema);
      const output =
        tool.output === undefined ? undefined : mcpSchema(tool.output, 'output', where, this.line.zodSchema);
      return { ...base, kind: 'tool', name: tool.name, options: tool, input, output };
    }
    if (prompt) {
      const input =
        prompt.arguments === undefined
          ? undefined
          : mcpSchema(prompt.arguments, 'input', where, this.line.zodSchema);
      return { ...base, kind: 'prompt', name: prompt.name, options: prompt, input };
    }
    return {
      ...base,
      kind: 'resource',
      name: resource!.name,
      options: resource!,
      ...this.address(resource!, where),
    };
  }

  private address(options: McpResourceOptions, where: string) {
    if (options.uri !== undefined) return { uri: normalizeResourceUri(options.uri) };
    try {
      return { template: resourceUriTemplate(options.uriTemplate!, this.line.UriTemplate) };
    } catch (error) {
      throw invalid(
        where,
        `invalid uriTemplate ${JSON.stringify(options.uriTemplate)}: ${(error as Error).message}`,
      );
    }
  }

  /**
   * `@Public()` has no meaning on an MCP handler (the endpoint is authenticated as a whole; a handler without
   * `@RequireScopes` already needs no scope): it fails the boot rather than surprise.
   */
  private assertDeclaredWell(where: string, type: Type, methodName: string, method: Method): void {
    if (this.reflector.getAllAndOverride(Public.KEY, [method, type])) {
      throw invalid(
        where,
        '@Public() does not apply to MCP handlers: the MCP endpoint is authenticated as a whole. A handler ' +
          'without @RequireScopes is callable with any valid token; remove @Public() (from the method or its class).',
      );
    }
    this.completeParameters(where, type, methodName, method);
  }

  /**
   * Nest fills only decorated parameters; when some are decorated (`@AuthInfo()`), the undecorated ones take, in
   * order, what the positional form passes — the arguments, the SDK's extra, the invocation — as if decorated
   * `@McpArgs()`, `@McpExtra()`, `@McpCall()`. A fourth undecorated parameter fails the boot.
   */
  private completeParameters(where: string, type: Type, methodName: string, method: Method): void {
    const params = Reflect.getMetadata(MCP_ROUTE_ARGS_METADATA, type, methodName) as
      Record<string, { index: number }> | undefined;
    if (!params) return;
    const decorated = new Set(Object.values(params).map((p) => p.index));
    const positional = [McpArgs(), McpExtra(), McpCall()];
    let next = 0;
    for (let index = 0; index < method.length; index++) {
      if (decorated.has(index)) continue;
      const decorate = positional[next++];
      if (!decorate) {
        throw invalid(
          where,
          `parameter ${index} has no decorator: beside decorated parameters, the undecorated ones receive the ` +
            'arguments, the extra and the invocation, in order, and nothing else — decorate it',
        );
      }
      decorate(type.prototype as object, methodName, index);
    }
  }

  private host(
    wrapper: Wrapper,
    isController: boolean,
    instance: object,
    methodName: string,
    where: string,
  ): McpHandlerHost {
    const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
    if (isController && !isStatic) {
      throw invalid(
        where,
        'MCP handlers on request-scoped or transient controllers are not supported: declare it on a provider',
      );
    }
    // ExternalContextCreator finds a class's enhancers (@UseGuards(SomeGuard) …) in the module of the provider it
    // is given as inquirer. A controller is not a provider, so without an inquirer its class-bound enhancers would
    // be silently skipped: the inquirer of a controller is its module's own provider (the module class).
    const inquirerId = isController ? wrapper.host?.getProviderByKey(wrapper.host.metatype)?.id : wrapper.id;
    if (!inquirerId) throw invalid(where, 'its module could not be found');
    return { instance, methodName, token: wrapper.token, inquirerId, isStatic };
  }
}
