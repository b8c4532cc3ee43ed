import {
  PARAMTYPES_METADATA,
  PROPERTY_DEPS_METADATA,
  SELF_DECLARED_DEPS_METADATA,
} from '@nestjs/common/constants.js';
import type { LoggerService } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { McpAuthContext, type McpAuthContextMode } from './mcp-auth-context.js';

type Token = unknown;
interface Wrapper {
  readonly name?: unknown;
  readonly metatype?: unknown;
  readonly inject?: readonly unknown[] | null;
  /** A `useExisting` provider (an alias, not a consumer). */
  readonly isAlias?: boolean;
}

/**
 * The `context` option as a mode, once at boot: `'auto'` is on when a provider, controller or enhancer of the
 * application injects `McpAuthContext` (the module's own classes inject it by an internal token), else `'unused'`.
 */
export function contextMode(
  option: boolean | 'auto',
  modules: ModulesContainer,
  logger: LoggerService,
): McpAuthContextMode {
  if (option !== 'auto') return option ? 'on' : 'off';
  const consumers = findConsumers(modules, McpAuthContext);
  logger.debug?.(
    consumers.length > 0
      ? `McpAuthContext on (context: 'auto'), injected by ${consumers.join(', ')}`
      : "McpAuthContext off (context: 'auto'): nothing injects it",
  );
  return consumers.length > 0 ? 'on' : 'unused';
}

/**
 * The providers, controllers and enhancers of the application that inject `token` — by constructor parameter,
 * `@Inject()` parameter, property injection or a factory's `inject` — as `Module.Name` strings. It reads what
 * the classes declare (not what was resolved), so request-scoped and not yet instantiated classes count too.
 */
export function findConsumers(modules: ModulesContainer, token: Token): string[] {
  const found: string[] = [];
  for (const module of modules.values()) {
    const wrappers = [
      ...module.providers.values(),
      ...module.controllers.values(),
      ...module.injectables.values(),
    ] as Wrapper[];
    for (const wrapper of wrappers) {
      if (wrapper.isAlias || !dependsOn(wrapper, token)) continue;
      const name = typeof wrapper.name === 'string' ? wrapper.name : String(wrapper.name);
      found.push(`${module.metatype.name}.${name}`);
    }
  }
  return found;
}

function dependsOn(wrapper: Wrapper, token: Token): boolean {
  if (wrapper.inject) return wrapper.inject.some((dep) => sameToken(dep, token));
  const type = wrapper.metatype;
  if (typeof type !== 'function') return false;
  // As Nest resolves them: the parameter types, with `@Inject()` overrides in place.
  const params = [...((Reflect.getMetadata(PARAMTYPES_METADATA, type) ?? []) as unknown[])];
  const overrides = (Reflect.getMetadata(SELF_DECLARED_DEPS_METADATA, type) ?? []) as Array<{
    index: number;
    param: unknown;
  }>;
  for (const { index, param } of overrides) params[index] = param;
  const properties = (Reflect.getMetadata(PROPERTY_DEPS_METADATA, type) ?? []) as Array<{ type: unknown }>;
  return params.some((dep) => sameToken(dep, token)) || properties.some((dep) => sameToken(dep.type, token));
}

/** `token`, `forwardRef(() => token)`, or `{ token, optional }` (a factory's optional dependency). */
function sameToken(dep: unknown, token: Token): boolean {
  if (dep === token) return true;
  if (!dep || typeof dep !== 'object') return false;
  const ref = dep as { forwardRef?: () => unknown; token?: unknown };
  if (typeof ref.forwardRef === 'function') return ref.forwardRef() === token;
  return ref.token === token;
}
