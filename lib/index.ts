// The public API of nest-mcp-auth. Nothing else is exported.
export { McpAuthModule } from './mcp-auth.module.js';
export type { McpAuthOptionsFactory } from './mcp-auth.module-definition.js';
export type {
  McpAuthModuleOptions,
  ResourceOptions,
  AuthorizationServerOptions,
  AuthorizationServerInput,
  ClaimMappingOptions,
  IntrospectionOptions,
  AuditOptions,
  RefusalLimitOptions,
  MetadataTranspiler,
  TokenVerifyFunction,
  TokenVerifyContext,
  DownstreamOptions,
  DownstreamClientOptions,
  DownstreamTargetOptions,
  DownstreamCacheOptions,
  DownstreamTokenStore,
} from './options/mcp-auth-options.interface.js';
export type { ResolvedMcpAuthOptions } from './options/resolve-options.js';
export type { ResolvedResource } from './core/resolved-resource.js';
export {
  MCP_AUTH_MODULE_OPTIONS,
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
} from './core/tokens.js';
export { DEFAULT_ALGORITHMS, JWS_ALGORITHMS, type JwsAlgorithm } from './core/algorithms.js';

export {
  fetchServerConfig,
  fetchServerConfigByWellKnownUrl,
  type FetchServerConfigOptions,
  type FetchServerConfigByWellKnownUrlOptions,
} from './discovery/fetch-server-config.js';
export { AuthorizationServerRegistry } from './discovery/authorization-server-registry.js';
export type {
  AuthorizationServerMetadata,
  AuthorizationServerType,
  AuthServerConfig,
} from './discovery/authorization-server-metadata.js';

export {
  buildProtectedResourceMetadata,
  type ProtectedResourceMetadata,
} from './protected-resource/protected-resource-metadata.js';

export type { TokenVerifier } from './core/token-verifier.js';

export { McpAuthGuard } from './guard/mcp-auth.guard.js';
export { McpAuthenticator } from './authentication/mcp-authenticator.js';
export { buildChallenge, type ChallengeParams } from './authentication/challenge.js';

export { RequireScopes } from './decorators/require-scopes.decorator.js';
export { Public } from './decorators/public.decorator.js';
export { ProtectedResource } from './decorators/protected-resource.decorator.js';
export { AuthInfo } from './decorators/auth-info.decorator.js';

export type { McpAuthInfo } from './core/mcp-auth-info.js';
export { McpAuthContext } from './context/mcp-auth-context.js';

export { McpAuthError, type McpAuthErrorCode, type OAuthErrorName } from './core/mcp-auth.error.js';
export {
  McpAuthConfigError,
  type McpAuthConfigErrorCode,
  type McpAuthConfigErrorDetails,
  type DiscoveryAttempt,
} from './core/mcp-auth-config.error.js';

export { DownstreamTokens } from './downstream/downstream-tokens.js';
export type { DownstreamToken } from './downstream/token-request.js';
export type { DownstreamCaller } from './downstream/downstream-caller.js';
export {
  DownstreamTokenError,
  type DownstreamTokenErrorCode,
  type DownstreamTokenErrorDetails,
} from './downstream/downstream-token.error.js';
export type { DownstreamGrant, ClientAuthMethod } from './core/oauth-grants.js';

export { McpAuthEvents } from './telemetry/mcp-auth-events.js';
export type {
  McpAuthEvent,
  McpAuthEventType,
  McpAuthEventOf,
  McpAuthCaller,
  McpAuthDecisionSite,
  McpAuthAcceptedEvent,
  McpAuthRefusedEvent,
  McpAuthRateLimitedEvent,
  McpAuthDiscoveryDoneEvent,
  McpAuthDiscoveryFailedEvent,
  McpAuthJwksFetchedEvent,
  McpAuthJwksRotatedEvent,
  McpAuthJwksFailedEvent,
  McpAuthIntrospectionEvent,
  McpAuthExchangeEvent,
  McpAuthProviderUnavailableEvent,
  McpAuthProviderRecoveredEvent,
  ProviderSource,
} from './telemetry/mcp-auth-event.js';
export { McpAuthHealthIndicator, type McpAuthHealthResult } from './telemetry/mcp-auth-health.indicator.js';
export type { ProviderStatus, SourceStatus } from './telemetry/provider-health.js';
export { mcpAuthTracker } from './telemetry/caller-tracker.js';

export { McpServerModule } from './mcp/mcp-server.module.js';
export type { McpServerOptionsFactory } from './mcp/mcp-server.module-definition.js';
export type {
  McpSdkChoice,
  McpSdkLine,
  McpSdkServer,
  McpServerModuleOptions,
  McpServerRoutes,
  McpVisibility,
} from './mcp/mcp-server-options.interface.js';
export { McpTool, type McpToolOptions } from './mcp/mcp-tool.decorator.js';
export { McpResource, type McpResourceOptions } from './mcp/mcp-resource.decorator.js';
export { McpPrompt, type McpPromptOptions } from './mcp/mcp-prompt.decorator.js';
export type { McpSchemaInput } from './mcp/mcp-schema-input.js';
export { McpArgs, McpExtra, McpUri, McpCall } from './mcp/mcp-params.decorators.js';
export { McpExecutionContext } from './mcp/mcp-execution-context.js';
export { McpErrorCode } from './mcp/mcp-answers.js';
export { mcpThrottlerSkip } from './mcp/mcp-throttling.js';
export type { McpHandlerKind, McpInvocation, McpRequestExtra } from './core/mcp-invocation.js';
