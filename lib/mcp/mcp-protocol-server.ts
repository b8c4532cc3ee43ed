import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { McpHandlerKind } from '../core/mcp-invocation.js';
import { McpDispatcher } from './mcp-dispatcher.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import { MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpSdkServer, McpServerModuleOptions } from './mcp-server-options.interface.js';

/** The capabilities a server advertises (MCP "Lifecycle": `tools`, `resources`, `prompts`). */
export interface McpServerCapabilities {
  tools?: { listChanged?: boolean };
  resources?: { listChanged?: boolean };
  prompts?: { listChanged?: boolean };
}

/** The list methods whose results are cacheable on MCP 2026-07-28 ("cache hints"), and the discovery result. */
export const CACHEABLE_LISTS = [
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'prompts/list',
] as const;

/**
 * What every SDK line's server has in common, decided once here: the capabilities (one per primitive the app
 * has; `listChanged` when stateful sessions are told their lists changed), the `configureServer` escape hatch,
 * which lists changed for a session between two of its requests, and the cache scope of the lists (MCP 2026-07-28:
 * a list filtered per caller is `private`, an unfiltered one may be shared). The SDK calls themselves are the
 * line's (`sdk-v1/`, `sdk-v2/`).
 */
@Injectable()
export class McpProtocolServerFactory {
  private readonly listed = new WeakMap<object, Record<McpHandlerKind, string>>();

  constructor(
    @Inject(MCP_SERVER_MODULE_OPTIONS) readonly options: McpServerModuleOptions,
    readonly registry: McpHandlerRegistry,
    readonly dispatcher: McpDispatcher,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Whether sessions are told when their lists change (stateful, lists per caller). */
  get notifiesListChanges(): boolean {
    return !!this.options.stateful && this.dispatcher.listsVaryByCaller;
  }

  /** The cache scope of the lists: `private` when they vary by caller, else `public` (the same for everyone). */
  get listCacheScope(): 'public' | 'private' {
    return this.dispatcher.listsVaryByCaller ? 'private' : 'public';
  }

  capabilities(): McpServerCapabilities {
    const listChanged = this.notifiesListChanges ? { listChanged: true } : {};
    const { tools, resources, prompts } = this.registry;
    return {
      ...(tools.length > 0 && { tools: listChanged }),
      ...(resources.length > 0 && { resources: listChanged }),
      ...(prompts.length > 0 && { prompts: listChanged }),
    };
  }

  /** The app's `configureServer`, on a server whose handlers are installed. */
  configure(server: McpSdkServer): void {
    this.options.configureServer?.(server, this.moduleRef);
  }

  /**
   * A stateful session's request by `auth`: the lists whose content changed since the session's previous request
   * (the caller stepped up, or a narrower token came) — the session is to be sent `list_changed` for each.
   */
  listChanges(session: object, auth: McpAuthInfo | undefined): McpHandlerKind[] {
    if (!this.notifiesListChanges) return [];
    const now = this.dispatcher.listedNames(auth);
    const before = this.listed.get(session);
    this.listed.set(session, now);
    if (!before) return [];
    return (['tool', 'resource', 'prompt'] as const).filter((kind) => before[kind] !== now[kind]);
  }
}
