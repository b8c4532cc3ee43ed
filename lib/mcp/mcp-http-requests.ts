import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';

/**
 * The HTTP request an MCP transport is handling, for the handlers it dispatches to (the SDK hands them only its
 * headers): `McpExecutionContext.getRequest()`, and the context id of request-scoped handler classes.
 */
@Injectable()
export class McpHttpRequests {
  private readonly storage = new AsyncLocalStorage<IncomingMessage>();

  /** Runs `fn` (the transport's handling of `request`) with `request` as the current one. */
  run<T>(request: IncomingMessage, fn: () => T): T {
    return this.storage.run(request, fn);
  }

  get current(): IncomingMessage | undefined {
    return this.storage.getStore();
  }
}
