import { Logger, type Provider } from '@nestjs/common';
import { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { missingScopes } from '../authentication/scope-policy.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { MCP_ENDPOINT_AUTHENTICATOR, MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';

/** The authenticator of the MCP endpoints, `null` for an endpoint the app made public with `auth: false`. */
export type McpEndpointAuthenticator = McpAuthenticator | null;

/**
 * Fail-closed wiring: the MCP endpoints are protected by the `McpAuthModule` `McpServerModule` can see; if it sees
 * none, the boot fails (`ERR_MCP_UNPROTECTED`) unless the app said `auth: false` — then one log line says the
 * endpoints are public.
 */
export function endpointAuthenticator(
  visible: McpAuthenticator | undefined,
  options: Pick<McpServerModuleOptions, 'auth'>,
  logger: Pick<Logger, 'warn'> = new Logger('McpServerModule'),
): McpEndpointAuthenticator {
  if (options.auth === false) {
    logger.warn('auth: false: the MCP endpoints are public (no authentication, no scope checks)');
    return null;
  }
  if (options.auth !== undefined && options.auth !== true) {
    throw new McpAuthConfigError(
      'ERR_INVALID_OPTIONS',
      `McpServerModule auth must be true or false, got ${JSON.stringify(options.auth)}`,
      { option: 'auth' },
    );
  }
  if (visible) return visible;
  throw new McpAuthConfigError(
    'ERR_MCP_UNPROTECTED',
    'McpServerModule cannot see McpAuthModule, so its MCP endpoints would be served without authentication. ' +
      'Import McpAuthModule.forRoot()/forRootAsync() with isGlobal: true (the default); or make it visible to ' +
      'McpServerModule with McpServerModule.forRootAsync({ imports: [<a module that exports McpAuthModule>], ' +
      'useFactory }); or make the endpoints public explicitly with the McpServerModule option auth: false.',
    { option: 'auth' },
  );
}

/** The provider of `MCP_ENDPOINT_AUTHENTICATOR`: `endpointAuthenticator` over what the module's injector sees. */
export const endpointAuthenticatorProvider: Provider = {
  provide: MCP_ENDPOINT_AUTHENTICATOR,
  inject: [{ token: McpAuthenticator, optional: true }, MCP_SERVER_MODULE_OPTIONS],
  useFactory: (visible: McpAuthenticator | undefined, options: McpServerModuleOptions) =>
    endpointAuthenticator(visible, options),
};

/** What a handler that needs scopes looks like to the checks below. */
export interface ScopedHandler {
  readonly scopes: readonly string[];
  /** For messages: `TodoTools.create`. */
  readonly where: string;
  readonly name: string;
}

/**
 * On a public endpoint (`auth: false`) a handler with `@RequireScopes` could never be called — no caller has
 * scopes — so the boot fails naming it, rather than silently serving or silently refusing it.
 */
export function assertScopedHandlersProtected(
  handlers: readonly ScopedHandler[],
  authenticator: McpEndpointAuthenticator,
): void {
  if (authenticator) return;
  const scoped = handlers.filter((h) => h.scopes.length > 0);
  if (scoped.length === 0) return;
  const names = scoped.map((h) => `"${h.name}" (${h.where}: ${h.scopes.join(' ')})`).join(', ');
  throw new McpAuthConfigError(
    'ERR_INVALID_OPTIONS',
    `McpServerModule has auth: false, but @RequireScopes protects ${names}: on a public endpoint no caller has ` +
      'scopes. Protect the endpoint with McpAuthModule, or remove @RequireScopes from these handlers.',
    { option: 'auth' },
  );
}

/**
 * The scopes of `handler` the caller lacks — the defence in depth behind the HTTP-level check: a handler never runs
 * for a caller without its scopes, whatever the HTTP layer decided. Fails closed: no caller, or no authenticator,
 * lacks every scope.
 */
export function missingHandlerScopes(
  handler: Pick<ScopedHandler, 'scopes'>,
  auth: McpAuthInfo | undefined,
  authenticator: McpEndpointAuthenticator,
): readonly string[] {
  if (handler.scopes.length === 0) return [];
  if (!auth || !authenticator) return handler.scopes;
  return missingScopes(auth.scopes, handler.scopes, authenticator.options);
}
