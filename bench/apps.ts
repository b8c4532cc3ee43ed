import { AsyncLocalStorage } from 'node:async_hooks';
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  RequestMethod,
  SetMetadata,
  UnauthorizedException,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type NestInterceptor,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Observable } from 'rxjs';
import {
  McpAuthContext,
  McpAuthGuard,
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthModuleOptions,
} from '../lib/index.js';
import {
  MCP_ROUTE,
  NEVER_SEEN_ROUTES,
  SAME_PROCESS_ROUTES,
  SCOPE,
  TELEMETRY_ROUTES,
  TODOS,
  type ExpressStack,
  type ServerConfig,
} from './common.js';

const CONFIG = Symbol('BENCH_CONFIG');

function authOptions(config: ServerConfig): McpAuthModuleOptions {
  return {
    resource: config.resource,
    authorizationServers: [{ issuer: config.issuer, type: 'oidc' }],
    algorithms: config.algorithms,
    scopesSupported: [SCOPE],
    discovery: config.lazyDiscovery ? 'lazy' : 'eager',
    ...(config.tokenCacheOff ? { tokenCache: false as const } : {}),
  };
}

// (1) The floor: the same route, no auth at all.
@Controller('api')
class OpenTodosController {
  @Get('todos')
  list() {
    return TODOS;
  }
}

// Diagnostic: the same route behind a guard that allows everything (Nest's guard pipeline alone).
@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Controller('api')
@UseGuards(AllowGuard)
class GuardedOpenTodosController {
  @Get('todos')
  list() {
    return TODOS;
  }
}

// Diagnostic: the same, the guard also publishing a caller on the request as McpAuthGuard does (`req.auth`).
const CALLER = { subject: 'bench' };
@Injectable()
class PublishingAllowGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    context.getArgByIndex<{ auth?: unknown }>(0).auth = CALLER;
    return true;
  }
}

@Controller('api')
@UseGuards(PublishingAllowGuard)
class PublishingGuardedTodosController {
  @Get('todos')
  list() {
    return TODOS;
  }
}

// The crypto floor of never-seen tokens, measured under the same load: a guard that checks the token's signature
// with node:crypto against the issuer's key, imported once at boot, and the claims any resource server must check —
// `exp`, `iss`, `aud`, the route's scope (issue 14: "keys imported at boot, node:crypto verify, exp/iss/aud/scope") —
// written as plainly as possible: no cache, no challenge, no structural checks, no telemetry. What any JWT resource
// server has to pay per new token; the rest of McpAuthGuard is measured against it.
const KEYS = Symbol('BENCH_KEYS');

@Injectable()
class SignatureOnlyGuard implements CanActivate {
  constructor(
    @Inject(KEYS) private readonly keys: Map<string, KeyObject>,
    @Inject(CONFIG) private readonly config: ServerConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<IncomingMessage>().headers.authorization;
    if (!header?.startsWith('Bearer ')) throw new UnauthorizedException();
    const [h, p, s] = header.slice(7).split('.');
    const { alg, kid } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; kid: string };
    const key = this.keys.get(kid);
    if (!key) throw new UnauthorizedException();
    const ok = cryptoVerify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
      Buffer.from(s, 'base64url'),
    );
    if (!ok) throw new UnauthorizedException();
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
      exp?: number;
      iss?: string;
      aud?: string | string[];
      scope?: string;
    };
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (
      typeof claims.exp !== 'number' ||
      claims.exp <= Date.now() / 1000 ||
      claims.iss !== this.config.issuer ||
      !audiences.includes(this.config.resource) ||
      !(claims.scope ?? '').split(' ').includes(SCOPE)
    ) {
      throw new UnauthorizedException();
    }
    return true;
  }
}

@Controller('api')
@UseGuards(SignatureOnlyGuard)
class SignatureOnlyTodosController {
  @Get('todos')
  list() {
    return TODOS;
  }
}

async function importKeys(jwksUri: string): Promise<Map<string, KeyObject>> {
  const { keys } = (await (await fetch(jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
  return new Map(
    keys.map((jwk) => [jwk.kid as string, createPublicKey({ key: jwk as never, format: 'jwk' })]),
  );
}

// (2) nest-mcp-auth: McpAuthGuard + @RequireScopes.
@Controller('api')
@UseGuards(McpAuthGuard)
class McpAuthTodosController {
  @Get('todos')
  @RequireScopes(SCOPE)
  list() {
    return TODOS;
  }
}

// (2b) The same, with a singleton service that reads the caller through McpAuthContext (AsyncLocalStorage, on with
// context: true).
@Injectable()
class CallerService {
  constructor(private readonly auth: McpAuthContext) {}
  /** The todos of the current caller (all of them, for the bench; none without a caller). */
  todos() {
    return this.auth.current?.subject ? TODOS : [];
  }
}

@Controller('api')
@UseGuards(McpAuthGuard)
class McpAuthContextTodosController {
  constructor(private readonly caller: CallerService) {}

  @Get('todos')
  @RequireScopes(SCOPE)
  list() {
    return this.caller.todos();
  }
}

// One app, three routes measured in alternating slices of the same process (same-process.ts): no auth, the no-op
// guard, McpAuthGuard — each the same handler as its stack's above; ours registered last.
const sub = (route: string) => route.slice('/api/'.length);

@Controller('api')
class SameProcessOpenController {
  @Get(sub(SAME_PROCESS_ROUTES.floor))
  list() {
    return TODOS;
  }
}

@Controller('api')
@UseGuards(AllowGuard)
class SameProcessNoopController {
  @Get(sub(SAME_PROCESS_ROUTES['floor-guard']))
  list() {
    return TODOS;
  }
}

@Controller('api')
@UseGuards(McpAuthGuard)
class SameProcessMcpAuthController {
  @Get(sub(SAME_PROCESS_ROUTES['mcp-auth']))
  @RequireScopes(SCOPE)
  list() {
    return TODOS;
  }
}

// Never-seen tokens in one process: the signature-only guard's route beside McpAuthGuard's (SameProcessMcpAuthController).
@Controller('api')
@UseGuards(SignatureOnlyGuard)
class SameProcessSignatureOnlyController {
  @Get(sub(NEVER_SEEN_ROUTES['signature-only']))
  list() {
    return TODOS;
  }
}

// Telemetry in one process: McpAuthGuard of a feature module whose McpAuthModule has telemetry off, beside
// McpAuthGuard of one whose McpAuthModule has the default telemetry (SameProcessMcpAuthController's route).
@Controller('api')
@UseGuards(McpAuthGuard)
class SameProcessTelemetryOffController {
  @Get(sub(TELEMETRY_ROUTES['telemetry-off']))
  @RequireScopes(SCOPE)
  list() {
    return TODOS;
  }
}

@Module({})
class TelemetryOffFeatureModule {}

@Module({})
class TelemetryOnFeatureModule {}

/** `items` rotated left by `by` places. */
const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.map((_, i) => items[(i + by) % items.length]);

// (3) The usual recipe: @nestjs/passport + passport-jwt + jwks-rsa, and a scopes guard reading req.user.scope.
const Scopes = (...scopes: string[]) => SetMetadata('scopes', scopes);

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(CONFIG) config: ServerConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: config.jwksUri,
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 5,
      }),
      audience: config.resource,
      issuer: config.issuer,
      algorithms: config.algorithms,
    });
  }

  validate(payload: Record<string, unknown>) {
    return payload;
  }
}

@Injectable()
class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>('scopes', [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const user = context.switchToHttp().getRequest<{ user?: { scope?: unknown } }>().user;
    const granted = typeof user?.scope === 'string' ? user.scope.split(' ') : [];
    return required.every((s) => granted.includes(s));
  }
}

@Controller('api')
@UseGuards(AuthGuard('jwt'), ScopesGuard)
class PassportTodosController {
  @Get('todos')
  @Scopes(SCOPE)
  list() {
    return TODOS;
  }
}

// MCP: one tool that needs read:todos, over a stateless McpServerModule (JSON responses).
@Injectable()
class TodoTools {
  @McpTool({ name: 'get-todos', description: 'List the todos', annotations: { readOnlyHint: true } })
  @RequireScopes(SCOPE)
  list() {
    return { todos: TODOS };
  }
}

// The floor's tool: the same without scopes (an endpoint served with `auth: false` refuses scoped tools at boot).
@Injectable()
class OpenTodoTools {
  @McpTool({ name: 'get-todos', description: 'List the todos', annotations: { readOnlyHint: true } })
  list() {
    return { todos: TODOS };
  }
}

@Injectable()
class ContextTodoTools {
  constructor(private readonly caller: CallerService) {}

  @McpTool({ name: 'get-todos', description: 'List the todos', annotations: { readOnlyHint: true } })
  @RequireScopes(SCOPE)
  list() {
    return { todos: this.caller.todos() };
  }
}

// Nest's pipeline, the same on both sides: a guard that allows and an interceptor that passes the result through.
@Injectable()
class PassThroughInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

@Injectable()
@UseGuards(AllowGuard)
@UseInterceptors(PassThroughInterceptor)
class PipelineTodoTools {
  @McpTool({ name: 'get-todos', description: 'List the todos', annotations: { readOnlyHint: true } })
  @RequireScopes(SCOPE)
  list() {
    return { todos: TODOS };
  }
}

@Controller('api')
@UseGuards(McpAuthGuard, AllowGuard)
@UseInterceptors(PassThroughInterceptor)
class PipelineTodosController {
  @Get('todos')
  @RequireScopes(SCOPE)
  list() {
    return { todos: TODOS };
  }
}

/** The MCP endpoint; `auth: false` for the floors (no McpAuthModule: public on purpose, R33). */
const mcpServer = (auth = true) =>
  McpServerModule.forRoot({
    name: 'bench-todos',
    version: '1.0.0',
    path: MCP_ROUTE,
    enableJsonResponse: true,
    auth,
  });

@Module({})
class BenchModule {}

// Diagnostics: what McpAuthModule's context middleware does on every route, and nothing else.
@Injectable()
class AlsMiddleware implements NestMiddleware {
  private readonly storage = new AsyncLocalStorage<object>();
  use(_req: unknown, _res: unknown, next: () => void): void {
    this.storage.run({}, next);
  }
}

@Module({})
class AlsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AlsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

/** The root module of a stack (a Fastify stack serves the module of its Express twin: `stackPlatform`). */
export function stackModule(stack: ExpressStack, config: ServerConfig): DynamicModule {
  switch (stack) {
    case 'floor':
      return { module: BenchModule, controllers: [OpenTodosController] };
    case 'mcp-auth':
    case 'mcp-auth-otel-sdk': // the SDK is installed by server.ts before the app is created
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot(authOptions(config))],
        controllers: [McpAuthTodosController],
      };
    case 'passport':
      return {
        module: BenchModule,
        imports: [PassportModule],
        controllers: [PassportTodosController],
        providers: [{ provide: CONFIG, useValue: config }, JwtStrategy, ScopesGuard],
      };
    case 'mcp-noauth':
      return { module: BenchModule, imports: [mcpServer(false)], providers: [OpenTodoTools] };
    case 'signature-only':
      return {
        module: BenchModule,
        controllers: [SignatureOnlyTodosController],
        providers: [
          { provide: KEYS, useFactory: () => importKeys(config.jwksUri) },
          { provide: CONFIG, useValue: config },
          SignatureOnlyGuard,
        ],
      };
    case 'floor-guard':
      return { module: BenchModule, controllers: [GuardedOpenTodosController] };
    case 'floor-guard-publish':
      return { module: BenchModule, controllers: [PublishingGuardedTodosController] };
    case 'same-process':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot(authOptions(config))],
        controllers: rotate(
          [SameProcessOpenController, SameProcessNoopController, SameProcessMcpAuthController],
          config.routeRotation ?? 0,
        ),
      };
    case 'never-seen-same-process':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot(authOptions(config))],
        controllers: rotate(
          [SameProcessSignatureOnlyController, SameProcessMcpAuthController],
          config.routeRotation ?? 0,
        ),
        providers: [
          { provide: KEYS, useFactory: () => importKeys(config.jwksUri) },
          { provide: CONFIG, useValue: config },
          SignatureOnlyGuard,
        ],
      };
    case 'telemetry-same-process':
    case 'telemetry-sdk-same-process': // the SDK is installed by server.ts before the app is created
      return {
        module: BenchModule,
        imports: rotate(
          [
            {
              module: TelemetryOffFeatureModule,
              imports: [
                McpAuthModule.forRoot({
                  ...authOptions(config),
                  openTelemetry: false,
                  audit: false,
                  isGlobal: false,
                }),
              ],
              controllers: [SameProcessTelemetryOffController],
            },
            {
              module: TelemetryOnFeatureModule,
              imports: [McpAuthModule.forRoot({ ...authOptions(config), isGlobal: false })],
              controllers: [SameProcessMcpAuthController],
            },
          ],
          config.routeRotation ?? 0,
        ),
      };
    case 'floor-guard-module':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot(authOptions(config))],
        controllers: [GuardedOpenTodosController],
      };
    case 'floor-als':
      return { module: BenchModule, imports: [AlsModule], controllers: [OpenTodosController] };
    case 'mcp-noauth-als':
      return { module: BenchModule, imports: [AlsModule, mcpServer(false)], providers: [OpenTodoTools] };
    case 'mcp-tools-auth':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot(authOptions(config)), mcpServer()],
        providers: [TodoTools],
      };
    case 'mcp-auth-telemetry-off':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot({ ...authOptions(config), openTelemetry: false, audit: false })],
        controllers: [McpAuthTodosController],
      };
    case 'mcp-auth-context':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot({ ...authOptions(config), context: true })],
        controllers: [McpAuthContextTodosController],
        providers: [CallerService],
      };
    case 'mcp-tools-auth-context':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot({ ...authOptions(config), context: true }), mcpServer()],
        providers: [CallerService, ContextTodoTools],
      };
    case 'mcp-tools-pipeline':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot(authOptions(config)), mcpServer()],
        providers: [PipelineTodoTools],
      };
    case 'rest-pipeline':
      return {
        module: BenchModule,
        imports: [McpAuthModule.forRoot(authOptions(config))],
        controllers: [PipelineTodosController],
      };
  }
}
