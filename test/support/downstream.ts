import {
  Controller,
  Get,
  Module,
  Query,
  Req,
  UseGuards,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  DownstreamTokens,
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
  McpAuthGuard,
  McpAuthModule,
  type DownstreamOptions,
  type McpAuthInfo,
  type McpAuthModuleOptions,
  type ResolvedMcpAuthOptions,
  type TokenVerifier,
} from '../../lib/index.js';
import { ARCHIVE_SCOPES } from '../../sample/archive/archive.config.js';
import { TODO_SCOPES } from '../../sample/app.module.js';
import { freePort } from './free-port.js';
import { JWT_BEARER, startTestProvider, TOKEN_EXCHANGE, type TestProvider } from './oidc-provider.js';
import { userToken } from './user-token.js';

const GRANTS = [TOKEN_EXCHANGE, JWT_BEARER, 'client_credentials'];

/** The development provider set up for downstream calls: an MCP resource, the archive, and the server's clients. */
export interface ExchangeProvider {
  provider: TestProvider;
  port: number;
  /** The MCP server's resource (http://127.0.0.1:PORT/mcp) and the archive's (…/archive, same origin). */
  mcp: string;
  archive: string;
  /** The archive with 3-second tokens (expiry tests). */
  shortLived: string;
  /** `client_secret_basic` client allowed to exchange tokens of the MCP resource. */
  basic: { clientId: string; clientSecret: string };
  /** The same, registered for `client_secret_post`. */
  post: { clientId: string; clientSecret: string };
  /** A `private_key_jwt` client: its private JWK. */
  jwt: { clientId: string; privateKey: JWK };
  /** A client that may exchange tokens only for another audience (`unauthorized_client`). */
  other: { clientId: string; clientSecret: string };
  /** Every secret, to check that none is logged. */
  secrets: string[];
  /** A user's access token for the MCP resource (the real authorization code flow). */
  userToken(accountId: string, scope?: string): Promise<string>;
}

/**
 * Starts the development provider with token exchange, the on-behalf-of variant and client credentials for the
 * MCP server's clients; `mallory`'s tokens cannot be exchanged (`invalid_grant`).
 */
export async function startExchangeProvider(): Promise<ExchangeProvider> {
  const port = await freePort();
  const mcp = `http://127.0.0.1:${port}/mcp`;
  const archive = `http://127.0.0.1:${port}/archive`;
  const shortLived = `http://127.0.0.1:${port}/archive-short`;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'todo-mcp-jwt-1';
  const basic = { clientId: 'todo-mcp', clientSecret: 'basic-secret-0123456789abcdef' };
  const post = { clientId: 'todo-mcp-post', clientSecret: 'post-secret-0123456789abcdef' };
  const other = { clientId: 'other-api', clientSecret: 'other-secret-0123456789abcdef' };
  const jwt = {
    clientId: 'todo-mcp-jwt',
    privateKey: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
  };
  const provider = await startTestProvider({
    resources: {
      [mcp]: { scopes: TODO_SCOPES },
      [archive]: { scopes: ARCHIVE_SCOPES },
      [shortLived]: { scopes: ARCHIVE_SCOPES, accessTokenTTL: 3 },
    },
    clients: [
      { ...basic, grantTypes: GRANTS, exchangeAudiences: [mcp] },
      {
        ...post,
        tokenEndpointAuthMethod: 'client_secret_post',
        grantTypes: GRANTS,
        exchangeAudiences: [mcp],
      },
      {
        clientId: jwt.clientId,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
        grantTypes: GRANTS,
        exchangeAudiences: [mcp],
      },
      { ...other, grantTypes: [TOKEN_EXCHANGE], exchangeAudiences: ['http://127.0.0.1:1/other'] },
    ],
    tokenExchange: { deniedAccounts: ['mallory'] },
  });
  return {
    provider,
    port,
    mcp,
    archive,
    shortLived,
    basic,
    post,
    jwt,
    other,
    secrets: [basic.clientSecret, post.clientSecret, other.clientSecret, jwt.privateKey.d!],
    userToken: (accountId, scope = 'read:todos') => userToken(provider, { accountId, resource: mcp, scope }),
  };
}

/** A REST route that calls a downstream target for the caller: its failures must be 4xx/5xx of the error, never 500. */
@Controller('relay')
@UseGuards(McpAuthGuard)
export class RelayController {
  constructor(private readonly downstream: DownstreamTokens) {}

  @Get()
  async relay(@Query('target') target: string, @Req() req: { auth?: McpAuthInfo }) {
    const token = await this.downstream.getToken(target, req);
    return { scopes: token.scopes, expiresAt: token.expiresAt };
  }
}

@Module({ controllers: [RelayController] })
export class RelayModule {}

/** McpAuthModule options for the MCP resource of `setup` (without `downstream`). */
export function downstreamAuthOptions(setup: ExchangeProvider): McpAuthModuleOptions {
  return { resource: setup.mcp, authorizationServers: [{ issuer: setup.provider.issuer, type: 'oidc' }] };
}

/** An app with McpAuthModule for the MCP resource and `downstream`, plus the relay route, started with `init()`. */
export interface DownstreamApp {
  app: INestApplication;
  tokens: DownstreamTokens;
  /** The caller's auth info, as the guard would publish it (the app's own verifier). */
  verify(token: string): Promise<McpAuthInfo>;
  close(): Promise<void>;
}

export async function startDownstreamApp(
  setup: ExchangeProvider,
  downstream: DownstreamOptions | undefined,
  options: {
    logger?: LoggerService;
    /** Modules imported beside (e.g. a global CacheModule). */
    imports?: DynamicModule[];
    /** Replaces `McpAuthModule.forRoot(…)` (e.g. `forRootAsync` injecting `CACHE_MANAGER`). */
    authModule?: DynamicModule;
    auth?: Partial<McpAuthModuleOptions>;
  } = {},
): Promise<DownstreamApp> {
  const auth =
    options.authModule ??
    McpAuthModule.forRoot({ ...downstreamAuthOptions(setup), ...options.auth, downstream });
  const moduleRef = await Test.createTestingModule({
    imports: [...(options.imports ?? []), auth, RelayModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: options.logger ?? false });
  if (options.logger) app.useLogger(options.logger);
  await app.init();
  const verifier = app.get<TokenVerifier>(MCP_AUTH_TOKEN_VERIFIER);
  const resolved = app.get<ResolvedMcpAuthOptions>(MCP_AUTH_RESOLVED_OPTIONS);
  return {
    app,
    tokens: app.get(DownstreamTokens),
    verify: async (token) => verifier.verify(token, resolved.resources[0]),
    close: () => app.close(),
  };
}

/** Every line an app logs, at every level. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private push = (...args: unknown[]) =>
    void this.lines.push(
      args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '),
    );
  log = this.push;
  error = this.push;
  warn = this.push;
  debug = this.push;
  verbose = this.push;
  fatal = this.push;
}
