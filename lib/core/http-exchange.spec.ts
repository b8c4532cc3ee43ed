import { HttpExchange } from './http-exchange.js';

/** The adapter's public surface used here: its type, and its instance (an Express app's request prototype). */
const host = (type: string, instance: object = { request: {} }) =>
  ({ httpAdapter: { getType: () => type, getInstance: () => instance } }) as never;
/** An exchange as the module's init leaves it. */
const on = (type: string) => {
  const exchange = new HttpExchange(host(type));
  exchange.onModuleInit();
  return exchange;
};

describe('HttpExchange: the one place that knows the HTTP adapter', () => {
  it("R17: on Express, makes req.auth an accessor of the app's request prototype (no property added per request)", () => {
    const app = { request: {} };
    new HttpExchange(host('express', app)).onModuleInit();
    const req = Object.create(app.request) as { auth?: unknown };
    req.auth = { subject: 'alice' };
    expect(req.auth).toEqual({ subject: 'alice' });
    expect(Object.keys(req)).toEqual([]);
    const fastifyApp = { request: {} };
    new HttpExchange(host('fastify', fastifyApp)).onModuleInit();
    expect(Object.getOwnPropertyDescriptor(fastifyApp.request, 'auth')).toBeUndefined();
  });

  it('R35: the route pattern comes from the router (Express req.route.path), never from the URL', () => {
    const express = on('express');
    expect(express.routePattern({ route: { path: '/admin/:id' }, url: '/ADMIN/1' })).toBe('/admin/:id');
    expect(express.routePattern({ url: '/admin/1', path: '/admin/1' })).toBeUndefined();
    expect(express.routePattern({ route: { path: /admin/ } })).toBeUndefined();
    expect(express.routePattern(undefined)).toBeUndefined();
  });

  it('R35: on Fastify the route pattern is request.routeOptions.url, never the URL', () => {
    const fastify = on('fastify');
    const raw = { url: '/ADMIN/1' };
    expect(fastify.routePattern({ routeOptions: { url: '/admin/:id' }, url: '/ADMIN/1', raw })).toBe(
      '/admin/:id',
    );
    expect(fastify.routePattern({ url: '/admin/1', raw })).toBeUndefined();
    expect(fastify.nodeRequest({ raw })).toBe(raw);
  });

  it('is decided once from the adapter: Express hands the Node request itself; without HTTP, "none"', () => {
    const express = on('express');
    const req = { headers: {} };
    expect(express.nodeRequest(req)).toBe(req);
    expect(express.type).toBe('express');
    expect(new HttpExchange({} as never).type).toBe('none');
    expect(new HttpExchange().mountAtRoot(() => false)).toBe(false);
  });

  it('an adapter that is neither Express nor Fastify fails the boot naming both packages', () => {
    expect(() => new HttpExchange(host('koa')).onModuleInit()).toThrow(
      expect.objectContaining({
        code: 'ERR_HTTP_ADAPTER',
        message: expect.stringMatching(/"koa".*|@nestjs\/platform-express.*@nestjs\/platform-fastify/),
      }),
    );
  });

  it('sets answer headers through each adapter: ServerResponse.setHeader, FastifyReply.header', () => {
    const set: string[] = [];
    on('express').setHeader({ setHeader: (n: string, v: string) => set.push(`res ${n}=${v}`) }, 'A', '1');
    on('fastify').setHeader({ header: (n: string, v: string) => set.push(`reply ${n}=${v}`) }, 'B', '2');
    expect(set).toEqual(['res A=1', 'reply B=2']);
  });

  it('hands a streaming handler the Node response: Express its own; Fastify reply.raw, the reply hijacked first', () => {
    const res = { writeHead: () => undefined };
    expect(on('express').nodeResponse(res)).toBe(res);
    const calls: string[] = [];
    const reply = { raw: res, hijack: () => void calls.push('hijack') };
    expect(on('fastify').nodeResponse(reply)).toBe(res);
    expect(calls).toEqual(['hijack']);
  });
});
