import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import type { AuthorizationServerSource } from '../discovery/authorization-server-source.js';
import { insertWellKnown } from '../discovery/well-known-url.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';

export type { ResolvedResource };
import { DEFAULT_ALGORITHMS, DEFAULTS, NEVER_ADVERTISED_SCOPES } from './defaults.js';
import type {
  AuthorizationServerInput,
  ClaimMappingOptions,
  IntrospectionOptions,
  McpAuthModuleOptions,
  ResourceOptions,
  TokenVerifyFunction,
} from './mcp-auth-options.interface.js';
import { McpAuthOptionsSchema } from './mcp-auth-options.schema.js';

/** `McpAuthModuleOptions` validated and normalised, with every default applied. */
export interface ResolvedMcpAuthOptions {
  readonly resources: readonly ResolvedResource[];
  /** Every distinct authorization server, keyed by issuer, in configuration order. */
  readonly servers: readonly AuthorizationServerSource[];
  readonly clockTolerance: number;
  readonly algorithms: readonly string[];
  readonly strictJwtType: boolean;
  readonly verify: 'jwt' | { introspection: IntrospectionOptions } | TokenVerifyFunction;
  readonly claims: ClaimMappingOptions;
  readonly discovery: 'eager' | 'lazy';
  readonly discoveryTimeout: number;
  readonly jwks: { readonly timeout: number; readonly cooldown: number; readonly cacheMaxAge: number };
  /** The verified-token cache, or `false`. */
  readonly tokenCache: false | { readonly maxEntries: number; readonly maxAge: number };
  readonly legacyAuthorizationServerMetadata: boolean;
  /** Whether `McpAuthContext` is on; `'auto'`: when the application injects it (decided at boot). */
  readonly context: boolean | 'auto';
  readonly stepUpScopes: 'accumulate' | 'required';
  /** Scope → every scope it implies, itself included (transitive closure of `scopeHierarchy`, R15). */
  readonly scopeHierarchy: ReadonlyMap<string, ReadonlySet<string>>;
  readonly retryAfter: number;
}

const toArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function toSource(input: AuthorizationServerInput, option: string): AuthorizationServerSource {
  if (typeof input === 'string') return { issuer: input, option };
  if (input && typeof input === 'object' && 'metadata' in input) {
    const metadata = input.metadata as AuthorizationServerMetadata;
    return { issuer: metadata?.issuer, type: input.type, metadata, option };
  }
  return { ...(input as object), option } as AuthorizationServerSource;
}

/**
 * Validates `McpAuthModuleOptions` and normalises them. Throws `McpAuthConfigError('ERR_INVALID_OPTIONS')` whose
 * message names every offending option and why.
 */
export function resolveOptions(options: McpAuthModuleOptions): ResolvedMcpAuthOptions {
  if (!options || typeof options !== 'object') {
    throw new McpAuthConfigError('ERR_INVALID_OPTIONS', 'McpAuthModule: options must be an object', {
      option: '(options)',
    });
  }
  const single = !Array.isArray(options.resource);
  const moduleServers = toArray(options.authorizationServers).map((s, i) =>
    toSource(
      s,
      Array.isArray(options.authorizationServers) ? `authorizationServers[${i}]` : 'authorizationServers',
    ),
  );
  const resources = toArray(options.resource).map((entry, i) => {
    const option = single ? 'resource' : `resource[${i}]`;
    const r: ResourceOptions = typeof entry === 'string' ? { resource: entry } : { ...entry };
    const own = r.authorizationServers;
    const servers =
      own === undefined
        ? moduleServers
        : toArray(own).map((s, j) =>
            toSource(
              s,
              Array.isArray(own) ? `${option}.authorizationServers[${j}]` : `${option}.authorizationServers`,
            ),
          );
    return {
      option,
      resource: r.resource,
      authorizationServers: servers,
      audience: r.audience !== undefined ? r.audience : options.audience,
      audienceClaim: r.audienceClaim ?? options.audienceClaim,
      scopesSupported: r.scopesSupported ?? options.scopesSupported,
      defaultScopes: r.defaultScopes ?? options.defaultScopes,
      resourceName: r.resourceName ?? options.resourceName,
      resourceDocumentation: r.resourceDocumentation ?? options.resourceDocumentation,
    };
  });

  const introspection =
    options.verify && typeof options.verify === 'object' ? options.verify.introspection : undefined;
  const schema = plainToInstance(McpAuthOptionsSchema, { ...options, resource: resources, introspection });
  const errors = validateSync(schema, { forbidUnknownValues: false });
  const problems: Array<{ path: string; reason: string }> = [];
  flatten(errors, '', problems);
  const named = problems.map(({ path, reason }) => ({ path: optionPath(path, resources, single), reason }));

  if (introspection?.issuer !== undefined) {
    for (const r of resources) {
      if (!r.authorizationServers.some((s) => s.issuer === introspection.issuer)) {
        named.push({
          path: 'verify.introspection.issuer',
          reason: `is not an authorization server of ${r.option}`,
        });
      }
    }
  }
  const seen = new Map<string, string>();
  for (const r of resources) {
    const prm =
      typeof r.resource === 'string' && named.length === 0
        ? insertWellKnown(r.resource, 'oauth-protected-resource')
        : '';
    if (seen.has(r.resource))
      named.push({ path: r.option, reason: `duplicates ${seen.get(r.resource)} (${r.resource})` });
    seen.set(r.resource, r.option);
    if (prm && seen.has(`prm:${prm}`)) {
      named.push({
        path: r.option,
        reason: `has the same metadata URL as ${seen.get(`prm:${prm}`)} (${prm})`,
      });
    }
    if (prm) seen.set(`prm:${prm}`, r.option);
  }
  if (named.length > 0) {
    const lines = named.map(({ path, reason }) => `  - ${path}: ${reason}`).join('\n');
    throw new McpAuthConfigError('ERR_INVALID_OPTIONS', `McpAuthModule: invalid options\n${lines}`, {
      option: named[0].path,
    });
  }

  const servers = new Map<string, AuthorizationServerSource>();
  for (const r of resources)
    for (const s of r.authorizationServers) if (!servers.has(s.issuer)) servers.set(s.issuer, s);

  return {
    resources: resources.map((r) => {
      const metadataUrl = insertWellKnown(r.resource, 'oauth-protected-resource');
      const audience =
        r.audience === false ? false : r.audience === undefined ? [r.resource] : toArray(r.audience);
      const scopes = r.scopesSupported?.filter((s) => !NEVER_ADVERTISED_SCOPES.has(s));
      return {
        id: r.resource,
        url: new URL(r.resource),
        path: new URL(r.resource).pathname.replace(/\/+$/, ''),
        metadataUrl,
        metadataPath: new URL(metadataUrl).pathname,
        issuers: [...new Set(r.authorizationServers.map((s) => s.issuer))],
        audience,
        audienceClaim: r.audienceClaim ?? 'aud',
        scopesSupported: scopes && scopes.length > 0 ? [...new Set(scopes)] : undefined,
        defaultScopes: [...new Set(r.defaultScopes ?? [])].filter((s) => !NEVER_ADVERTISED_SCOPES.has(s)),
        resourceName: r.resourceName || undefined,
        resourceDocumentation: r.resourceDocumentation || undefined,
      };
    }),
    servers: [...servers.values()],
    clockTolerance: options.clockTolerance ?? DEFAULTS.clockTolerance,
    algorithms: options.algorithms ? [...new Set(options.algorithms)] : DEFAULT_ALGORITHMS,
    strictJwtType: options.strictJwtType ?? false,
    verify: options.verify ?? 'jwt',
    claims: options.claims ?? {},
    discovery: options.discovery ?? DEFAULTS.discovery,
    discoveryTimeout: options.discoveryTimeout ?? DEFAULTS.discoveryTimeout,
    jwks: {
      timeout: options.jwks?.timeout ?? DEFAULTS.jwksTimeout,
      cooldown: options.jwks?.cooldown ?? DEFAULTS.jwksCooldown,
      cacheMaxAge: options.jwks?.cacheMaxAge ?? DEFAULTS.jwksCacheMaxAge,
    },
    tokenCache:
      options.tokenCache === false
        ? false
        : {
            maxEntries: options.tokenCache?.maxEntries ?? DEFAULTS.tokenCacheMaxEntries,
            maxAge: options.tokenCache?.maxAge ?? DEFAULTS.tokenCacheMaxAge,
          },
    legacyAuthorizationServerMetadata: options.legacyAuthorizationServerMetadata ?? false,
    context: options.context ?? 'auto',
    stepUpScopes: options.stepUpScopes ?? DEFAULTS.stepUpScopes,
    scopeHierarchy: closeHierarchy(options.scopeHierarchy ?? {}),
    retryAfter: options.retryAfter ?? DEFAULTS.retryAfter,
  };
}

/** Transitive closure: each scope maps to itself and everything it implies, directly or not. */
function closeHierarchy(hierarchy: Record<string, string[]>): Map<string, Set<string>> {
  const closed = new Map<string, Set<string>>();
  const visit = (scope: string, into: Set<string>) => {
    if (into.has(scope)) return;
    into.add(scope);
    for (const implied of hierarchy[scope] ?? []) visit(implied, into);
  };
  for (const scope of Object.keys(hierarchy)) {
    const set = new Set<string>();
    visit(scope, set);
    closed.set(scope, set);
  }
  return closed;
}

function flatten(
  errors: ValidationError[],
  prefix: string,
  out: Array<{ path: string; reason: string }>,
): void {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out.push({ path, reason: Object.values(e.constraints).join('; ') });
    if (e.children?.length) flatten(e.children, path, out);
  }
}

/** Turns a schema path (`resource.0.authorizationServers.1.issuer`) into the option the user wrote. */
function optionPath(
  path: string,
  resources: Array<{ option: string; authorizationServers: AuthorizationServerSource[] }>,
  single: boolean,
): string {
  if (path.startsWith('introspection')) return `verify.${path}`;
  const m = /^resource\.(\d+)(?:\.(.*))?$/.exec(path);
  if (!m) return path;
  const r = resources[Number(m[1])];
  const rest = m[2];
  if (!rest) return r.option;
  const s = /^authorizationServers\.(\d+)(?:\.(.*))?$/.exec(rest);
  if (s) {
    const source = r.authorizationServers[Number(s[1])];
    return s[2] ? `${source.option}.${s[2]}` : source.option;
  }
  if (rest === 'authorizationServers')
    return single ? 'authorizationServers' : `${r.option}.authorizationServers`;
  if (rest === 'resource') return r.option;
  return `${r.option}.${rest}`;
}
