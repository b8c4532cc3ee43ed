/**
 * An app whose MCP handlers use every part of Nest's pipeline (R40): method, class and global guards,
 * interceptors, pipes and filters; a DTO; a controller; a request-scoped provider; a resource and a prompt with
 * their own scopes. `log` records what ran, in order.
 */
import {
  CallHandler,
  Catch,
  ConflictException,
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  Scope,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type ArgumentMetadata,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, BaseExceptionFilter, REQUEST } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import type { IncomingMessage } from 'node:http';
import { map, of, throwError, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  AuthInfo,
  McpArgs,
  McpAuthGuard,
  McpAuthModule,
  McpCall,
  McpExecutionContext,
  McpExtra,
  McpPrompt,
  McpResource,
  McpServerModule,
  McpTool,
  McpUri,
  RequireScopes,
  type McpAuthInfo,
  type McpInvocation,
  type McpRequestExtra,
  type McpServerModuleOptions,
  type McpServerRoutes,
} from '../../lib/index.js';
import { createApp, type AdapterName } from './adapters.js';
import { freePort } from './free-port.js';
import { startTestProvider, type TestProvider } from './oidc-provider.js';

/** The abort signal of either SDK line's per-request object (1.x: `extra.signal`; 2.x: `ctx.mcpReq.signal`). */
const signalOf = (extra: McpRequestExtra) => ('mcpReq' in extra ? extra.mcpReq.signal : extra.signal);

export const PIPELINE_SCOPES = ['notes:read', 'notes:write', 'files:read', 'prompts:use'];

/** What ran, in order (guards, interceptors, pipes, filters, handlers). */
export const log: string[] = [];

const describeCall = (context: ExecutionContext) => {
  const mcp = McpExecutionContext.create(context);
  return `${mcp.getKind()}:${mcp.getName()}`;
};

/** APP_INTERCEPTOR: every MCP handler goes through it. */
@Injectable()
class GlobalInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() === 'mcp') log.push(`global-interceptor:${describeCall(context)}`);
    return next.handle();
  }
}

/** `app.useGlobalPipes()`: trims the strings `@McpArgs('field')` injects (pipes see them as 'body'). */
export class TrimPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type !== 'body') return value;
    log.push(`global-pipe:${metadata.data ?? '(all)'}`);
    return typeof value === 'string' ? value.trim() : value;
  }
}

/** A custom guard: denies when the arguments say so; knows the caller (McpAuthGuard ran first, as APP_GUARD). */
@Injectable()
class NotForbiddenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const mcp = McpExecutionContext.create(context);
    log.push(`guard:${describeCall(context)}:${mcp.getAuthInfo()?.clientId || mcp.getAuthInfo()?.subject}`);
    return mcp.getArgs<{ text: string }>().text !== 'forbidden';
  }
}

/** Wraps a tool's result. */
@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    log.push(`wrap:before:${describeCall(context)}`);
    return next.handle().pipe(map((value) => ({ wrapped: value })));
  }
}

/** Shapes an HttpException into a tool error result of its own. */
@Catch(HttpException)
class ShapeFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost) {
    const mcp = McpExecutionContext.create(host);
    return {
      isError: true,
      content: [{ type: 'text', text: `shaped ${mcp.getName()}: ${exception.message}` }],
    };
  }
}

/** An RPC-style filter: answers with Observables (unwrapped), a value or an error. */
@Catch()
class ObservableFilter implements ExceptionFilter {
  catch(exception: Error) {
    if (exception.message === 'as-error')
      return throwError(() => new ConflictException('rethrown by a filter'));
    return of({ content: [{ type: 'text', text: `observed: ${exception.message}` }] });
  }
}

/** A global HTTP filter as many apps have one: it breaks in an 'mcp' context (`response.status` is no function). */
@Catch()
export class AllExceptionsFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost) {
    log.push(`all-exceptions-filter:${host.getType()}`);
    super.catch(exception, host);
  }
}

class TagDto {
  @IsString()
  @Length(1, 10)
  name!: string;
}

/** The arguments of `create-note`: a class-validator DTO. */
export class NoteDto {
  @IsString()
  @Length(3, 40)
  title!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  priority?: number;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TagDto)
  tags?: TagDto[];
}

@Injectable()
export class NoteTools {
  @McpTool({ name: 'echo', input: { text: z.string() } })
  echo(@McpArgs('text') text: string) {
    log.push(`handler:echo`);
    return `[${text}]`;
  }

  @McpTool({ name: 'guarded', input: { text: z.string() } })
  @UseGuards(NotForbiddenGuard)
  guarded(@McpArgs() args: { text: string }) {
    log.push('handler:guarded');
    return `ran with ${args.text}`;
  }

  @McpTool({ name: 'wrapped' })
  @UseInterceptors(WrapInterceptor)
  wrapped() {
    return 'inner';
  }

  @McpTool({ name: 'create-note', description: 'Create a note', input: NoteDto })
  @RequireScopes('notes:write')
  create(@McpArgs() dto: NoteDto, @AuthInfo('subject') subject: string) {
    return { isDto: dto instanceof NoteDto, ...dto, owner: subject };
  }

  @McpTool({ name: 'shaped' })
  @UseFilters(ShapeFilter)
  shaped() {
    throw new ConflictException('a note with this title exists');
  }

  @McpTool({ name: 'observed', input: { mode: z.string() } })
  @UseFilters(ObservableFilter)
  observed(@McpArgs('mode') mode: string): never {
    throw new Error(mode);
  }

  @McpTool({ name: 'crash' })
  crash(): never {
    throw new Error('secret detail at /srv/app/notes.ts');
  }

  @McpTool({ name: 'who' })
  who(@AuthInfo() auth: McpAuthInfo, @McpExtra() extra: McpRequestExtra, @McpCall() call: McpInvocation) {
    return {
      subject: auth.subject ?? auth.clientId,
      signal: signalOf(extra) instanceof AbortSignal,
      kind: call.kind,
      method: call.request?.method,
    };
  }

  @McpTool({ name: 'positional', input: { n: z.number() } })
  positional(args: { n: number }, extra: McpRequestExtra, invocation: McpInvocation) {
    return { n: args.n, signal: signalOf(extra) instanceof AbortSignal, name: invocation.name };
  }

  @McpTool({ name: 'mixed', input: { n: z.number() } })
  mixed(args: { n: number }, @AuthInfo('subject') subject: string, extra: McpRequestExtra) {
    return { n: args.n, subject, signal: signalOf(extra) instanceof AbortSignal };
  }

  @McpTool({ name: 'structured', output: { total: z.number() } })
  structured() {
    return { total: 3 };
  }

  @McpTool({ name: 'bad-output', output: { total: z.number() } })
  badOutput() {
    return { total: 'three' };
  }

  @McpResource({ uriTemplate: 'file:///{name}', name: 'file', mimeType: 'text/plain' })
  @RequireScopes('files:read')
  file(@McpArgs('name') name: string, @McpUri() uri: URL) {
    if (name === 'missing') throw new NotFoundException(`no file ${name}`);
    return `contents of ${name} at ${uri.href}`;
  }

  @McpResource({ uri: 'config://app', name: 'config', description: 'App settings' })
  config() {
    return { theme: 'dark' };
  }

  @McpPrompt({
    name: 'draft-note',
    description: 'Draft a note',
    arguments: { topic: z.string().min(2).describe('What about'), tone: z.enum(['dry', 'warm']).optional() },
  })
  @RequireScopes('prompts:use')
  draft(@McpArgs() args: { topic: string; tone?: string }) {
    return `Draft a ${args.tone ?? 'dry'} note about ${args.topic}`;
  }
}

/** The `x-tag` header of the HTTP request `McpExecutionContext.getRequest()` gave the interceptor, by tag argument. */
const tagsSeenByInterceptor = new Map<string, unknown>();

@Injectable()
class RequestTagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const mcp = McpExecutionContext.create(context);
    const { tag } = mcp.getArgs<{ tag: string }>();
    tagsSeenByInterceptor.set(tag, mcp.getRequest<IncomingMessage>()?.headers['x-tag']);
    return next.handle();
  }
}

/** Counts instances of the request-scoped class. */
let instances = 0;

@Injectable({ scope: Scope.REQUEST })
export class RequestScopedTools {
  private readonly id = ++instances;
  constructor(@Inject(REQUEST) private readonly request: IncomingMessage) {}

  @McpTool({ name: 'request-scoped' })
  whoAmI() {
    return { instance: this.id, method: this.request.method, url: this.request.url };
  }

  /**
   * What each view of the HTTP request says of its `x-tag` header (the client sends the tag argument there too):
   * `@Inject(REQUEST)`, `@McpCall()`'s `request` and `McpExecutionContext.getRequest()` — read after a pause, so that
   * concurrent calls on one session overlap.
   */
  @McpTool({ name: 'request-tag', input: { tag: z.string() } })
  @UseInterceptors(RequestTagInterceptor)
  async tag(@McpArgs('tag') tag: string, @McpCall() call: McpInvocation) {
    await new Promise((resolve) => setTimeout(resolve, 40));
    return {
      tag,
      injected: this.request.headers['x-tag'],
      invocation: call.request?.headers['x-tag'],
      context: tagsSeenByInterceptor.get(tag),
    };
  }
}

/** A class-level guard of a controller: proves enhancers bound to a controller class run for its MCP handlers. */
@Injectable()
class ControllerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    log.push(`controller-guard:${context.getType()}`);
    return true;
  }
}

@Controller('notes')
@UseGuards(ControllerGuard)
export class NotesController {
  @Get()
  list() {
    return [];
  }

  @McpTool({ name: 'controller-tool', input: { text: z.string() } })
  @UseInterceptors(WrapInterceptor)
  tool(@McpArgs('text') text: string) {
    return `controller says ${text}`;
  }
}

export interface PipelineApp {
  app: INestApplication;
  provider: TestProvider;
  resource: string;
  /** A client-credentials token (client `svc`) with `scope`. */
  token(scope: string): Promise<string>;
  close(): Promise<void>;
}

const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };

/**
 * Starts the pipeline app (own provider) on `adapter` with `options` for McpServerModule; `configure` runs before
 * init.
 */
export async function startPipelineApp(
  options: Partial<McpServerModuleOptions & McpServerRoutes> = {},
  configure: (app: INestApplication) => void = (app) => app.useGlobalPipes(new TrimPipe()),
  adapter: AdapterName = 'express',
): Promise<PipelineApp> {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const provider = await startTestProvider({
    resources: { [resource]: { scopes: PIPELINE_SCOPES } },
    clients: [CLIENT],
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      McpAuthModule.forRoot({
        resource,
        authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
        scopesSupported: PIPELINE_SCOPES,
        defaultScopes: ['notes:read'],
      }),
      McpServerModule.forRoot({ name: 'notes', version: '1.0.0', path: '/mcp', ...options }),
    ],
    controllers: [NotesController],
    providers: [
      NoteTools,
      RequestScopedTools,
      { provide: APP_GUARD, useClass: McpAuthGuard }, // checks scopes again in 'mcp' context, then lets guards run
      { provide: APP_INTERCEPTOR, useClass: GlobalInterceptor },
    ],
  }).compile();
  const app = await createApp(adapter, moduleRef, { configure });
  await app.listen(port, '127.0.0.1');
  return {
    app,
    provider,
    resource,
    token: (scope) => provider.clientCredentialsToken({ ...CLIENT, scope, resource }),
    async close() {
      await app.close();
      await provider.close();
    },
  };
}
