import {
  PARAMTYPES_METADATA,
  PROPERTY_DEPS_METADATA,
  SELF_DECLARED_DEPS_METADATA,
} from '@nestjs/common/constants.js';
import type { ModulesContainer } from '@nestjs/core';

type Token = unknown;
interface Wrapper {
  readonly name?: unknown;
  readonly metatype?: unknown;
  readonly inject?: readonly unknown[] | null;
  /** A `useExisting` provider (an alias, not a consumer). */
  readonly isAlias?: boolean;
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
