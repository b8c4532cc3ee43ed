import {
  RequestMethod,
  VERSION_NEUTRAL,
  VersioningType,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { McpAuthenticator } from '../authentication/mcp-authenticator.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

/** A route a module declares on a controller without a path of its own (`@Controller()`, no `@Version`). */
export interface KnownRoute {
  readonly method: RequestMethod;
  readonly path: string;
}

/**
 * The patterns Nest serves such a route at, from the app's public configuration: the global prefix (unless the
 * route is excluded from it) and, under URI versioning, the `defaultVersion` prefixes. A `RouterModule` path of
 * the declaring module cannot be read through Nest's public API and is not included.
 */
export function servedPatterns(config: ApplicationConfig, route: KnownRoute): string[] {
  const path = `/${route.path.replace(/^\/+|\/+$/g, '')}`;
  const prefix = config.getGlobalPrefix().replace(/^\/+|\/+$/g, '');
  const excluded = (config.getGlobalPrefixOptions().exclude ?? []).some(
    (e) =>
      (e.requestMethod === route.method || e.requestMethod === RequestMethod.ALL) && e.pathRegex.test(path),
  );
  const base = prefix && !excluded ? `/${prefix}` : '';
  return versionPrefixes(config).map((version) => `${base}${version}${path}`.replace(/(.)\/$/, '$1'));
}

/** `''` for an unversioned route; `/v1`… for each default version under URI versioning. */
function versionPrefixes(config: ApplicationConfig): string[] {
  const versioning = config.getVersioning();
  if (versioning?.type !== VersioningType.URI || versioning.defaultVersion === undefined) return [''];
  const versionPrefix = versioning.prefix === false ? '' : (versioning.prefix ?? 'v');
  const versions = [versioning.defaultVersion].flat();
  return versions.map((v) => (v === VERSION_NEUTRAL ? '' : `/${versionPrefix}${String(v)}`));
}

/** Fails boot when one of a module's routes, known before any request, belongs to no protected resource. */
class RouteResourceCheck implements OnModuleInit {
  constructor(
    private readonly owner: string,
    private readonly routes: readonly KnownRoute[],
    private readonly config: ApplicationConfig,
    private readonly authenticator?: McpAuthenticator,
  ) {}

  onModuleInit(): void {
    if (!this.authenticator) return;
    for (const route of this.routes) {
      for (const pattern of servedPatterns(this.config, route)) {
        try {
          this.authenticator.resourceForRoute(pattern);
        } catch (error) {
          if (!(error instanceof McpAuthConfigError)) throw error;
          throw new McpAuthConfigError(
            error.code,
            `${this.owner} ${RequestMethod[route.method]} ${pattern}: ${error.message}`,
            { option: error.option, route: pattern },
          );
        }
      }
    }
  }
}

/**
 * A provider for a module that serves `routes` itself (the MCP endpoint): at boot, with several protected
 * resources, each route must belong to exactly one by its path (global prefix included), else boot fails with
 * `ERR_ROUTE_RESOURCE` — rather than every request to it being refused later. Without `McpAuthModule` it checks
 * nothing.
 */
export function routeResourceCheck(owner: string, routes: readonly KnownRoute[]): Provider {
  return {
    provide: Symbol(`${owner} routes' protected resources`),
    inject: [ApplicationConfig, { token: McpAuthenticator, optional: true }],
    useFactory: (config: ApplicationConfig, authenticator?: McpAuthenticator) =>
      new RouteResourceCheck(owner, routes, config, authenticator),
  };
}
