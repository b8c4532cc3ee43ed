import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { McpAuthConfigError } from './mcp-auth-config.error.js';
import { installRequestAuthSlot } from './request-auth-slot.js';

/** The HTTP adapters the module runs on, as Nest's `httpAdapter.getType()` names them. */
export const SUPPORTED_HTTP_ADAPTERS = {
  express: '@nestjs/platform-express',
  fastify: '@nestjs/platform-fastify',
} as const;

/** `'express'`, `'fastify'`, or `'none'` for an application context without HTTP (and before boot). */
export type HttpAdapterType = keyof typeof SUPPORTED_HTTP_ADAPTERS | 'none';

/**
 * A handler of requests at the origin root, outside Nest's router (and so outside any global prefix): it answers
 * the request on the Node response and returns `true`, or returns `false` at once and leaves the request alone.
 */
export type RootHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** What differs between the adapters, for the few places that touch a request or response themselves. */
interface AdapterAccess {
  /** The Node request under the framework's request object. */
  nodeRequest(req: object): IncomingMessage;
  /** The Node response under the framework's response object, which then leaves the answer to the caller. */
  nodeResponse(res: object): ServerResponse;
  /** Sets a header on the framework's response object, so that the framework's own answer carries it. */
  setHeader(res: object, name: string, value: string): void;
  /** The route pattern the router matched, as declared (prefixes included, original letter case). */
  routePattern(req: object): string | undefined;
  /** Registers `handler` in front of the router, at the origin root. */
  mountAtRoot(instance: unknown, handler: RootHandler): void;
}

type Next = (error?: unknown) => void;

/** Express (and a plain Node request, as tests and application contexts hand one): the request is the Node one. */
const NODE: AdapterAccess = {
  nodeRequest: (req) => req as IncomingMessage,
  nodeResponse: (res) => res as ServerResponse,
  setHeader: (res, name, value) => void (res as ServerResponse).setHeader(name, value),
  routePattern: (req) => {
    // Express 5 exposes the matched route as `req.route.path`.
    const path = (req as { route?: { path?: unknown } }).route?.path;
    return typeof path === 'string' ? path : undefined;
  },
  mountAtRoot: (instance, handler) => {
    const app = instance as {
      use(fn: (req: IncomingMessage, res: ServerResponse, next: Next) => void): void;
    };
    app.use((req, res, next) => {
      if (!handler(req, res)) next();
    });
  },
};

/** The parts of Fastify's request, reply and instance used here (structural: no `fastify` import). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: unknown };
}
interface FastifyReplyLike {
  raw: ServerResponse;
  header(name: string, value: string): unknown;
  hijack(): unknown;
}
interface FastifyInstanceLike {
  addHook(
    name: 'onRequest',
    hook: (req: FastifyRequestLike, reply: FastifyReplyLike, done: Next) => void,
  ): void;
}

/** Fastify: the Node request is `request.raw`; headers go through `reply.header()`. */
const FASTIFY: AdapterAccess = {
  nodeRequest: (req) => (req as FastifyRequestLike).raw,
  nodeResponse: (res) => {
    // Hijacked: Fastify neither answers after the handler nor touches the Node response again.
    const reply = res as FastifyReplyLike;
    reply.hijack();
    return reply.raw;
  },
  setHeader: (res, name, value) => void (res as FastifyReplyLike).header(name, value),
  routePattern: (req) => {
    const url = (req as FastifyRequestLike).routeOptions?.url;
    return typeof url === 'string' ? url : undefined;
  },
  mountAtRoot: (instance, handler) => {
    // An `onRequest` hook of the root instance runs for every request, matched by a route or not, before body
    // parsing; the reply is hijacked so that Fastify leaves the Node response to the handler.
    (instance as FastifyInstanceLike).addHook('onRequest', (request, reply, done) => {
      if (handler(request.raw, reply.raw)) reply.hijack();
      else done();
    });
  },
};

/**
 * The one place that knows the HTTP adapter: what the guard, the authenticator, the well-known routes and the MCP
 * endpoints need from a request or response, for Express or Fastify. The adapter is read once, when the module initialises
 * (`HttpAdapterHost`), never guessed per request; an adapter that is neither fails the boot.
 *
 * @internal
 */
@Injectable()
export class HttpExchange implements OnModuleInit {
  private access: AdapterAccess = NODE;
  private resolved?: HttpAdapterType;

  constructor(@Optional() private readonly host?: HttpAdapterHost) {}

  /** The adapter in use; reading it the first time decides it. */
  get type(): HttpAdapterType {
    return this.resolved ?? this.resolve();
  }

  onModuleInit(): void {
    this.resolve();
  }

  /** The Node request of a request as the adapter hands it to guards. */
  nodeRequest(req: object): IncomingMessage {
    return this.access.nodeRequest(req);
  }

  /**
   * The Node response of a response object as the adapter hands it to handlers (`@Res()`), for a handler that
   * answers on it itself (a streaming transport). On Fastify the reply is hijacked (`reply.hijack()`): Fastify then
   * leaves the Node response alone — no second answer, no serialisation.
   */
  nodeResponse(res: object): ServerResponse {
    return this.access.nodeResponse(res);
  }

  /** Sets a header of the answer on the response object the adapter hands to guards. */
  setHeader(res: object, name: string, value: string): void {
    this.access.setHeader(res, name, value);
  }

  /** The route pattern the router matched for a request, or `undefined` when the adapter does not say. */
  routePattern(req: object | undefined): string | undefined {
    return req ? this.access.routePattern(req) : undefined;
  }

  /**
   * Registers a handler at the origin root, in front of the router and outside any global prefix. Returns `false`
   * when the app has no HTTP server (an application context).
   */
  mountAtRoot(handler: RootHandler): boolean {
    const server = this.server();
    if (server === undefined) return false;
    this.access.mountAtRoot(server, handler);
    return true;
  }

  /**
   * The app's HTTP server as the adapter holds it (the Express app, the Fastify instance): one object per app,
   * whatever module asks. `undefined` for an application context.
   */
  server(): object | undefined {
    return this.type === 'none' ? undefined : (this.host!.httpAdapter.getInstance() as object);
  }

  private resolve(): HttpAdapterType {
    if (this.resolved) return this.resolved;
    const adapter = this.host?.httpAdapter;
    if (!adapter) return 'none'; // not decided yet: an application context, or before the app is created
    const type = adapter.getType();
    if (type === 'express') {
      this.access = NODE;
      installRequestAuthSlot(adapter.getInstance());
    } else if (type === 'fastify') this.access = FASTIFY;
    else {
      const supported = Object.entries(SUPPORTED_HTTP_ADAPTERS).map(([name, pkg]) => `${name} (${pkg})`);
      throw new McpAuthConfigError(
        'ERR_HTTP_ADAPTER',
        `McpAuthModule runs on the ${supported.join(' and ')} HTTP adapters; this app's adapter is ` +
          `${JSON.stringify(type)}. Create the app with NestFactory.create(AppModule) (Express) or ` +
          'NestFactory.create(AppModule, new FastifyAdapter()).',
      );
    }
    return (this.resolved = type);
  }
}
