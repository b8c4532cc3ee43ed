import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  UseGuards,
  type INestApplication,
  type DynamicModule,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthInfo,
  McpAuthConfigError,
  McpAuthContext,
  McpAuthGuard,
  McpAuthModule,
  Public,
  RequireScopes,
  type McpAuthInfo,
  type McpAuthModuleOptions,
} from '../../lib/index.js';
import { createApp, type AdapterName } from './adapters.js';

/**
 * A singleton service that reads the caller through McpAuthContext (no request scope). With the `context` option
 * off, it answers the code of the error reading the caller throws.
 */
@Injectable()
export class WhoAmIService {
  constructor(private readonly auth: McpAuthContext) {}
  whoami() {
    try {
      const current = this.auth.current;
      return current ? { subject: current.subject ?? null, clientId: current.clientId } : null;
    } catch (error) {
      if (error instanceof McpAuthConfigError) return { error: error.code, option: error.option };
      throw error;
    }
  }
}

@Controller('api')
@UseGuards(McpAuthGuard)
export class ProtectedController {
  constructor(private readonly who: WhoAmIService) {}

  @Get('me')
  me(@AuthInfo() auth: McpAuthInfo, @AuthInfo('subject') subject: string | undefined) {
    return {
      subject,
      clientId: auth.clientId,
      scopes: auth.scopes,
      issuer: auth.issuer,
      audience: auth.audience,
      resource: auth.resource?.href,
      expiresAt: auth.expiresAt,
      fromService: this.who.whoami(),
    };
  }

  @Get('todos')
  @RequireScopes('read:todos')
  todos(@AuthInfo('scopes') scopes: string[]) {
    return { scopes };
  }

  @Post('todos')
  @RequireScopes('read:todos', 'create:todos')
  create() {
    return { created: true };
  }

  /** A body the framework parsed, and the caller as a service sees it after the parse. */
  @Post('echo')
  echo(@Body() body: unknown, @AuthInfo('subject') subject: string | undefined) {
    return { body, subject, fromService: this.who.whoami() };
  }

  @Get('health')
  @Public()
  health() {
    return { ok: true, caller: this.who.whoami() };
  }
}

@Module({ controllers: [ProtectedController], providers: [WhoAmIService] })
export class ProtectedFeatureModule {}

/** Builds and starts (init) a Nest app with McpAuthModule and the protected controller, on `adapter`. */
export async function createProtectedApp(
  auth: McpAuthModuleOptions | DynamicModule,
  configure?: (app: INestApplication) => void,
  adapter: AdapterName = 'express',
): Promise<INestApplication> {
  const authModule = 'module' in auth ? auth : McpAuthModule.forRoot(auth);
  const moduleRef = await Test.createTestingModule({
    imports: [authModule, ProtectedFeatureModule],
  }).compile();
  return createApp(adapter, moduleRef, { configure });
}
