/**
 * `nest-mcp-auth doctor`: what an authorization server offers MCP clients and this module (RFC 8414, OpenID Connect
 * Discovery 1.0, MCP 2025-11-25 "Authorization"), as a list of checks. Pure logic — no printing; `cli.ts` renders
 * the report.
 */
import type { AuthorizationServerType } from '../discovery/authorization-server-metadata.js';
import { fetchMetadataDocument } from '../discovery/fetch-metadata-document.js';
import { DEFAULT_DISCOVERY_TIMEOUT, fetchServerConfig } from '../discovery/fetch-server-config.js';
import { evaluateMetadataRules, type MetadataRuleSeverity } from '../discovery/metadata-rules.js';
import { issuerDifference, validateServerMetadata } from '../discovery/validate-server-metadata.js';
import { McpAuthConfigError, type DiscoveryAttempt } from '../core/mcp-auth-config.error.js';
import { algorithmsForKey, DEFAULT_ALGORITHMS } from '../core/algorithms.js';
import { identifierProblem, urlProblem } from '../core/url-rules.js';
import { downstreamChecks } from './doctor-downstream.js';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The issuer identifier, exactly as the module will be configured with it. */
  issuer: string;
  /** The discovery convention (RFC 8414 or OpenID Connect Discovery); omitted: the MCP 2025-11-25 client order. */
  type?: AuthorizationServerType;
  /** The resource identifier of the MCP server (RFC 8707), to check it and explain what the provider must do. */
  resource?: string;
  /** Milliseconds each HTTP request may take. Default 5000. */
  timeout?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** `ok` ✓, `warn` ⚠ (MCP clients can still proceed), `fail` ✗ (something blocks MCP clients or this module). */
export type DoctorStatus = 'ok' | 'warn' | 'fail';

/** One line of the report. */
export interface DoctorCheck {
  status: DoctorStatus;
  /** What was checked, e.g. `PKCE S256`. */
  title: string;
  /** What was found. */
  detail?: string;
  /** What to do about it (or what to verify by hand). */
  hint?: string;
}

/** The result of {@link runDoctor}. */
export interface DoctorReport {
  checks: DoctorCheck[];
  /** True when no check failed: nothing blocks MCP clients. */
  ok: boolean;
}

/**
 * Why the options cannot be run at all (a usage error), or `undefined`: the issuer must be an identifier by the
 * rules of `core/url-rules.ts` — except that plain `http:` off loopback is reported as a failed check rather than
 * refused — `type` `'oidc'` or `'oauth'`, `timeout` a positive number.
 */
export function doctorUsageProblem(options: Partial<DoctorOptions>): string | undefined {
  const { issuer, type, timeout } = options;
  const problem = urlProblem(issuer, 'identifier');
  if (problem !== undefined && problem.rule !== 'plain-http') {
    return `issuer ${problem.reason}${problem.rule === 'string' ? '' : ` (got ${JSON.stringify(issuer)})`}`;
  }
  if (type !== undefined && type !== 'oidc' && type !== 'oauth') {
    return `type must be 'oidc' or 'oauth' (got ${JSON.stringify(type)})`;
  }
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    return `timeout must be a positive number of milliseconds (got ${String(timeout)})`;
  }
  return undefined;
}

/**
 * Checks an authorization server the way MCP clients and this module will use it: discovery (every URL tried, in the
 * order `discoveryUrls` gives), the issuer echo (RFC 8414 §3.3), the authorization code flow endpoints, PKCE S256,
 * how clients can register, the JWKS and its algorithms, introspection, `offline_access`, and RFC 8707 resource
 * indicators. Contacts only the issuer's discovery URLs and the `jwks_uri`; prints nothing; never throws for what it
 * finds.
 *
 * @throws McpAuthConfigError `ERR_INVALID_OPTIONS` when the options are unusable (see {@link doctorUsageProblem}).
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const problem = doctorUsageProblem(options);
  if (problem !== undefined) throw new McpAuthConfigError('ERR_INVALID_OPTIONS', problem);
  const { issuer, type, resource } = options;
  const http = {
    timeout: options.timeout ?? DEFAULT_DISCOVERY_TIMEOUT,
    fetch: options.fetch ?? globalThis.fetch,
  };
  const checks: DoctorCheck[] = [];

  const issuerProblem = identifierProblem(issuer);
  if (issuerProblem !== undefined) {
    checks.push({
      status: 'fail',
      title: 'Issuer',
      detail: `the module refuses this issuer (not probed): it ${issuerProblem}`,
      hint: 'MCP clients and this module need an https issuer (plain http only on loopback hosts).',
    });
  }

  const found = issuerProblem === undefined ? await discover(issuer, type, http, checks) : undefined;
  if (found !== undefined) {
    const { document, url } = found;
    checkValidity(document, url, checks);
    checkIssuerEcho(document, issuer, url, checks);
    checkMetadataRules(document, checks);
    await checkJwks(document, http, checks);
    checkIntrospection(document, checks);
    checks.push(...downstreamChecks(document));
    checkOfflineAccess(document, checks);
    checkResourceIndicators(document, resource, checks);
  }
  if (resource !== undefined) checkResource(resource, checks);
  return { checks, ok: checks.every((check) => check.status !== 'fail') };
}

interface Http {
  timeout: number;
  fetch: typeof fetch;
}

/**
 * Discovery as the module runs it (`fetchServerConfig`, whose attempts are the URLs tried in order), one check per
 * URL; the first JSON object answers (as clients do), valid or not — the checks below say what is wrong with it.
 */
async function discover(
  issuer: string,
  type: AuthorizationServerType | undefined,
  http: Http,
  checks: DoctorCheck[],
): Promise<{ document: Readonly<Record<string, unknown>>; url: string } | undefined> {
  const attempts: DiscoveryAttempt[] = [];
  try {
    await fetchServerConfig(issuer, {
      type,
      ...http,
      requireJwksUri: false,
      onAttempt: (a) => attempts.push(a),
    });
  } catch (error) {
    // Invalid metadata, another issuer's document, or nothing found: reported from the attempts and the checks.
    if (!(error instanceof McpAuthConfigError)) throw error;
  }
  const order =
    type === 'oauth'
      ? 'type oauth: RFC 8414 only'
      : type === 'oidc'
        ? 'type oidc: OpenID Connect append, then insertion'
        : 'no type: MCP 2025-11-25 client order';
  const found = attempts.find((attempt) => attempt.document !== undefined);
  for (const attempt of attempts) checks.push(attemptCheck(attempt, found !== undefined));
  if (found?.document === undefined) {
    checks.push({
      status: 'fail',
      title: 'Metadata document',
      detail: `none of the ${attempts.length} discovery URL(s) answered with metadata [${order}]`,
      hint:
        'Check the issuer (exactly as in the tokens\' "iss" claim), try --type oidc or --type oauth, or, if the ' +
        'provider publishes its metadata elsewhere, configure its wellKnownUrl in the module.',
    });
    return undefined;
  }
  const convention = found.type === 'oauth' ? 'RFC 8414 metadata' : 'OpenID Connect Discovery 1.0 metadata';
  checks.push({
    status: 'ok',
    title: 'Metadata document',
    detail: `${convention} at ${found.url} [${order}]`,
  });
  return { document: found.document, url: found.url };
}

/**
 * One URL tried. Before the URL that answered, a 4xx makes clients move on (✓); a 5xx, a timeout or a network
 * error may stop them (⚠). When no URL answered, every one failed (✗).
 */
function attemptCheck(attempt: DiscoveryAttempt, found: boolean): DoctorCheck {
  const title = `GET ${attempt.url}`;
  if (attempt.outcome === 'ok') return { status: 'ok', title, detail: 'answered a JSON document' };
  const detail =
    attempt.outcome === 'http-status' ? `HTTP ${attempt.status}` : (attempt.message ?? attempt.outcome);
  if (!found) return { status: 'fail', title, detail };
  const serverError = attempt.status === undefined || attempt.status >= 500;
  return serverError
    ? {
        status: 'warn',
        title,
        detail,
        hint:
          'Some MCP clients stop at the first discovery URL that fails with anything but a 4xx; make it answer 404, ' +
          'or configure the type that skips it.',
      }
    : { status: 'ok', title, detail };
}

function checkValidity(
  document: Readonly<Record<string, unknown>>,
  url: string,
  checks: DoctorCheck[],
): void {
  try {
    validateServerMetadata(document, { requireJwksUri: false, url });
    checks.push({ status: 'ok', title: 'Metadata fields', detail: 'well-formed (RFC 8414 §2)' });
  } catch (error) {
    if (!(error instanceof McpAuthConfigError)) throw error;
    checks.push({
      status: 'fail',
      title: 'Metadata fields',
      detail: error.message,
      hint: 'The module refuses this document; fix it at the provider, or correct it with the transpile option.',
    });
  }
}

function checkIssuerEcho(
  document: Readonly<Record<string, unknown>>,
  issuer: string,
  url: string,
  checks: DoctorCheck[],
): void {
  const title = 'Issuer echo (RFC 8414 §3.3)';
  const actual = document.issuer;
  if (typeof actual !== 'string') {
    checks.push({
      status: 'fail',
      title,
      detail: 'the document has no "issuer"',
      hint: 'Metadata without an issuer cannot be trusted (RFC 8414 §3.3); check the discovery URL.',
    });
    return;
  }
  if (actual !== issuer) {
    const difference = issuerDifference(actual, issuer);
    const how = difference ? `differs by ${difference}` : 'differs';
    const hint = /[{}]/.test(actual)
      ? 'This is a multi-tenant template issuer (Entra ID /common or /organizations): use the tenant-specific ' +
        'issuer, e.g. https://login.microsoftonline.com/<tenant-id>/v2.0.'
      : `Configure the issuer exactly as the provider writes it (and as tokens carry it in "iss"): ` +
        `${JSON.stringify(actual)}. MCP clients and this module refuse metadata whose issuer differs.`;
    checks.push({
      status: 'fail',
      title,
      detail: `the document at ${url} says ${JSON.stringify(actual)}, which ${how} from ${JSON.stringify(issuer)}`,
      hint,
    });
    return;
  }
  checks.push({ status: 'ok', title, detail: `the document's issuer is exactly ${JSON.stringify(issuer)}` });
}

/** How the doctor shows a broken rule of each severity. */
const RULE_STATUS: Record<MetadataRuleSeverity, DoctorStatus> = {
  error: 'fail',
  warning: 'warn',
  info: 'ok',
};

/**
 * The metadata rules the module logs at boot (`metadata-rules.ts`), with the same severities: one line per title —
 * each broken rule, else ✓ with what was found.
 */
function checkMetadataRules(document: Readonly<Record<string, unknown>>, checks: DoctorCheck[]): void {
  const findings = evaluateMetadataRules(document);
  for (const title of new Set(findings.map((finding) => finding.rule.title))) {
    const mine = findings.filter((finding) => finding.rule.title === title);
    const broken = mine.filter((finding) => !finding.passed);
    if (broken.length === 0) checks.push({ status: 'ok', title, detail: mine[0].detail });
    for (const { rule, detail } of broken) {
      checks.push({ status: RULE_STATUS[rule.severity], title, detail, hint: rule.fix });
    }
  }
}

/** A JWK as far as the doctor reads it (public members only; `k`, `d`… are never read nor printed). */
interface JwkLike {
  kty?: unknown;
  alg?: unknown;
  kid?: unknown;
  use?: unknown;
  crv?: unknown;
  key_ops?: unknown;
}

/** The JWS algorithms a key can verify: its `alg`, or what its type and curve allow (HMAC keys: none we accept). */
function keyAlgorithms(key: JwkLike): string[] {
  if (typeof key.alg === 'string') return [key.alg];
  return algorithmsForKey(key.kty, key.crv);
}

function isSigningKey(key: JwkLike): boolean {
  if (key.use !== undefined && key.use !== 'sig') return false;
  if (Array.isArray(key.key_ops) && !key.key_ops.includes('verify')) return false;
  return keyAlgorithms(key).length > 0;
}

function describeKey(key: JwkLike): string {
  const kty = typeof key.kty === 'string' ? key.kty : '?';
  const crv = typeof key.crv === 'string' ? ` ${key.crv}` : '';
  const alg = typeof key.alg === 'string' ? key.alg : 'no alg';
  const kid =
    typeof key.kid === 'string' ? (key.kid.length > 16 ? `${key.kid.slice(0, 15)}…` : key.kid) : undefined;
  return `${kty}${crv} ${alg}${kid === undefined ? ', no kid' : ` (kid ${kid})`}`;
}

async function checkJwks(
  document: Readonly<Record<string, unknown>>,
  http: Http,
  checks: DoctorCheck[],
): Promise<void> {
  const title = 'JWKS';
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string') {
    const introspection = typeof document.introspection_endpoint === 'string';
    checks.push({
      status: introspection ? 'warn' : 'fail',
      title,
      detail: 'no jwks_uri: JWT access tokens cannot be verified',
      hint: introspection
        ? "Verify opaque tokens with the module's verify: { introspection } option, or ask the provider for a JWKS."
        : 'Without jwks_uri nor introspection_endpoint this module cannot verify tokens from this provider.',
    });
    return;
  }
  let jwks: Record<string, unknown>;
  try {
    jwks = await fetchMetadataDocument(jwksUri, http);
  } catch (error) {
    if (!(error instanceof McpAuthConfigError)) throw error;
    checks.push({
      status: 'fail',
      title,
      detail: `unreachable: ${error.message}`,
      hint: 'The module fetches the keys from jwks_uri to verify every JWT: it must be reachable from this server.',
    });
    return;
  }
  const keys: JwkLike[] = Array.isArray(jwks.keys)
    ? jwks.keys.filter((k): k is JwkLike => typeof k === 'object' && k !== null)
    : [];
  const signing = keys.filter(isSigningKey);
  if (signing.length === 0) {
    checks.push({
      status: 'fail',
      title,
      detail: `${jwksUri} holds no signing keys (${keys.length} key(s) in "keys")`,
      hint: 'The provider must publish its token signing keys (use "sig") at jwks_uri.',
    });
    return;
  }
  checks.push({
    status: 'ok',
    title,
    detail: `${jwksUri}: ${signing.length} signing key(s): ${signing.map(describeKey).join('; ')}`,
  });
  checkSigningAlgorithms(signing, checks);
}

/** Which of the published signing keys the default algorithm allow-list accepts, and what else is published. */
function checkSigningAlgorithms(signing: readonly JwkLike[], checks: DoctorCheck[]): void {
  const accepted = [
    ...new Set(
      signing.flatMap(keyAlgorithms).filter((alg) => (DEFAULT_ALGORITHMS as readonly string[]).includes(alg)),
    ),
  ];
  const symmetric = signing.filter((key) => key.kty === 'oct');
  const withoutAlg = signing.filter((key) => typeof key.alg !== 'string' && key.kty !== 'oct');
  const algTitle = 'Token signing algorithms';
  if (accepted.length === 0) {
    const algs = [...new Set(signing.flatMap(keyAlgorithms))];
    checks.push({
      status: 'fail',
      title: algTitle,
      detail: `none of the keys' algorithms (${algs.join(', ')}) is in the default allow-list (${DEFAULT_ALGORITHMS.join(', ')})`,
      hint:
        symmetric.length > 0
          ? 'Symmetric (oct/HMAC) keys must never be published, and HS* tokens are refused (RFC 8725 §3.1): ' +
            'have the provider sign access tokens with an asymmetric key (RS256, ES256…).'
          : 'Have the provider sign access tokens with an asymmetric algorithm of the allow-list.',
    });
    return;
  }
  const problems: string[] = [];
  if (symmetric.length > 0) {
    problems.push(
      `${symmetric.length} symmetric (oct) key(s) are published: HS* tokens are refused (RFC 8725 §3.1)`,
    );
  }
  if (withoutAlg.length > 0) {
    problems.push(
      `${withoutAlg.length} key(s) have no "alg": the token header's alg decides, within the allow-list`,
    );
  }
  const detail = `accepted by the default allow-list: ${accepted.join(', ')}`;
  if (problems.length === 0) {
    checks.push({ status: 'ok', title: algTitle, detail });
  } else {
    checks.push({
      status: 'warn',
      title: algTitle,
      detail: `${detail}; ${problems.join('; ')}`,
      hint:
        symmetric.length > 0
          ? 'A public JWKS should never hold symmetric keys: remove them at the provider.'
          : "Pin the provider's algorithm with the module's algorithms option (e.g. ['RS256']).",
    });
  }
}

function checkIntrospection(document: Readonly<Record<string, unknown>>, checks: DoctorCheck[]): void {
  const title = 'Token introspection';
  if (typeof document.introspection_endpoint === 'string') {
    checks.push({
      status: 'ok',
      title,
      detail: `${document.introspection_endpoint}: opaque tokens can be verified (verify: { introspection })`,
    });
  } else {
    checks.push({
      status: 'warn',
      title,
      detail: 'no introspection_endpoint: opaque tokens cannot be verified; only JWT access tokens',
      hint: 'Make sure the provider issues JWT access tokens for this resource (RFC 9068).',
    });
  }
}

function checkOfflineAccess(document: Readonly<Record<string, unknown>>, checks: DoctorCheck[]): void {
  const scopes = document.scopes_supported;
  if (Array.isArray(scopes) && scopes.includes('offline_access')) {
    checks.push({
      status: 'warn',
      title: 'offline_access',
      detail:
        'scopes_supported lists offline_access: MCP SDK v2 clients will ask for it (with prompt=consent)',
      hint:
        'Allow MCP clients to request offline_access (refresh tokens), or expect a consent prompt and refusals ' +
        'where it is not allowed; this module never advertises it itself.',
    });
  }
}

/** Metadata members some providers use to mention resource indicators (none is standard). */
const RESOURCE_HINT = /resource/i;

function checkResourceIndicators(
  document: Readonly<Record<string, unknown>>,
  resource: string | undefined,
  checks: DoctorCheck[],
): void {
  const title = 'RFC 8707 resource indicators';
  const members = Object.keys(document).filter((key) => RESOURCE_HINT.test(key));
  const hint =
    'MCP clients send the "resource" parameter on every authorization and token request. The provider must ' +
    "accept it and put the resource (or an audience you configure with the module's audience option) in the " +
    'token\'s "aud"; check its documentation for resource indicators / API audiences.';
  const listed = document.protected_resources;
  if (resource !== undefined && Array.isArray(listed)) {
    const known = listed.includes(resource);
    checks.push({
      status: known ? 'ok' : 'warn',
      title,
      detail: known
        ? `protected_resources lists ${JSON.stringify(resource)}`
        : `protected_resources does not list ${JSON.stringify(resource)}`,
      hint: known ? undefined : 'Register this resource (API) at the provider.',
    });
    return;
  }
  checks.push({
    status: 'ok',
    title,
    detail:
      members.length > 0
        ? `the metadata mentions ${members.join(', ')}; support for the resource parameter cannot be confirmed from metadata`
        : 'support cannot be detected from metadata (RFC 8707 defines no metadata member)',
    hint,
  });
}

function checkResource(resource: string, checks: DoctorCheck[]): void {
  const title = 'Resource identifier';
  const problem = identifierProblem(resource);
  if (problem !== undefined) {
    checks.push({
      status: 'fail',
      title,
      detail: `${JSON.stringify(resource)} ${problem}`,
      hint:
        'The resource identifier is the MCP server URL clients connect to: https (plain http only on loopback), ' +
        'no fragment (RFC 8707 §2).',
    });
    return;
  }
  checks.push({
    status: 'ok',
    title,
    detail: `${JSON.stringify(resource)} is a valid RFC 8707 resource identifier`,
    hint: `The provider must issue tokens with "aud" containing ${JSON.stringify(resource)}, or set the module's audience option to the audience it uses.`,
  });
}
