import { Injectable, type NestMiddleware } from '@nestjs/common';
import { McpAuthContext } from './mcp-auth-context.js';

/**
 * Opens the per-request `McpAuthContext` slot that the guard fills; applied by `McpAuthModule` to every route. It
 * gets the Node request on both adapters (Fastify runs Nest middleware on `request.raw`, through
 * `@fastify/middie`), and the guard publishes on the Node request too.
 */
@Injectable()
export class McpAuthContextMiddleware implements NestMiddleware {
  constructor(private readonly context: McpAuthContext) {}

  use(req: object, _res: unknown, next: () => void): void {
    this.context.runWithSlot(req, next);
  }
}
