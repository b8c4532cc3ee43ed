import { urlProblem } from '../core/url-rules.js';
import { invalidUse, type LocalIssuerAlgorithm } from './signing-keys.js';

const WELL_KNOWN_OIDC = '/.well-known/openid-configuration';
const WELL_KNOWN_OAUTH = '/.well-known/oauth-authorization-server';
/** The flow endpoints the issuer advertises (and answers `501`), below its path. */
const FLOW_ENDPOINTS = ['authorize', 'token', 'register'] as const;

/** What the issuer answers at a path: its discovery document, its JWKS, or `501` for a flow endpoint. */
export type Route = 'metadata' | 'jwks' | 'endpoint';

export type DiscoveryConvention = 'oidc' | 'oauth' | 'both';

/** Where the local issuer serves what, decided from its options before anything starts. */
export interface IssuerLayout {
  /** The issuer path verbatim (`''`, `'/'`, `'/tenant-a'`…). */
  readonly issuerPath: string;
  /** The issuer path without a trailing slash: the base of its endpoints. */
  readonly base: string;
  readonly jwksPath: string;
  readonly discovery: DiscoveryConvention;
  readonly algorithms: readonly LocalIssuerAlgorithm[];
  /** Pathname → what is served there. */
  readonly routes: ReadonlyMap<string, Route>;
}

/**
 * Validates the path, discovery and algorithm options and lays out the routes: the discovery document at the
 * OpenID append URL and/or the RFC 8414 insertion URL, the JWKS, and the flow endpoints.
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` naming the option.
 */
export function issuerLayout(options: {
  issuerPath?: string;
  jwksPath?: string;
  discovery?: DiscoveryConvention;
  algorithms?: LocalIssuerAlgorithm[];
}): IssuerLayout {
  const issuerPath = validatePath('issuerPath', options.issuerPath ?? '', 'identifier');
  const base = withoutTrailingSlash(issuerPath);
  const jwksPath = validatePath('jwksPath', options.jwksPath ?? `${base}/jwks`, 'endpoint');
  const discovery = options.discovery ?? 'both';
  if (!['oidc', 'oauth', 'both'].includes(discovery)) {
    throw invalidUse(
      'discovery',
      `discovery must be 'oidc', 'oauth' or 'both' (got ${JSON.stringify(discovery)}).`,
    );
  }
  const algorithms = options.algorithms ?? ['RS256'];
  if (algorithms.length === 0) throw invalidUse('algorithms', 'algorithms must name at least one algorithm.');

  const routes = new Map<string, Route>();
  if (discovery !== 'oauth') routes.set(`${base}${WELL_KNOWN_OIDC}`, 'metadata');
  if (discovery !== 'oidc') routes.set(`${WELL_KNOWN_OAUTH}${base}`, 'metadata');
  for (const endpoint of FLOW_ENDPOINTS) routes.set(`${base}/${endpoint}`, 'endpoint');
  routes.set(jwksPath, 'jwks');
  return { issuerPath, base, jwksPath, discovery, algorithms, routes };
}

/**
 * A path the issuer serves (routes match the path alone: no query, no whitespace) whose URL on the loopback origin
 * is a URL of `kind` by the module's rules (`core/url-rules.ts`): the issuer an identifier, the JWKS an endpoint.
 */
function validatePath(name: string, path: string, kind: 'identifier' | 'endpoint'): string {
  const allowEmpty = kind === 'identifier';
  if (
    typeof path !== 'string' ||
    (path === '' ? !allowEmpty : !path.startsWith('/')) ||
    /[?\s]/.test(path) ||
    urlProblem(`http://127.0.0.1${path}`, kind) !== undefined
  ) {
    throw invalidUse(
      name,
      `${name} must ${allowEmpty ? "be '' or " : ''}start with '/' and have no query, fragment or whitespace (got ${JSON.stringify(path)}).`,
    );
  }
  return path;
}

function withoutTrailingSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
