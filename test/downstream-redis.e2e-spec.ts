import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { createKeyv } from '@keyv/redis';
import type { Cache } from 'cache-manager';
import { McpAuthModule, type DownstreamOptions } from '../lib/index.js';
import {
  downstreamAuthOptions,
  startDownstreamApp,
  startExchangeProvider,
  type DownstreamApp,
  type ExchangeProvider,
} from './support/downstream.js';
import { redisCommand, startRedisServer, type RedisServer } from './support/redis-server.js';

/**
 * Two replicas of an MCP server share downstream tokens through @nestjs/cache-manager + Keyv + a real Redis
 * (`redis-server`, started on a free port of 127.0.0.1 by this suite).
 */
describe('R42: the downstream token cache shared by two app instances through a real Redis', () => {
  let setup: ExchangeProvider;
  let redis: RedisServer;
  let first: DownstreamApp;
  let second: DownstreamApp;

  const replica = () => {
    const downstream = (cache: Cache): DownstreamOptions => ({
      client: setup.basic,
      targets: { archive: { resource: setup.archive, scopes: ['archive:write'] } },
      cache: { store: cache, margin: 30 },
    });
    return startDownstreamApp(
      setup,
      { client: setup.basic, targets: {} },
      {
        imports: [CacheModule.register({ isGlobal: true, stores: [createKeyv(redis.url)] })],
        authModule: McpAuthModule.forRootAsync({
          inject: [CACHE_MANAGER],
          useFactory: (cache: Cache) => ({ ...downstreamAuthOptions(setup), downstream: downstream(cache) }),
        }),
      },
    );
  };

  beforeAll(async () => {
    [setup, redis] = await Promise.all([startExchangeProvider(), startRedisServer()]);
    first = await replica();
    second = await replica();
  });
  afterAll(async () => {
    await Promise.allSettled([first?.close(), second?.close()]);
    await redis?.stop();
    await setup?.provider.close();
  });

  const exchanges = () => setup.provider.requestCount('/token');

  it('R42: a token exchanged by one replica is reused by the other, per caller, under a hashed key', async () => {
    const aliceToken = await setup.userToken('alice');
    const bobToken = await setup.userToken('bob');
    const [alice, bob] = [await first.verify(aliceToken), await first.verify(bobToken)];
    const before = exchanges();

    const fromFirst = await first.tokens.getToken('archive', alice);
    expect(exchanges() - before).toBe(1);
    const fromSecond = await second.tokens.getToken('archive', alice);
    expect(fromSecond.accessToken).toBe(fromFirst.accessToken);
    expect(exchanges() - before).toBe(1);

    const bobsOwn = await second.tokens.getToken('archive', bob);
    expect(bobsOwn.accessToken).not.toBe(fromFirst.accessToken);
    expect((await first.tokens.getToken('archive', bob)).accessToken).toBe(bobsOwn.accessToken);
    expect(exchanges() - before).toBe(2);

    const keys = await redisCommand(redis.port, 'KEYS', '*');
    const ours = keys.match(/nest-mcp-auth:downstream:v1:[A-Za-z0-9_-]{43}/g) ?? [];
    expect(new Set(ours).size).toBe(2);
    for (const secret of [aliceToken, bobToken, 'alice', 'bob', setup.basic.clientSecret]) {
      expect(keys).not.toContain(secret);
    }
    // Redis expires each entry no later than its token's own expiry minus the margin. The keys are hashed, so which
    // is Alice's is unknown: each is held to the later of the two expiries (Bob's token may be a second younger).
    const latest = Math.max(fromFirst.expiresAt!, bobsOwn.expiresAt!);
    for (const key of keys.match(/\S*nest-mcp-auth:downstream:v1:\S+/g)!) {
      const ttl = Number(/:(\d+)/.exec(await redisCommand(redis.port, 'PTTL', key))![1]);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual((latest - 30) * 1000 - Date.now() + 1000);
    }
  });
});
