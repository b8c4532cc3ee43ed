/**
 * The sample's readiness endpoint, /health/ready (@nestjs/terminus with McpAuthHealthIndicator, issue 17), on each
 * HTTP adapter; and the ADAPTER variable of `npm run sample`.
 */
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';
import { sampleHttpAdapter } from '../sample/http-adapter.js';
import { ADAPTERS } from './support/adapters.js';
import { startSample, type Sample } from './support/sample-app.js';

describe.each(ADAPTERS)("the sample's readiness endpoint — %s", (adapter) => {
  let sample: Sample;
  beforeAll(async () => {
    sample = await startSample({}, undefined, adapter);
  });
  afterAll(() => sample?.close());

  it('GET /health/ready: 200 with the provider up, its metadata resolved at boot', async () => {
    const res = await request(sample.app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info['mcp-auth'].issuers[sample.provider.issuer]).toMatchObject({
      status: 'up',
      metadata: true,
      discovery: { outcome: 'ok' },
    });
  });
});

describe('ADAPTER=fastify npm run sample', () => {
  it('express (the default) leaves the platform to Nest; fastify is a FastifyAdapter; anything else is refused', async () => {
    expect(await sampleHttpAdapter('express')).toBeUndefined();
    const fastify = await sampleHttpAdapter('fastify');
    expect(fastify).toBeInstanceOf(FastifyAdapter);
    expect(fastify).not.toBeInstanceOf(ExpressAdapter);
    await expect(sampleHttpAdapter('koa')).rejects.toThrow('ADAPTER must be express or fastify, got "koa"');
  });
});
