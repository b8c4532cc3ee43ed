import type { OpenTelemetryApi } from './auth-metrics.js';
import type { EventEmitterLike } from './mcp-auth-events.js';

/**
 * `@opentelemetry/api` when the app has it installed, else `undefined`. Loaded once, at boot: the module has no
 * static import of it (an optional peer).
 */
export async function loadOpenTelemetry(): Promise<OpenTelemetryApi | undefined> {
  try {
    return await import('@opentelemetry/api');
  } catch {
    return undefined;
  }
}

/** What the module needs to find the app's `EventEmitter2` through its injector (Nest's `ModuleRef`). */
export interface InstanceLookup {
  get(token: unknown, options: { strict: false }): unknown;
}

/**
 * The `EventEmitter2` class of `@nestjs/event-emitter` (its injection token) when the package is installed, else
 * `undefined`. Loaded once, at boot (an optional peer: no static import).
 */
export async function loadEventEmitterToken(): Promise<unknown> {
  try {
    return (await import('@nestjs/event-emitter')).EventEmitter2;
  } catch {
    return undefined;
  }
}

/** The app's `EventEmitter2` (provided by `EventEmitterModule.forRoot()`), or `undefined` when it has none. */
export function findEventEmitter(token: unknown, lookup: InstanceLookup): EventEmitterLike | undefined {
  if (token === undefined) return undefined;
  try {
    const emitter = lookup.get(token, { strict: false }) as EventEmitterLike | undefined;
    return emitter && typeof emitter.emit === 'function' ? emitter : undefined;
  } catch {
    return undefined; // the package is installed, the app did not import EventEmitterModule
  }
}
