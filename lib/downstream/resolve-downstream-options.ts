import {
  DownstreamSettings,
  type DownstreamClientSettings,
  type DownstreamTargetSettings,
} from '../options/downstream.settings.js';
import { invalidOptions, keyPath, type OptionProblem } from '../options/option-tree.js';
import type { Resolved } from '../options/option-types.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';

/** `downstream.client` (or a target's `client`) as validated, with its option path (for messages). */
export type ResolvedDownstreamClient = Resolved<DownstreamClientSettings> & {
  /** The option path: `downstream.client`, or `downstream.targets.<name>.client`. */
  readonly option: string;
};

/** One `downstream.targets` entry as validated, normalised: lists, the `baseUrl` as a URL, its client. */
export type ResolvedDownstreamTarget = Omit<
  Resolved<DownstreamTargetSettings>,
  'resource' | 'audience' | 'baseUrl' | 'client'
> & {
  readonly name: string;
  /** The option path: `downstream.targets.<name>`. */
  readonly option: string;
  readonly resource: readonly string[];
  readonly audience: readonly string[];
  readonly baseUrl?: URL;
  /** Its own client, else `downstream.client`. */
  readonly client: ResolvedDownstreamClient;
};

/** `downstream` as `DownstreamTokens` reads it: the targets by name, and the module's `retryAfter`. */
export type ResolvedDownstreamOptions = Omit<Resolved<DownstreamSettings>, 'client' | 'targets'> & {
  readonly targets: ReadonlyMap<string, ResolvedDownstreamTarget>;
  /** Seconds a `provider_unavailable` error suggests waiting (the module's `retryAfter`). */
  readonly retryAfter: number;
};

const toArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Normalises the validated `downstream` option (validated with the module's other options, at their paths) for
 * `DownstreamTokens`: `resource` / `audience` as lists, `baseUrl` as a URL (default: the first http(s) `resource`),
 * each target's client (its own, else `downstream.client`). `issuers` are the module's authorization servers: a
 * client's `issuer` must be one of them unless it names its own `tokenEndpoint` and `authMethod`.
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` naming every client `issuer` that is not one of `issuers`.
 */
export function resolveDownstreamOptions(
  options: Pick<ResolvedMcpAuthOptions, 'downstream' | 'retryAfter'>,
  issuers: readonly string[],
): ResolvedDownstreamOptions {
  const { downstream, retryAfter } = options;
  if (downstream === undefined) {
    const { timeout, cache } = new DownstreamSettings();
    return { targets: new Map(), timeout, cache, retryAfter };
  }
  const { client, targets, ...rest } = downstream;
  const problems: OptionProblem[] = [];
  const shared = resolveClient(client, 'downstream.client', issuers, problems);
  const resolved = new Map<string, ResolvedDownstreamTarget>();
  for (const [name, target] of Object.entries(targets)) {
    const option = keyPath('downstream.targets', name);
    const own = target.client && resolveClient(target.client, `${option}.client`, issuers, problems);
    resolved.set(name, resolveTarget(name, option, target, own ?? shared));
  }
  if (problems.length > 0) throw invalidOptions(problems);
  return { ...rest, targets: resolved, retryAfter };
}

function resolveClient(
  client: Resolved<DownstreamClientSettings>,
  option: string,
  issuers: readonly string[],
  problems: OptionProblem[],
): ResolvedDownstreamClient {
  const standalone = client.tokenEndpoint !== undefined && client.authMethod !== undefined;
  if (client.issuer !== undefined && !standalone && !issuers.includes(client.issuer)) {
    problems.push({
      path: `${option}.issuer`,
      reason: `is not one of the module's authorizationServers (${issuers.join(', ')}); set tokenEndpoint and authMethod to use another server`,
    });
  }
  return { ...client, option };
}

function resolveTarget(
  name: string,
  option: string,
  target: Resolved<DownstreamTargetSettings>,
  client: ResolvedDownstreamClient,
): ResolvedDownstreamTarget {
  const resource = toArray(target.resource);
  const base = target.baseUrl ?? resource.find((r) => /^https?:/.test(r));
  return {
    ...target,
    name,
    option,
    resource,
    audience: toArray(target.audience),
    scopes: [...new Set(target.scopes)],
    baseUrl: base === undefined ? undefined : new URL(base),
    client,
  };
}
