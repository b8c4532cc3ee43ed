import { Reflector } from '@nestjs/core';

const RequireScopesMetadata = Reflector.createDecorator<string[]>();

/**
 * Scopes a route (method) or every route of a class needs; class and method lists are merged, all are required.
 * A token without them gets 403 `insufficient_scope` naming the scopes (RFC 6750 §3.1). On an `@McpTool`,
 * `@McpResource` or `@McpPrompt` the MCP endpoint answers that 403 before the handler is invoked (MCP authorization,
 * scope challenge handling), and the handler checks again when it runs.
 */
export function RequireScopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new TypeError(`@RequireScopes(): ${JSON.stringify(scope)} is not a valid OAuth scope token`);
    }
  }
  return RequireScopesMetadata(scopes);
}
RequireScopes.KEY = RequireScopesMetadata;
