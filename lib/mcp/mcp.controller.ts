import { Controller, Delete, Get, Post, Req, Res, UseGuards, type Type } from '@nestjs/common';
import { HttpExchange } from '../core/http-exchange.js';
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

  /**
   * The HTTP boundary of the MCP endpoints: the handlers get the request and response as the adapter hands them
   * (Express's, or Fastify's request and reply) and give the transports the Node ones (Fastify's reply hijacked:
   * the transport answers on it, streams included).
   */
  @Controller()
  @UseGuards(McpEndpointGuard)
  class McpController {
    constructor(
      private readonly streamable: StreamableHttpEndpoint,
      private readonly legacy: SseEndpoint,
      private readonly http: HttpExchange,
    ) {}

    post(req: object, res: object) {
      return this.streamable.handle(this.http.nodeRequest(req), this.http.nodeResponse(res));
    }

    get(req: object, res: object) {
      return this.streamable.handle(this.http.nodeRequest(req), this.http.nodeResponse(res));
    }

    delete(req: object, res: object) {
      return this.streamable.handle(this.http.nodeRequest(req), this.http.nodeResponse(res));
    }

    sseStream(req: object, res: object) {
      const { ssePath, messagesPath } = sse!;
      return this.legacy.open(this.http.nodeRequest(req), this.http.nodeResponse(res), ssePath, messagesPath);
    }

    sseMessage(req: object, res: object) {
      return this.legacy.message(this.http.nodeRequest(req), this.http.nodeResponse(res));
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
