import { Controller, Get, Injectable, Module, UseGuards, type CanActivate } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GuardsConsumer } from '@nestjs/core/guards/guards-consumer.js';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { McpAuthGuard, McpAuthModule, McpServerModule, McpTool, RequireScopes } from '../lib/index.js';
import { McpEndpointGuard } from '../lib/mcp/mcp-endpoint.guard.js';
import type { LocalIssuer } from '../lib/testing/index.js';
import { ALGS, MCP_ROUTE, ROUTE, SCOPE, TOOLS_CALL_BODY, type Alg } from './common.js';
import { median } from './stats.js';

/**
 * What auth costs a request by itself: the guard run through Nest's own `GuardsConsumer` (what the router does for
 * every request of a guarded route), in-process, with no HTTP and no other process — so without the noise of the
 * HTTP rounds, which on a shared machine is larger than the guard. Each call gets a fresh `IncomingMessage` (headers
 * as Node parses them); building it is measured in the same round without the guard and subtracted. Default
 * options (verified-token cache on, `context` off).
 */
export interface GuardAloneResult {
  /** `McpAuthGuard` + `@RequireScopes`, CPU µs per request, median of the rounds. */
  repeated: Record<Alg, number>;
  neverSeen: Record<Alg, number>;
  /** `McpEndpointGuard` on a JSON-RPC `tools/call` (the tool's scopes), repeated RS256 token. */
  mcpRepeated: number;
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

@Injectable()
class TodoTools {
  @McpTool({ name: 'get-todos', description: 'List the todos' })
  @RequireScopes(SCOPE)
  list() {
    return { todos: [] };
  }
}

/**
 * A header value as Node's HTTP parser hands it over: one flat string (a template literal would be a rope, which
 * the first scan of it flattens — a copy of the token per request that no server makes).
 */
const flat = (value: string) => Buffer.from(value, 'latin1').toString('latin1');

/** A fresh request as Node parses it: GET the REST route, or POST a `tools/call` to the MCP endpoint. */
export function request(token: string, mcp: boolean): IncomingMessage {
  const req = new IncomingMessage(new Socket()) as IncomingMessage & { body?: unknown };
  req.method = mcp ? 'POST' : 'GET';
  req.url = mcp ? MCP_ROUTE : ROUTE;
  const authorization = flat(`Bearer ${token}`);
  req.headers = { host: '127.0.0.1', authorization, accept: '*/*' };
  req.rawHeaders = ['Host', '127.0.0.1', 'Authorization', authorization, 'Accept', '*/*'];
  if (mcp) {
    req.headers['content-type'] = 'application/json';
    req.rawHeaders.push('Content-Type', 'application/json');
    req.body = JSON.parse(TOOLS_CALL_BODY);
  }
  return req;
}

/** CPU µs used by the process so far (every thread). */
export const cpu = () => {
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
      McpServerModule.forRoot({ name: 'guard-alone', version: '1.0.0', path: MCP_ROUTE }),
    ],
    controllers: [TodosController],
    providers: [TodoTools],
  })
  class GuardAloneModule {}
  const app = await NestFactory.createApplicationContext(GuardAloneModule, { logger: ['error'] });
  const consumer = new GuardsConsumer();
  const controller = app.get(TodosController);
  const restGuard = app.get(McpAuthGuard);
  const mcpGuard = app.get(McpEndpointGuard, { strict: false });
  const response = {};
  const next = () => undefined;

  /** CPU µs per token: Nest's guard step on each, minus the same loop that only builds the request. */
  const perCall = async (guard: CanActivate, list: readonly string[], mcp = false): Promise<number> => {
    let t = cpu();
    for (const token of list) if (!request(token, mcp)) throw new Error('unreachable');
    const setup = cpu() - t;
    t = cpu();
    for (const token of list) {
      const allowed = await consumer.tryActivate(
        [guard],
        [request(token, mcp), response, next],
        controller,
        controller.list,
        'http',
      );
      if (!allowed) throw new Error('refused');
    }
    return (cpu() - t - setup) / list.length;
  };
  const repeatedRounds = async (guard: CanActivate, token: string, mcp = false) => {
    const same = Array.from({ length: repeatedCalls }, () => token);
    await perCall(guard, same.slice(0, 5_000), mcp); // warm-up (and the first, full, verification)
    const rounds: number[] = [];
    for (let r = 0; r < 5; r++) rounds.push(await perCall(guard, same, mcp));
    return median(rounds);
  };

  const result: GuardAloneResult = {
    repeated: {} as Record<Alg, number>,
    neverSeen: {} as Record<Alg, number>,
    mcpRepeated: 0,
  };
  try {
    for (const alg of ALGS) {
      result.repeated[alg] = await repeatedRounds(restGuard, tokens[alg].repeated);
      const [warm, ...pools] = tokens[alg].pools;
      await perCall(restGuard, warm);
      const rounds: number[] = [];
      for (const pool of pools) rounds.push(await perCall(restGuard, pool));
      result.neverSeen[alg] = median(rounds);
    }
    result.mcpRepeated = await repeatedRounds(mcpGuard, tokens.RS256.repeated, true);
  } finally {
    await app.close();
  }
  return result;
}
