import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ProtectedResource } from '../decorators/protected-resource.decorator.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../core/tokens.js';

/** Fails boot when a `@ProtectedResource()` names a resource that is not configured. */
@Injectable()
export class ProtectedResourceCheck implements OnModuleInit {
  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const known = new Set(this.options.resources.map((r) => r.id));
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!type?.prototype) continue;
      const targets: Array<[string, object]> = [[type.name, type]];
      for (const method of this.scanner.getAllMethodNames(type.prototype)) {
        targets.push([`${type.name}.${method}`, (type.prototype as Record<string, object>)[method]]);
      }
      for (const [where, target] of targets) {
        const named = this.reflector.get(ProtectedResource.KEY, target as never);
        if (named !== undefined && !known.has(named)) {
          throw new McpAuthConfigError(
            'ERR_UNKNOWN_RESOURCE',
            `@ProtectedResource(${JSON.stringify(named)}) on ${where} names no configured resource (configured: ${[...known].join(', ')})`,
            { option: 'resource' },
          );
        }
      }
    }
  }
}
