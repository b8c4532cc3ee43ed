import type { McpAuthInfo } from '../context/mcp-auth-info.js';
import { McpAuthError } from '../errors/mcp-auth.error.js';

type Claims = Record<string, unknown>;

const invalid = (claim: string, expected: string) =>
  new McpAuthError('ERR_TOKEN_INVALID', `The "${claim}" claim must be ${expected}`);

function optionalString(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'a string');
  return value;
}

/**
 * Granted scopes, from `scope` (space-separated string, RFC 9068 / RFC 8693), `scp` (string or array: Entra ID,
 * Okta) or `scopes` (array). A claim of the wrong type rejects the token rather than being ignored.
 */
export function scopesFromClaims(claims: Claims): string[] {
  const out = new Set<string>();
  const add = (s: string) => {
    for (const part of s.split(' ')) if (part) out.add(part);
  };
  const { scope, scp, scopes } = claims;
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw invalid('scope', 'a space-separated string');
    add(scope);
  }
  for (const [name, value] of [
    ['scp', scp],
    ['scopes', scopes],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value === 'string') add(value);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) value.forEach(add);
    else throw invalid(name, 'a string or an array of strings');
  }
  return [...out];
}

/** `aud` as an array (it may be a string or an array of strings, RFC 7519 §4.1.3). */
export function audienceFromClaims(claims: Claims): string[] {
  const { aud } = claims;
  if (aud === undefined) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud;
  throw invalid('aud', 'a string or an array of strings');
}

/**
 * Maps verified claims to `McpAuthInfo`: `clientId` from `client_id` (RFC 9068), then `azp`, `cid` (Okta),
 * `appid` (Entra ID v1).
 */
export function claimsToAuthInfo(token: string, claims: Claims, resource: URL): McpAuthInfo {
  const clientId =
    optionalString(claims, 'client_id') ??
    optionalString(claims, 'azp') ??
    optionalString(claims, 'cid') ??
    optionalString(claims, 'appid') ??
    '';
  const exp = claims.exp;
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp)))
    throw invalid('exp', 'a number');
  return {
    token,
    clientId,
    scopes: scopesFromClaims(claims),
    expiresAt: exp as number | undefined,
    resource,
    issuer: optionalString(claims, 'iss') ?? '',
    subject: optionalString(claims, 'sub'),
    audience: audienceFromClaims(claims),
    claims,
  };
}
