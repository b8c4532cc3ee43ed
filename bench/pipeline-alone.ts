import { RequestMethod, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GuardsConsumer } from '@nestjs/core/guards/guards-consumer.js';
import { GuardsContextCreator } from '@nestjs/core/guards/guards-context-creator.js';
import type { NestContainer } from '@nestjs/core/injector/container.js';
import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer.js';
import { InterceptorsContextCreator } from '@nestjs/core/interceptors/interceptors-context-creator.js';
import { PipesConsumer } from '@nestjs/core/pipes/pipes-consumer.js';
import { PipesContextCreator } from '@nestjs/core/pipes/pipes-context-creator.js';
import { RouteParamsFactory } from '@nestjs/core/router/route-params-factory.js';
import { RouterExecutionContext } from '@nestjs/core/router/router-execution-context.js';
import type { McpInvocation } from '../lib/core/mcp-invocation.js';
import { McpHandlerPipeline } from '../lib/mcp/mcp-handler-pipeline.js';
import { McpHandlerRegistry } from '../lib/mcp/mcp-handler-registry.js';
import type { LocalIssuer } from '../lib/testing/index.js';
import { stackModule } from './apps.js';
import { SCOPE } from './common.js';
import { cpu, request } from './guard-alone.js';
import { median } from './stats.js';

/**
 * What Nest's pipeline (a guard that allows and an interceptor that passes the result through) adds to an MCP tool
 * and to the same method as a REST route, in-process, on the very apps of the bench's `pipeline` scenario: the tool
 * of `mcp-tools-auth` / `mcp-tools-pipeline` through `McpHandlerPipeline.invoke` (Nest's `ExternalContextCreator`,
 * what `tools/call` runs once the SDK dispatched it), the route of `mcp-auth` / `rest-pipeline` through the handler
 * Nest's router builds for it (`RouterExecutionContext`, McpAuthGuard included, the reply step a no-op), interleaved.
 * Over HTTP a stateless `tools/call` spreads by ±300 µs per round on this machine, far more than what is compared.
 */
export interface PipelineAloneResult {
  /** CPU µs per call the pipeline adds to the tool (median of the rounds' differences). */
  onTool: number;
  /** CPU µs per request the pipeline adds to the route. */
  onRoute: number;
  /** Each stack's CPU µs per call (medians). */
  perCall: Record<PipelineStack, number>;
}

const STACKS = ['mcp-tools-auth', 'mcp-tools-pipeline', 'mcp-auth', 'rest-pipeline'] as const;
type PipelineStack = (typeof STACKS)[number];
type Call = () => Promise<unknown>;

/** The router's reply step as a no-op: the answer is the same with or without the pipeline. */
const REPLY = { status: () => undefined, setHeader: () => undefined, reply: () => undefined };

/** One call of a REST stack's only route, through the handler Nest's router builds for it. */
function routeCall(app: INestApplicationContext, type: Type<{ list(): unknown }>, token: string): Call {
  const container = (app as unknown as { container: NestContainer }).container;
  const config = container.applicationConfig!;
  const router = new RouterExecutionContext(
    new RouteParamsFactory(),
    new PipesContextCreator(container, config),
    new PipesConsumer(),
    new GuardsContextCreator(container, config),
    new GuardsConsumer(),
    new InterceptorsContextCreator(container, config),
    new InterceptorsConsumer(),
    REPLY as never,
  );
  const moduleKey = [...container.getModules()].find(([, m]) => m.controllers.has(type))![0];
  const instance = app.get(type);
  const handle = router.create(instance, instance.list, 'list', moduleKey, RequestMethod.GET);
  const next = () => undefined;
  // Building the request is the same for both REST stacks: it cancels out of the difference.
  return () => handle(request(token, false), {}, next);
}

/** One call of an MCP stack's only tool, through Nest's pipeline as the dispatcher runs it. */
function toolCall(app: INestApplicationContext, token: string): Call {
  const pipeline = app.get(McpHandlerPipeline, { strict: false });
  const handler = app.get(McpHandlerRegistry, { strict: false }).tools[0];
  const signal = new AbortController().signal;
  const auth = { token, clientId: 'bench', scopes: [SCOPE] } as unknown as McpInvocation['auth'];
  return () =>
    pipeline.invoke(handler, {
      kind: 'tool',
      name: handler.name,
      args: {},
      extra: { signal } as never,
      signal,
      auth,
    });
}

export async function measurePipelineAlone(
  issuer: LocalIssuer,
  resource: string,
  token: string,
  { calls = 20_000, rounds = 9 } = {},
): Promise<PipelineAloneResult> {
  const config = { resource, issuer: issuer.issuer, jwksUri: issuer.jwksUri, algorithms: ['RS256' as const] };
  const apps: INestApplicationContext[] = [];
  try {
    const calls$ = {} as Record<PipelineStack, Call>;
    for (const stack of STACKS) {
      const module = stackModule(stack, config);
      const app = await NestFactory.createApplicationContext(module, { logger: ['error'] });
      apps.push(app);
      const [controller] = (module.controllers ?? []) as Type<{ list(): unknown }>[];
      calls$[stack] = controller ? routeCall(app, controller, token) : toolCall(app, token);
    }
    const run = async (stack: PipelineStack, n: number): Promise<number> => {
      const call = calls$[stack];
      const t = cpu();
      for (let i = 0; i < n; i++) await call();
      return (cpu() - t) / n;
    };
    for (const stack of STACKS) await run(stack, calls / 4); // warm-up, each on its own path
    const perRound: Array<Record<PipelineStack, number>> = [];
    for (let r = 0; r < rounds; r++) {
      const round = {} as Record<PipelineStack, number>;
      for (let i = 0; i < STACKS.length; i++) {
        const stack = STACKS[(i + r) % STACKS.length]; // rotated: no stack always follows the same one
        round[stack] = await run(stack, calls);
      }
      perRound.push(round);
    }
    return {
      onTool: median(perRound.map((r) => r['mcp-tools-pipeline'] - r['mcp-tools-auth'])),
      onRoute: median(perRound.map((r) => r['rest-pipeline'] - r['mcp-auth'])),
      perCall: Object.fromEntries(STACKS.map((s) => [s, median(perRound.map((r) => r[s]))])) as Record<
        PipelineStack,
        number
      >,
    };
  } finally {
    for (const app of apps) await app.close();
  }
}

/** Standalone: node dist-scripts/bench/pipeline-alone.js [--calls=20000] [--rounds=9] */
async function main(): Promise<void> {
  const option = (name: string, fallback: number) =>
    Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const { startLocalIssuer } = await import('../lib/testing/index.js');
  const { mintOne } = await import('./tokens.js');
  const resource = 'http://127.0.0.1/api';
  const issuer = await startLocalIssuer({ audience: resource, algorithms: ['RS256'] });
  try {
    const token = await mintOne(issuer, 'RS256');
    const result = await measurePipelineAlone(issuer, resource, token, {
      calls: option('calls', 20_000),
      rounds: option('rounds', 9),
    });
    console.log(`${process.version}: ${JSON.stringify(result)}`);
  } finally {
    await issuer.close();
  }
}

if (process.argv[1]?.endsWith('pipeline-alone.js')) await main();
