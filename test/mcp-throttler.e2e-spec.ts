/**
 * Per-caller and per-handler rate limits on the MCP endpoint with `@nestjs/throttler` 6 (issue 17): the endpoint
 * judges each handler a request invokes as a route of its own — `@Throttle` / `@SkipThrottle` on an `@McpTool`,
 * `@McpResource`, `@McpPrompt` or its class — per verified caller (`mcpAuthTracker`), after authentication; over the
 * limit the HTTP request gets 429 + `Retry-After` with a JSON-RPC error body, before dispatch. An app-wide
 * `ThrottlerGuard` (`APP_GUARD`) keeps working for REST routes and does not break, nor count twice, the MCP handlers
 * with `mcpThrottlerSkip` — as `skipIf`, or in a subclass's `shouldSkip`. Every case runs on Express and on Fastify.
 */
import {
  Controller,
  Get,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  McpAuthConfigError,
  McpAuthGuard,
  McpAuthModule,
  McpPrompt,
  McpResource,
  McpServerModule,
  McpTool,
  mcpAuthTracker,
  mcpThrottlerSkip,
  type McpServerModuleOptions,
} from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { ADAPTERS, createApp, type AdapterName } from './support/adapters.js';
import { bearerClient } from './support/bearer-mcp-client.js';
import { SkipThrottle, Throttle, ThrottlerGuard, ThrottlerModule } from './support/nestjs-throttler.js';
import { ACCEPT } from './support/sample-app.js';

const RESOURCE = 'http://127.0.0.1/mcp';
const LIMIT = 4;

/** How often each handler ran: the proof that a refused call never reached it. */
const runs: Record<string, number> = {};
const ran = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

@Injectable()
class Tools {
  @McpTool({ name: 'echo' })
  echo() {
    ran('echo');
    return 'echo';
  }

  @McpTool({ name: 'expensive' })
  @Throttle({ default: { limit: 1, ttl: 60_000 } })
  expensive() {
    ran('expensive');
    return 'done';
  }

  @McpTool({ name: 'free' })
  @SkipThrottle()
  free() {
    ran('free');
    return 'free';
  }

  @McpResource({ uri: 'report://daily', name: 'daily-report' })
  @Throttle({ default: { limit: 1, ttl: 60_000 } })
  report() {
    ran('report');
    return 'report';
  }

  @McpPrompt({ name: 'summarize' })
  @Throttle({ default: { limit: 1, ttl: 60_000 } })
  summarize() {
    ran('summarize');
    return 'Summarize the day.';
  }
}

@Injectable()
@SkipThrottle()
class StatusTools {
  @McpTool({ name: 'status' })
  status() {
    ran('status');
    return 'up';
  }
}

@Controller('api')
class PingController {
  @Get('ping')
  ping() {
    return { pong: true };
  }
}

/** The subclass form of the hook: an app's own `ThrottlerGuard` that skips what the MCP endpoint decides. */
@Injectable()
class AppThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return mcpThrottlerSkip(context) || super.shouldSkip(context);
  }
}

const rpc = (method: string, params: Record<string, unknown> = {}, id = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });
const call = (name: string) => rpc('tools/call', { name, arguments: {} });

interface Variant {
  name: string;
  guard: Type<CanActivate>;
  throttler: Record<string, unknown>;
}

const VARIANT_LIST: Variant[] = [
  { name: 'skipIf: mcpThrottlerSkip', guard: ThrottlerGuard, throttler: { skipIf: mcpThrottlerSkip } },
  // The subclass hook; setHeaders: false — Retry-After is still sent on the MCP endpoint's 429.
  {
    name: 'a ThrottlerGuard subclass, setHeaders: false',
    guard: AppThrottlerGuard,
    throttler: { setHeaders: false },
  },
];

/** Every variant on every adapter: Retry-After, the tracker's client address and the 429 body per adapter. */
const VARIANTS = ADAPTERS.flatMap((adapter) => VARIANT_LIST.map((variant) => ({ adapter, ...variant })));

describe.each<Variant & { adapter: AdapterName }>(VARIANTS)(
  'MCP handlers rate-limited per caller with @nestjs/throttler on $adapter ($name)',
  (variant) => {
    let issuer: LocalIssuer;
    let app: INestApplication;
    let url: string;
    const token = (subject: string) => issuer.mint({ subject, scopes: [] });

    beforeAll(async () => {
      issuer = await startLocalIssuer({ audience: RESOURCE });
      @Module({
        imports: [
          McpAuthModule.forRoot({ resource: RESOURCE, authorizationServers: [issuer.authorizationServer] }),
          ThrottlerModule.forRoot({
            throttlers: [{ ttl: 60_000, limit: LIMIT }],
            getTracker: mcpAuthTracker,
            ...variant.throttler,
          }),
          McpServerModule.forRoot({ name: 'throttled', version: '1', throttler: variant.guard }),
        ],
        controllers: [PingController],
        providers: [
          Tools,
          StatusTools,
          { provide: APP_GUARD, useClass: McpAuthGuard },
          { provide: APP_GUARD, useClass: variant.guard },
        ],
      })
      class AppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      app = await createApp(variant.adapter, moduleRef);
      await app.listen(0, '127.0.0.1');
      url = `${await app.getUrl()}/mcp`.replace('[::1]', '127.0.0.1');
    });
    afterAll(async () => {
      await app?.close();
      await issuer?.close();
    });
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
    });

    const post = (bearer: string, body: string) =>
      request(app.getHttpServer())
        .post('/mcp')
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .set('Authorization', `Bearer ${bearer}`)
        .send(body);

    const expectLimited = (res: request.Response) => {
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        jsonrpc: '2.0',
        error: { code: -32000, message: expect.stringMatching(/Too Many Requests/) },
        id: null,
      });
    };

    it('per caller: the call over the limit is HTTP 429 + Retry-After with a JSON-RPC error body, and never runs', async () => {
      const alice = await token('alice');
      for (let i = 0; i < LIMIT; i++) await post(alice, call('echo')).expect(200);
      expectLimited(await post(alice, call('echo')));
      // Counted once per call: the app-wide guard skipped the 'mcp' context (else the same key would count twice).
      expect(runs.echo).toBe(LIMIT);
      // A new token of the same caller does not reset the budget: the key is the caller, never the token.
      expectLimited(await post(await token('alice'), call('echo')));
      expect(runs.echo).toBe(LIMIT);
    });

    it('two callers from one address are isolated: each has its own budget', async () => {
      const [bob, carol] = [await token('bob'), await token('carol')];
      for (let i = 0; i < LIMIT; i++) await post(bob, call('echo')).expect(200);
      expectLimited(await post(bob, call('echo')));
      for (let i = 0; i < LIMIT; i++) await post(carol, call('echo')).expect(200);
      expect(runs.echo).toBe(2 * LIMIT);
    });

    it('per tool: @Throttle on an @McpTool, @McpResource and @McpPrompt sets its own limit; other handlers keep theirs', async () => {
      const dave = await token('dave');
      await post(dave, call('expensive')).expect(200);
      expectLimited(await post(dave, call('expensive')));
      await post(dave, rpc('resources/read', { uri: 'report://daily' })).expect(200);
      expectLimited(await post(dave, rpc('resources/read', { uri: 'report://daily' })));
      await post(dave, rpc('prompts/get', { name: 'summarize' })).expect(200);
      expectLimited(await post(dave, rpc('prompts/get', { name: 'summarize' })));
      expect(runs).toEqual({ expensive: 1, report: 1, summarize: 1 });
      // Each handler has its own budget: echo is not affected.
      await post(dave, call('echo')).expect(200);
      // Another caller is not limited by dave's calls.
      await post(await token('erin'), call('expensive')).expect(200);
    });

    it('@SkipThrottle on a tool method or its class is honoured', async () => {
      const frank = await token('frank');
      for (let i = 0; i < 2 * LIMIT; i++) {
        await post(frank, call('free')).expect(200);
        await post(frank, call('status')).expect(200);
      }
      expect(runs).toEqual({ free: 2 * LIMIT, status: 2 * LIMIT });
    });

    it('a request that invokes no handler (lists, initialize) counts against the endpoint route, apart from the tools', async () => {
      const grace = await token('grace');
      for (let i = 0; i < LIMIT; i++) await post(grace, rpc('tools/list')).expect(200);
      expectLimited(await post(grace, rpc('tools/list')));
      await post(grace, call('echo')).expect(200);
    });

    it('the official SDK client (v1): a call over the limit fails with the HTTP 429, not a tool result', async () => {
      const client = await bearerClient('v1', url, await token('heidi'));
      try {
        expect((await client.callTool('expensive')).content).toEqual([{ type: 'text', text: 'done' }]);
        // The SDK's StreamableHTTPError carries the HTTP status as its code.
        const refused = (await client.callTool('expensive').catch((e: unknown) => e)) as Error;
        expect(refused).toMatchObject({ code: 429, message: expect.stringMatching(/Too Many Requests/) });
        expect((await client.callTool('echo')).isError).toBeFalsy();
      } finally {
        await client.close();
      }
      expect(runs.expensive).toBe(1);
    });

    it('the app-wide ThrottlerGuard still limits REST routes per caller', async () => {
      const ivan = await token('ivan');
      const ping = () => request(app.getHttpServer()).get('/api/ping').set('Authorization', `Bearer ${ivan}`);
      for (let i = 0; i < LIMIT; i++) await ping().expect(200);
      expect((await ping()).status).toBe(429);
    });
  },
);

describe('McpServerModule throttler: boot checks', () => {
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: RESOURCE });
  });
  afterAll(() => issuer?.close());

  const boot = async (server: Partial<McpServerModuleOptions>, withThrottlerModule: boolean) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({ resource: RESOURCE, authorizationServers: [issuer.authorizationServer] }),
        ...(withThrottlerModule ? [ThrottlerModule.forRoot([{ ttl: 1_000, limit: 1 }])] : []),
        McpServerModule.forRoot({ name: 'throttled', version: '1', ...server }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
    } finally {
      await app.close();
    }
  };

  it('a throttler without ThrottlerModule fails the boot naming the option', async () => {
    const error = await boot({ throttler: ThrottlerGuard }, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', option: 'throttler' });
    expect((error as Error).message).toMatch(/ThrottlerModule\.forRoot/);
  });

  it('a throttler that is not a ThrottlerGuard fails the boot naming the option', async () => {
    class NotAThrottler implements CanActivate {
      canActivate() {
        return true;
      }
    }
    const error = await boot({ throttler: NotAThrottler }, true).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', option: 'throttler' });
    expect((error as Error).message).toMatch(/ThrottlerGuard/);
  });
});
