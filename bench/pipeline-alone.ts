import {
  Controller,
  Get,
  Injectable,
  Module,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
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
import { RequestMethod } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { McpAuthGuard, McpAuthModule, McpServerModule, McpTool, RequireScopes } from '../lib/index.js';
import type { McpInvocation } from '../lib/core/mcp-invocation.js';
import { McpHandlerPipeline } from '../lib/mcp/mcp-handler-pipeline.js';
import { McpHandlerRegistry } from '../lib/mcp/mcp-handler-registry.js';
import type { LocalIssuer } from '../lib/testing/index.js';
import { MCP_ROUTE, SCOPE } from './common.js';
import { cpu, request } from './guard-alone.js';
import { median } from './stats.js';

/**
 * What Nest's pipeline (a guard that allows and an interceptor that passes the result through — the bench's
 * `mcp-tools-pipeline` and `rest-pipeline`) adds to an MCP tool and to the same method as a REST route, in-process:
 * the tool through `McpHandlerPipeline.invoke` (Nest's `ExternalContextCreator`, what `tools/call` runs once the SDK
 * dispatched it), the route through the handler Nest's router builds for it (`RouterExecutionContext`, McpAuthGuard
 * and all, the reply step a no-op), each with and without the two enhancers, interleaved. Over HTTP a stateless
 * `tools/call` spreads by ±300 µs per round on this machine, far more than what is compared here.
 */
export interface PipelineAloneResult {
  /** CPU µs per call the pipeline adds to the tool (median of the rounds' differences). */
  onTool: number;
  /** CPU µs per request the pipeline adds to the route. */
  onRoute: number;
  /** The four variants' CPU µs per call (medians). */
  perCall: Record<Variant, number>;
}

type Variant = 'tool' | 'tool + pipeline' | 'route' | 'route + pipeline';
const TODOS = [{ id: 1, title: 'Write the bench' }];

@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Injectable()
class PassThroughInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

@Injectable()
class TodoTools {
  @McpTool({ name: 'get-todos', description: 'List the todos' })
  @RequireScopes(SCOPE)
  list() {
    return { todos: TODOS };
  }
}

@Injectable()
@UseGuards(AllowGuard)
@UseInterceptors(PassThroughInterceptor)
class PipelineTodoTools {
  @McpTool({ name: 'get-todos-pipeline', description: 'List the todos' })
  @RequireScopes(SCOPE)
  list() {
    return { todos: TODOS };
  }
}

@Controller('api')
@UseGuards(McpAuthGuard)
class TodosController {
  @Get('todos')
  @RequireScopes(SCOPE)
  list() {
    return TODOS;
  }
}

@Controller('api')
@UseGuards(McpAuthGuard, AllowGuard)
@UseInterceptors(PassThroughInterceptor)
class PipelineTodosController {
  @Get('todos-pipeline')
  @RequireScopes(SCOPE)
  list() {
    return TODOS;
  }
}

/** The router's reply step as a no-op: the answer is the same with or without the pipeline. */
const REPLY = { status: () => undefined, setHeader: () => undefined, reply: () => undefined };

export async function measurePipelineAlone(
  issuer: LocalIssuer,
  resource: string,
  token: string,
  { calls = 20_000, rounds = 9 } = {},
): Promise<PipelineAloneResult> {
  @Module({
    imports: [
      McpAuthModule.forRoot({ resource, authorizationServers: [issuer.authorizationServer] }),
      McpServerModule.forRoot({ name: 'pipeline-alone', version: '1.0.0', path: MCP_ROUTE }),
    ],
    controllers: [TodosController, PipelineTodosController],
    providers: [TodoTools, PipelineTodoTools, AllowGuard, PassThroughInterceptor],
  })
  class PipelineAloneModule {}
  const app = await NestFactory.createApplicationContext(PipelineAloneModule, { logger: ['error'] });
  try {
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
    const moduleKey = [...container.getModules()].find(([, m]) => m.controllers.has(TodosController))![0];
    const route = (type: Type<{ list(): unknown }>) => {
      const instance = app.get(type);
      return router.create(instance, instance.list, 'list', moduleKey, RequestMethod.GET);
    };
    const routes = { route: route(TodosController), 'route + pipeline': route(PipelineTodosController) };
    const pipeline = app.get(McpHandlerPipeline, { strict: false });
    const registry = app.get(McpHandlerRegistry, { strict: false });
    const tools = {
      tool: registry.tool('get-todos')!,
      'tool + pipeline': registry.tool('get-todos-pipeline')!,
    };
    const signal = new AbortController().signal;
    const auth = { token, clientId: 'bench', scopes: [SCOPE] } as unknown as McpInvocation['auth'];
    const next = () => undefined;

    const run = async (variant: Variant, n: number): Promise<number> => {
      const t = cpu();
      if (variant === 'tool' || variant === 'tool + pipeline') {
        const handler = tools[variant];
        for (let i = 0; i < n; i++) {
          const invocation: McpInvocation = {
            kind: 'tool',
            name: handler.name,
            args: {},
            extra: { signal } as never,
            signal,
            auth,
          };
          await pipeline.invoke(handler, invocation);
        }
      } else {
        // Building the request is the same for both route variants: it cancels out of the difference.
        const handle = routes[variant];
        for (let i = 0; i < n; i++) await handle(request(token, false), {}, next);
      }
      return (cpu() - t) / n;
    };
    const variants: Variant[] = ['tool', 'tool + pipeline', 'route', 'route + pipeline'];
    for (const v of variants) await run(v, calls / 4); // warm-up, each on its own path
    const perRound: Array<Record<Variant, number>> = [];
    for (let r = 0; r < rounds; r++) {
      const round = {} as Record<Variant, number>;
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + r) % variants.length]; // rotated: no variant always follows the same one
        round[v] = await run(v, calls);
      }
      perRound.push(round);
    }
    return {
      onTool: median(perRound.map((r) => r['tool + pipeline'] - r.tool)),
      onRoute: median(perRound.map((r) => r['route + pipeline'] - r.route)),
      perCall: Object.fromEntries(variants.map((v) => [v, median(perRound.map((r) => r[v]))])) as Record<
        Variant,
        number
      >,
    };
  } finally {
    await app.close();
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
