import { Controller, Delete, Get, Post, Req, Res, UseGuards, type Type } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpEndpointGuard } from './mcp-endpoint.guard.js';
import type { McpServerRoutes } from './mcp-server-options.interface.js';
import { SseEndpoint } from './sse-endpoint.js';
import { StreamableHttpEndpoint } from './streamable-http-endpoint.js';

/** Normalised routes: paths start with `/`. */
export function resolveRoutes(routes: McpServerRoutes) {
  const sse = routes.sse === true ? {} : routes.sse || undefined;
  const slash = (p: string) => (p.startsWith('/') ? p : `/${p}`);
  return {
    path: slash(routes.path ?? '/mcp'),
    sse: sse && {
      ssePath: slash(sse.ssePath ?? '/sse'),
      messagesPath: slash(sse.messagesPath ?? '/messages'),
    },
  };
}

/** Builds the controller of the MCP endpoints at the configured paths (route paths must be known statically). */
export function createMcpController(routes: McpServerRoutes): Type {
  const { path, sse } = resolveRoutes(routes);

  @Controller()
  @UseGuards(McpEndpointGuard)
  class McpController {
    constructor(
      private readonly streamable: StreamableHttpEndpoint,
      private readonly legacy: SseEndpoint,
    ) {}

    post(req: IncomingMessage, res: ServerResponse) {
      return this.streamable.handle(req, res);
    }

    get(req: IncomingMessage, res: ServerResponse) {
      return this.streamable.handle(req, res);
    }

    delete(req: IncomingMessage, res: ServerResponse) {
      return this.streamable.handle(req, res);
    }

    sseStream(req: IncomingMessage, res: ServerResponse) {
      return this.legacy.open(req, res, sse!.ssePath, sse!.messagesPath);
    }

    sseMessage(req: IncomingMessage, res: ServerResponse) {
      return this.legacy.message(req, res);
    }
  }

  // Route decorators applied here, where the paths are known: one HTTP method per handler (Nest keeps one route
  // per method name), `@Req()` and `@Res()` on each.
  const route = (method: keyof McpController, decorate: MethodDecorator) => {
    const proto = McpController.prototype;
    decorate(proto, method, Object.getOwnPropertyDescriptor(proto, method)!);
    Req()(proto, method, 0);
    Res()(proto, method, 1);
  };
  route('post', Post(path));
  route('get', Get(path));
  route('delete', Delete(path));
  if (sse) {
    route('sseStream', Get(sse.ssePath));
    route('sseMessage', Post(sse.messagesPath));
  }
  return McpController;
}
