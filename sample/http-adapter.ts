import type { AbstractHttpAdapter } from '@nestjs/core';

/**
 * The HTTP adapter the sample runs on, named by its ADAPTER variable: `undefined` for `express` (Nest's default
 * platform), a `FastifyAdapter` for `fastify` — imported only then, as an app would (both platforms are optional
 * peers of nest-mcp-auth). Anything else is refused.
 */
export async function sampleHttpAdapter(name: string): Promise<AbstractHttpAdapter | undefined> {
  if (name === 'express') return undefined;
  if (name === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    return new FastifyAdapter();
  }
  throw new Error(`ADAPTER must be express or fastify, got "${name}"`);
}
