import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { McpAuthGuard, McpAuthModule, RequireScopes } from '../lib/index.js';
import type { LocalIssuer } from '../lib/testing/index.js';
import { ALGS, ROUTE, SCOPE, type Alg } from './common.js';
import { median } from './stats.js';

/**
 * What `McpAuthGuard.canActivate` costs by itself: in-process, no HTTP, no other process — so without the noise
 * of the HTTP rounds, which on a shared machine is larger than the guard. Each call gets a fresh `IncomingMessage`
 * (headers as Node parses them) and an `ExecutionContextHost`; the cost of building those is measured in the same
 * round without the guard and subtracted. Default options (verified-token cache on, `context: 'auto'`).
 */
export interface GuardAloneResult {
  /** CPU µs per call, median of the rounds. */
  repeated: Record<Alg, number>;
  neverSeen: Record<Alg, number>;
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

function request(token: string): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = ROUTE;
  req.headers = { host: '127.0.0.1', authorization: `Bearer ${token}`, accept: '*/*' };
  req.rawHeaders = ['Host', '127.0.0.1', 'Authorization', `Bearer ${token}`, 'Accept', '*/*'];
  return req;
}

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

export async function measureGuardAlone(
  issuer: LocalIssuer,
  resource: string,
  tokens: Record<Alg, { repeated: string; pools: readonly (readonly string[])[] }>,
  repeatedCalls = 50_000,
): Promise<GuardAloneResult> {
  @Module({
    imports: [
      McpAuthModule.forRoot({
        resource,
        authorizationServers: [issuer.authorizationServer],
        algorithms: [...ALGS],
      }),
    ],
    controllers: [TodosController],
  })
  class GuardAloneModule {}
  const app = await NestFactory.createApplicationContext(GuardAloneModule, { logger: ['error'] });
  const guard = app.get(McpAuthGuard);
  const handler = TodosController.prototype.list;
  const response = {};
  const next = () => undefined;
  const context = (token: string) =>
    new ExecutionContextHost([request(token), response, next], TodosController, handler);

  /** CPU µs per token: the guard on each, minus the same loop without the guard. */
  const perCall = async (list: readonly string[]): Promise<number> => {
    let t = cpu();
    for (const token of list) if (!context(token)) throw new Error('unreachable');
    const setup = cpu() - t;
    t = cpu();
    for (const token of list) {
      const allowed = guard.canActivate(context(token));
      if (!(allowed instanceof Promise ? await allowed : allowed)) throw new Error('refused');
    }
    return (cpu() - t - setup) / list.length;
  };

  const result: GuardAloneResult = {
    repeated: {} as Record<Alg, number>,
    neverSeen: {} as Record<Alg, number>,
  };
  try {
    for (const alg of ALGS) {
      const same = Array.from({ length: repeatedCalls }, () => tokens[alg].repeated);
      await perCall(same.slice(0, 5_000)); // warm-up (and the first, full, verification)
      const repeated: number[] = [];
      for (let r = 0; r < 5; r++) repeated.push(await perCall(same));
      result.repeated[alg] = median(repeated);
      const [warm, ...pools] = tokens[alg].pools;
      await perCall(warm);
      const rounds: number[] = [];
      for (const pool of pools) rounds.push(await perCall(pool));
      result.neverSeen[alg] = median(rounds);
    }
  } finally {
    await app.close();
  }
  return result;
}
