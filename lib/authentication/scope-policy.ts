import { NEVER_ADVERTISED_SCOPES } from '../core/scope-rules.js';
import type { ResolvedResource } from '../core/resolved-resource.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';

/** OpenID Connect scopes: about the user, not about a resource; never named in a step-up challenge. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

/** The granted scopes, extended with every scope they imply through `scopeHierarchy` (MCP 2026-07-28). */
export function effectiveScopes(
  granted: readonly string[],
  options: ResolvedMcpAuthOptions,
): ReadonlySet<string> {
  if (options.scopeHierarchy.size === 0) return new Set(granted);
  const out = new Set<string>();
  for (const scope of granted) {
    const implied = options.scopeHierarchy.get(scope);
    if (implied) for (const s of implied) out.add(s);
    else out.add(scope);
  }
  return out;
}

const NONE: readonly string[] = Object.freeze([]);

/** The required scopes the token does not hold (after the hierarchy). */
export function missingScopes(
  granted: readonly string[],
  required: readonly string[],
  options: ResolvedMcpAuthOptions,
): readonly string[] {
  if (required.length === 0) return NONE;
  if (options.scopeHierarchy.size === 0) {
    // The usual case, on every request: no array (nor closure) unless a scope is missing.
    for (let i = 0; i < required.length; i++) {
      if (!granted.includes(required[i])) return required.filter((s) => !granted.includes(s));
    }
    return NONE;
  }
  const effective = effectiveScopes(granted, options);
  return required.filter((s) => !effective.has(s));
}

/**
 * What a 403 `insufficient_scope` challenge names in `scope` (MCP 2025-11-25 "Scope Challenge Handling"): with
 * `'accumulate'`, the scopes the token already holds that this resource knows (its `scopesSupported`; without that
 * list, any non-OpenID scope) followed by the required ones, so clients that ask for exactly the challenged scopes
 * keep what they had; with
 * `'required'`, only the required ones. `offline_access` is never named.
 */
export function stepUpScopes(
  granted: readonly string[],
  required: readonly string[],
  resource: ResolvedResource,
  options: ResolvedMcpAuthOptions,
): string[] {
  const out = new Set<string>();
  if (options.stepUpScopes === 'accumulate') {
    const known = resource.scopesSupported;
    for (const s of granted) if (known ? known.includes(s) : !OIDC_SCOPES.has(s)) out.add(s);
  }
  for (const s of required) out.add(s);
  for (const s of NEVER_ADVERTISED_SCOPES) out.delete(s);
  return [...out];
}
