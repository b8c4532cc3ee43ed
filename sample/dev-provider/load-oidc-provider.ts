import type { Configuration } from 'oidc-provider';

export type OidcProviderModule = typeof import('oidc-provider');
/** oidc-provider's in-memory adapter (not covered by @types/oidc-provider). */
export type MemoryAdapterModule = { createMemoryAdapter(clockTolerance?: number): Configuration['adapter'] };

let loading: Promise<{ lib: OidcProviderModule; memory: MemoryAdapterModule }> | undefined;

/** Imports oidc-provider once, without its "Unsupported runtime" warning (printed at import time on Node 20). */
export function loadOidcProvider(): Promise<{ lib: OidcProviderModule; memory: MemoryAdapterModule }> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
      warn.apply(console, args);
    };
    try {
      const lib = await import('oidc-provider');
      const memory = (await import(
        'oidc-provider/lib/adapters/memory_adapter.js' as string
      )) as MemoryAdapterModule;
      return { lib, memory };
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
