import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { JWK } from 'jose';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { ClientAuthMethod, DownstreamGrant } from '../core/oauth-grants.js';
import {
  DownstreamCacheOptions,
  DownstreamClientOptions,
  DownstreamOptions,
  DownstreamTargetOptions,
  type DownstreamTokenStore,
} from '../options/downstream.settings.js';

/** `downstream.client` (or a target's `client`), validated. */
export interface ResolvedDownstreamClient {
  /** The option path, for messages (`downstream.client`). */
  readonly option: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly privateKey?: JWK | string;
  readonly privateKeyId?: string;
  readonly signingAlgorithm?: string;
  readonly authMethod?: ClientAuthMethod;
  readonly issuer?: string;
  readonly tokenEndpoint?: string;
}

/** One `downstream.targets` entry, validated, every default applied. */
export interface ResolvedDownstreamTarget {
  readonly name: string;
  readonly grant: DownstreamGrant;
  readonly resource: readonly string[];
  readonly audience: readonly string[];
  readonly scopes: readonly string[];
  readonly subjectTokenType: string;
  readonly requestedTokenType: string;
  readonly baseUrl?: URL;
  readonly client: ResolvedDownstreamClient;
}

/** `downstream`, validated, every default applied. */
export interface ResolvedDownstreamOptions {
  readonly targets: ReadonlyMap<string, ResolvedDownstreamTarget>;
  readonly timeout: number;
  readonly retryAfter: number;
  readonly cache:
    false | { readonly maxEntries: number; readonly margin: number; readonly store?: DownstreamTokenStore };
}

type Problem = { path: string; reason: string };
const toArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates `downstream` and applies its defaults (the option classes' initializers). `issuers` are the module's
 * authorization servers. Throws `McpAuthConfigError('ERR_INVALID_OPTIONS')` naming every offending option.
 */
export function resolveDownstreamOptions(
  options: DownstreamOptions | undefined,
  issuers: readonly string[],
): ResolvedDownstreamOptions {
  const problems: Problem[] = [];
  const top = check(
    DownstreamOptions,
    options ?? { client: undefined, targets: {} },
    'downstream',
    problems,
    {
      client: undefined,
      targets: undefined,
      cache: undefined,
    },
  );
  const targets = new Map<string, ResolvedDownstreamTarget>();
  if (options !== undefined) {
    const client = resolveClient(options.client, 'downstream.client', issuers, problems);
    if (!isObject(options.targets) || Object.keys(options.targets).length === 0) {
      problems.push({
        path: 'downstream.targets',
        reason: 'must name at least one target: { name: { resource, … } }',
      });
    } else {
      for (const [name, raw] of Object.entries(options.targets)) {
        const target = resolveTarget(name, raw, client, issuers, problems);
        if (target) targets.set(name, target);
      }
    }
  }
  const cache = resolveCache(options?.cache, problems);
  if (problems.length > 0) {
    const lines = problems.map(({ path, reason }) => `  - ${path}: ${reason}`).join('\n');
    throw new McpAuthConfigError('ERR_INVALID_OPTIONS', `McpAuthModule: invalid options\n${lines}`, {
      option: problems[0].path,
    });
  }
  return { targets, timeout: top.timeout!, retryAfter: top.retryAfter!, cache };
}

function resolveClient(
  raw: unknown,
  option: string,
  issuers: readonly string[],
  problems: Problem[],
): ResolvedDownstreamClient | undefined {
  if (!isObject(raw)) {
    problems.push({ path: option, reason: 'must be an object: { clientId, clientSecret | privateKey }' });
    return undefined;
  }
  const before = problems.length;
  const c = check(DownstreamClientOptions, raw, option, problems, { privateKey: raw.privateKey });
  if (c.clientSecret === undefined && c.privateKey === undefined) {
    problems.push({ path: option, reason: 'needs a clientSecret or a privateKey' });
  }
  if (c.authMethod === 'private_key_jwt' && c.privateKey === undefined) {
    problems.push({ path: `${option}.privateKey`, reason: 'is required by authMethod private_key_jwt' });
  }
  if ((c.authMethod === 'client_secret_basic' || c.authMethod === 'client_secret_post') && !c.clientSecret) {
    problems.push({ path: `${option}.clientSecret`, reason: `is required by authMethod ${c.authMethod}` });
  }
  const standalone = c.tokenEndpoint !== undefined && c.authMethod !== undefined;
  if (c.issuer !== undefined && !standalone && !issuers.includes(c.issuer)) {
    problems.push({
      path: `${option}.issuer`,
      reason: `is not one of the module's authorizationServers (${issuers.join(', ')}); set tokenEndpoint and authMethod to use another server`,
    });
  }
  if (problems.length > before) return undefined;
  return { ...c, option };
}

function resolveTarget(
  name: string,
  raw: unknown,
  fallback: ResolvedDownstreamClient | undefined,
  issuers: readonly string[],
  problems: Problem[],
): ResolvedDownstreamTarget | undefined {
  const option = `downstream.targets.${name}`;
  if (!isObject(raw)) {
    problems.push({ path: option, reason: 'must be an object: { grant, resource | audience | scopes }' });
    return undefined;
  }
  const before = problems.length;
  const t = check(DownstreamTargetOptions, raw, option, problems, { client: undefined });
  const resource = toArray(t.resource);
  const audience = toArray(t.audience);
  const scopes = [...new Set(t.scopes ?? [])];
  if (resource.length === 0 && audience.length === 0 && scopes.length === 0) {
    problems.push({ path: option, reason: 'must name what the token is for: resource, audience or scopes' });
  }
  const client =
    raw.client === undefined ? fallback : resolveClient(raw.client, `${option}.client`, issuers, problems);
  const base = t.baseUrl ?? resource.find((r) => /^https?:/.test(r));
  if (problems.length > before || client === undefined) return undefined;
  return {
    name,
    grant: t.grant!,
    resource,
    audience,
    scopes,
    subjectTokenType: t.subjectTokenType!,
    requestedTokenType: t.requestedTokenType!,
    baseUrl: base === undefined ? undefined : new URL(base),
    client,
  };
}

function resolveCache(raw: unknown, problems: Problem[]): ResolvedDownstreamOptions['cache'] {
  if (raw === false) return false;
  if (raw !== undefined && !isObject(raw)) {
    problems.push({ path: 'downstream.cache', reason: 'must be an object or false' });
    return false;
  }
  const c = check(DownstreamCacheOptions, raw ?? {}, 'downstream.cache', problems, { store: raw?.store });
  return { maxEntries: c.maxEntries!, margin: c.margin!, store: c.store };
}

/**
 * The option class instance for `raw` with the class's defaults, validated; problems are pushed with `option` as
 * prefix. `keep` replaces members that must not be copied (a store instance, nested objects validated apart).
 */
function check<T extends object>(
  type: ClassConstructor<T>,
  raw: object,
  option: string,
  problems: Problem[],
  keep: Partial<Record<keyof T, unknown>>,
): T {
  const plain = { ...raw, ...Object.fromEntries(Object.keys(keep).map((k) => [k, undefined])) };
  const instance = plainToInstance(type, plain, { exposeDefaultValues: true });
  Object.assign(instance, keep);
  flatten(validateSync(instance, { forbidUnknownValues: false }), option, problems);
  return instance;
}

function flatten(errors: ValidationError[], prefix: string, out: Problem[]): void {
  for (const e of errors) {
    const path = `${prefix}.${e.property}`;
    if (e.constraints) out.push({ path, reason: Object.values(e.constraints).join('; ') });
    if (e.children?.length) flatten(e.children, path, out);
  }
}
