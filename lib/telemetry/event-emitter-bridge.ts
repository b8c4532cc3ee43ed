import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { McpAuthEvents } from './mcp-auth-events.js';
import { findEventEmitter, loadEventEmitterToken } from './optional-peers.js';

/**
 * Connects `McpAuthEvents` to the app's `EventEmitter2` when the app imports `EventEmitterModule`
 * (`@nestjs/event-emitter`, an optional peer, loaded only if installed), so `@OnEvent('mcp-auth.refused')` works.
 * Found through the injector once every provider exists (`onModuleInit`); `@OnEvent` listeners are registered at
 * bootstrap, so they hear what happens from then on.
 */
@Injectable()
export class EventEmitterBridge implements OnModuleInit {
  constructor(
    private readonly events: McpAuthEvents,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    this.events.connect(findEventEmitter(await loadEventEmitterToken(), this.moduleRef));
  }
}
