import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import { NEVER_ADVERTISED_SCOPES } from '../core/scope-rules.js';
import type { AuthorizationServerSource } from '../discovery/authorization-server-source.js';
import { insertWellKnown } from '../discovery/well-known-url.js';
import type { McpAuthModuleOptions } from './mcp-auth-options.interface.js';
import { McpAuthSettings } from './mcp-auth.settings.js';
import { resourceEntries, type ResourceEntry } from './option-resources.js';
import { invalidOptions, toOptions, validateOptions, type OptionProblem } from './option-tree.js';
import type { Resolved } from './option-types.js';
import { ResourceDefaults } from './resource.settings.js';

export type { ResolvedResource };

/** `McpAuthModuleOptions` validated and normalised, with every default applied: what the module's classes read. */
export type ResolvedMcpAuthOptions = Resolved<
  Omit<McpAuthSettings, keyof ResourceDefaults | 'resource' | 'scopeHierarchy'>
> & {
  /** Every resource, with the module's per-resource options as its defaults. */
  readonly resources: readonly ResolvedResource[];
  /** Every distinct authorization server, keyed by issuer, in configuration order. */
  readonly servers: readonly AuthorizationServerSource[];
  /** Scope → every scope it implies, itself included (transitive closure of `scopeHierarchy`). */
  readonly scopeHierarchy: ReadonlyMap<string, ReadonlySet<string>>;
};

/**
 * Validates `McpAuthModuleOptions` and normalises them. Throws `McpAuthConfigError('ERR_INVALID_OPTIONS')` whose
 * message names every offending option, as the user wrote it, and why.
 */
export function resolveOptions(options: McpAuthModuleOptions): ResolvedMcpAuthOptions {
  if (!options || typeof options !== 'object') {
    throw new McpAuthConfigError('ERR_INVALID_OPTIONS', 'McpAuthModule: options must be an object', {
      option: '(options)',
    });
  }
  const settings = toOptions(McpAuthSettings, options);
  const problems = validateOptions(settings);
  const entries = problems.length === 0 ? resourceEntries(settings) : [];
  problems.push(...crossProblems(settings, entries));
  if (problems.length > 0) throw invalidOptions(problems);
  return normalize(settings, entries);
}

/** The rules between options: servers for every resource, the introspecting issuer, distinct resources. */
function crossProblems(settings: McpAuthSettings, entries: readonly ResourceEntry[]): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const single = !Array.isArray(settings.resource);
  const introspecting =
    typeof settings.verify === 'object' ? settings.verify.introspection?.issuer : undefined;
  const seen = new Map<string, string>();
  for (const { option, own, servers } of entries) {
    if (servers.length === 0) {
      const path = single ? 'authorizationServers' : `${option}.authorizationServers`;
      problems.push({ path, reason: 'must name at least one authorization server' });
    }
    if (introspecting !== undefined && !servers.some((s) => s.issuer === introspecting)) {
      problems.push({
        path: 'verify.introspection.issuer',
        reason: `is not an authorization server of ${option}`,
      });
    }
    const metadataUrl = `metadata URL ${insertWellKnown(own.resource, 'oauth-protected-resource')}`;
    for (const [key, what] of [
      [own.resource, 'duplicates'],
      [metadataUrl, 'has the same metadata URL as'],
    ] as const) {
      const first = seen.get(key);
      if (first !== undefined) problems.push({ path: option, reason: `${what} ${first} (${own.resource})` });
      seen.set(key, option);
    }
  }
  return problems;
}

/** The options that are per resource: they are read through `resources`. */
const PER_RESOURCE: ReadonlySet<string> = new Set(['resource', ...Object.keys(new ResourceDefaults())]);

function normalize(settings: McpAuthSettings, entries: readonly ResourceEntry[]): ResolvedMcpAuthOptions {
  const options = Object.fromEntries(Object.entries(settings).filter(([key]) => !PER_RESOURCE.has(key)));
  const servers = new Map<string, AuthorizationServerSource>();
  for (const entry of entries)
    for (const s of entry.servers) if (!servers.has(s.issuer)) servers.set(s.issuer, s);
  return {
    ...(options as Omit<ResolvedMcpAuthOptions, 'resources' | 'servers' | 'scopeHierarchy'>),
    algorithms: [...new Set(settings.algorithms)],
    resources: entries.map((entry) => resolveResource(entry, settings)),
    servers: [...servers.values()],
    scopeHierarchy: closeHierarchy(settings.scopeHierarchy),
  };
}

/** A resource's options, its own over the module's, normalised once for the guard and the metadata routes. */
function resolveResource({ own, servers }: ResourceEntry, module: ResourceDefaults): ResolvedResource {
  const option = <K extends keyof ResourceDefaults>(key: K): ResourceDefaults[K] =>
    own[key] !== undefined ? own[key] : module[key];
  const id = own.resource;
  const url = new URL(id);
  const metadataUrl = insertWellKnown(id, 'oauth-protected-resource');
  const audience = option('audience');
  const scopes = option('scopesSupported')?.filter((s) => !NEVER_ADVERTISED_SCOPES.has(s));
  return {
    id,
    url,
    path: url.pathname.replace(/\/+$/, ''),
    metadataUrl,
    metadataPath: new URL(metadataUrl).pathname,
    issuers: [...new Set(servers.map((s) => s.issuer))],
    audience: audience === false ? false : audience === undefined ? [id] : [audience].flat(),
    audienceClaim: option('audienceClaim') ?? 'aud',
    scopesSupported: scopes && scopes.length > 0 ? [...new Set(scopes)] : undefined,
    defaultScopes: [...new Set(option('defaultScopes') ?? [])].filter((s) => !NEVER_ADVERTISED_SCOPES.has(s)),
    resourceName: option('resourceName') || undefined,
    resourceDocumentation: option('resourceDocumentation') || undefined,
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
