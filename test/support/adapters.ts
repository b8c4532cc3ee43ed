import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';

/** The HTTP adapters every adapter-sensitive e2e suite runs on (`describe.each(ADAPTERS)`). */
export const ADAPTERS = ['express', 'fastify'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** Options of the Fastify instance a cell creates (router options such as `caseSensitive`). */
export type FastifyOptions = ConstructorParameters<typeof FastifyAdapter>[0];

export interface CreateAppOptions extends NestApplicationOptions {
  /** Called before `init()`: global prefix, versioning, CORS… */
  configure?: (app: INestApplication) => void;
  /** For the Fastify cell: the options of its Fastify instance. */
  fastify?: FastifyOptions;
}

/** A new Nest HTTP adapter of the named kind. */
export function httpAdapter(name: AdapterName, fastify?: FastifyOptions): AbstractHttpAdapter {
  return name === 'fastify' ? new FastifyAdapter(fastify) : new ExpressAdapter();
}

/**
 * Creates the app of a compiled testing module on `adapter`, configures it and initialises it — ready for
 * supertest on `app.getHttpServer()` or for `app.listen()` (a Fastify instance must be `ready()` for the former).
 */
export async function createApp(
  adapter: AdapterName,
  moduleRef: TestingModule,
  { configure, fastify, ...options }: CreateAppOptions = {},
): Promise<INestApplication> {
  const app = moduleRef.createNestApplication(httpAdapter(adapter, fastify), { logger: false, ...options });
  const type = app.getHttpAdapter().getType();
  if (type !== adapter) throw new Error(`expected an app on ${adapter}, got ${type}`);
  configure?.(app);
  await app.init();
  if (adapter === 'fastify')
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}
