import { Controller, Get, Injectable, Module, UseGuards, type CanActivate } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GuardsConsumer } from '@nestjs/core/guards/guards-consumer.js';
import { McpAuthGuard, McpAuthModule } from '../lib/index.js';
import { RequireScopes } from '../lib/index.js';
import { startLocalIssuer } from '../lib/testing/index.js';
import { AllocationMeter } from './allocation.js';
import { ALGS, SCOPE, type Alg } from './common.js';
import { request } from './guard-alone.js';
import { fmt, median, table } from './stats.js';
import { mintMany, mintOne } from './tokens.js';

/**
 * Heap bytes one guarded request allocates, in-process: `McpAuthGuard` (default options) vs a guard returning `true`,
 * each run through Nest's `GuardsConsumer` on requests built before the measured loop (their construction is not
 * counted). Allocation does not depend on the machine's load, so two versions of the code compare exactly.
 * Usage: node dist-scripts/bench/guard-allocation.js [--alg=RS256|ES256] [--calls=20000]
 */
const RESOURCE = 'http://127.0.0.1/api';

@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Controller('api')
@UseGuards(McpAuthGuard)
class TodosController {
  @Get('todos')
  @RequireScopes(SCOPE)
  list() {
    return [];
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const alg = (args.find((a) => a.startsWith('--alg='))?.slice(6) ?? 'RS256') as Alg;
  const calls = Number(args.find((a) => a.startsWith('--calls='))?.slice(8) ?? 20_000);
  const issuer = await startLocalIssuer({ audience: RESOURCE, algorithms: [...ALGS] });
  @Module({
    imports: [
      McpAuthModule.forRoot({
        resource: RESOURCE,
        authorizationServers: [issuer.authorizationServer],
        algorithms: [...ALGS],
      }),
    ],
    controllers: [TodosController],
  })
  class AllocationModule {}
  const app = await NestFactory.createApplicationContext(AllocationModule, { logger: ['error'] });
  const consumer = new GuardsConsumer();
  const controller = app.get(TodosController);
  const guards: Record<string, CanActivate> = {
    'no-op guard': new AllowGuard(),
    McpAuthGuard: app.get(McpAuthGuard),
  };
  const meter = new AllocationMeter();
  const repeated = await mintOne(issuer, alg);
  const fresh = await mintMany(issuer, alg, 6 * calls);
  const perCall = async (guard: CanActivate, tokens: readonly string[]): Promise<number> => {
    const requests = tokens.map((token) => request(token, false));
    const before = meter.read().bytes;
    for (const req of requests) {
      const allowed = await consumer.tryActivate(
        [guard],
        [req, {}, () => undefined],
        controller,
        controller.list,
        'http',
      );
      if (!allowed) throw new Error('refused');
    }
    return (meter.read().bytes - before) / tokens.length;
  };
  const rows: string[][] = [['guard', 'token', 'bytes per request (rounds)', 'median']];
  for (const [name, guard] of Object.entries(guards)) {
    const same = Array.from({ length: calls }, () => repeated);
    await perCall(guard, same); // warm-up
    const rounds: number[] = [];
    for (let r = 0; r < 5; r++) rounds.push(await perCall(guard, same));
    rows.push([name, 'repeated', rounds.map((v) => fmt(v)).join(', '), fmt(median(rounds))]);
    if (name === 'McpAuthGuard') {
      const never: number[] = [];
      for (let r = 0; r < 6; r++) {
        const v = await perCall(guard, fresh.slice(r * calls, (r + 1) * calls));
        if (r > 0) never.push(v);
      }
      rows.push([name, 'never-seen', never.map((v) => fmt(v)).join(', '), fmt(median(never))]);
    }
  }
  await app.close();
  await issuer.close();
  console.log(
    `Heap bytes allocated per guarded request, in-process (GuardsConsumer), ${alg}, ${fmt(calls)} calls per round:\n`,
  );
  console.log(table(rows, ['l', 'l', 'l']));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
