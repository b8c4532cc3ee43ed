import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import { McpAuthError } from '../core/mcp-auth.error.js';
import { ClaimMappingSettings } from '../options/claim-mapping.settings.js';
import type { ClaimMappingOptions } from '../options/mcp-auth-options.interface.js';
import { toOptions } from '../options/option-tree.js';

type Claims = Record<string, unknown>;

const invalid = (claim: string, expected: string) =>
  new McpAuthError('ERR_TOKEN_INVALID', `The "${claim}" claim must be ${expected}`);

function optionalString(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'a string');
  return value;
}

/** A claim as a list of strings: a space-separated string or an array of strings (`scope` must be a string). */
function stringList(claims: Claims, name: string, into: string[]): void {
  const value = claims[name];
  if (value === undefined) return;
  if (typeof value === 'string') {
    for (const part of value.split(' ')) if (part) into.push(part);
  } else if (name !== 'scope' && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    for (const v of value) if (v) into.push(v);
  } else {
    throw invalid(name, name === 'scope' ? 'a space-separated string' : 'a string or an array of strings');
  }
}

/** Below this many, duplicates are found by scanning (no Set to build: a token has a few scopes). */
const SCAN_LIMIT = 16;

/** `values` without repeats, first occurrences in order — `values` itself when it has none. */
function unique(values: string[]): string[] {
  if (values.length > SCAN_LIMIT) return [...new Set(values)];
  for (let i = 1; i < values.length; i++) {
    if (values.lastIndexOf(values[i], i - 1) >= 0) return values.filter((v, j) => values.indexOf(v) === j);
  }
  return values;
}

/**
 * Turns a provider's verified claims (JWT payload or introspection response) into `McpAuthInfo`: the provider
 * profile layer. Defaults cover RFC 9068 and the common providers — `clientId` from `client_id`, `azp`, `cid`
 * (Okta), `appid` (Entra ID v1); scopes from `scope` (string), `scp` (string or array: Entra ID, Okta) and `scopes`
 * (array). Roles or permissions claims can be granted as scopes (`scopesFromClaims`), and `map` overrides the
 * result. A claim of the wrong type rejects the token rather than being ignored.
 */
export class ClaimMapper {
  private readonly options: ClaimMappingSettings;
  private readonly clientIdClaims: readonly string[];
  private readonly scopeClaims: readonly string[];

  /** @param options the `claims` option; what it leaves out has its default. */
  constructor(options: ClaimMappingOptions = {}) {
    this.options = toOptions(ClaimMappingSettings, options);
    this.clientIdClaims = this.options.clientId;
    this.scopeClaims = [...this.options.scopes, ...this.options.scopesFromClaims];
  }

  /** Granted scopes, deduplicated (first occurrence kept, in claim order). */
  scopes(claims: Claims): string[] {
    const out: string[] = [];
    for (const name of this.scopeClaims) stringList(claims, name, out);
    return unique(out);
  }

  /** The values of `claim` (default `aud`) as an array, for the audience rule (RFC 9068 §4). */
  audience(claims: Claims, claim = 'aud'): string[] {
    const value = claims[claim];
    if (value === undefined) return [];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((a) => typeof a === 'string')) return value;
    throw invalid(claim, 'a string or an array of strings');
  }

  toAuthInfo(token: string, claims: Claims, resource: URL): McpAuthInfo {
    let clientId = '';
    for (const name of this.clientIdClaims) {
      const value = optionalString(claims, name);
      if (value !== undefined) {
        clientId = value;
        break;
      }
    }
    // The time claims were checked by the claim rules (claim-rules.ts) before mapping.
    const exp = claims.exp;
    const info: McpAuthInfo = {
      token,
      clientId,
      scopes: this.scopes(claims),
      expiresAt: exp as number | undefined,
      resource,
      issuer: optionalString(claims, 'iss') ?? '',
      subject: optionalString(claims, 'sub'),
      audience: this.audience(claims),
      claims,
    };
    return this.options.map ? { ...this.options.map(claims, info), token, resource } : info;
  }
}
