import type { ResolvedResource } from '../core/resolved-resource.js';

/** Characters with a meaning in Express (path-to-regexp) and Fastify route patterns: a segment holding one is not literal. */
const PATTERN_SYNTAX = /[:*?+()[\]{}!\\]/;

/**
 * The segments of a route pattern that are literal, from its start up to the first parameter, wildcard or
 * optional part, compared case-insensitively and percent-decoded (as the router compares request paths with
 * them). Empty segments (leading, doubled and trailing slashes) do not count. `/v1/admin/:id` → `['v1',
 * 'admin']`; `/admin{/:x}` → `['admin']`; `/admin{s}` → `[]`.
 */
export function literalSegments(pattern: string): string[] {
  const at = pattern.search(PATTERN_SYNTAX);
  let literal = at === -1 ? pattern : pattern.slice(0, at);
  // The piece cut by the syntax is a whole segment only when the syntax starts a new one (`/admin{/:x}`).
  if (at !== -1 && !pattern.startsWith('{/', at)) literal = literal.slice(0, literal.lastIndexOf('/') + 1);
  return literal.split('/').filter(Boolean).map(normalizeSegment);
}

/** The segments of a resource identifier's path (`https://h/v1/admin` → `['v1', 'admin']`; an origin → `[]`). */
export function resourceSegments(resource: ResolvedResource): string[] {
  return resource.path.split('/').filter(Boolean).map(normalizeSegment);
}

/** What a route pattern resolves to among several resources: one resource, or why none. */
export type RouteResourceMatch =
  | { readonly resource: ResolvedResource }
  | { readonly resource?: undefined; readonly problem: 'none' | 'ambiguous' };

/**
 * The resource whose path is the longest segment-prefix of the route pattern's literal segments: `/admin` owns
 * `/admin` and `/admin/x`, not `/administrator`; an origin-only resource owns every route. No such resource, or
 * two at the same (longest) length (the same path on two origins, or paths differing only in letter case), is
 * not a match: the caller must not guess.
 */
export function matchRouteResource(
  resources: ReadonlyArray<{ readonly resource: ResolvedResource; readonly segments: readonly string[] }>,
  pattern: string,
): RouteResourceMatch {
  const route = literalSegments(pattern);
  let best: ResolvedResource | undefined;
  let bestLength = -1;
  let tie = false;
  for (const { resource, segments } of resources) {
    if (segments.length > route.length || !segments.every((s, i) => s === route[i])) continue;
    if (segments.length > bestLength) [best, bestLength, tie] = [resource, segments.length, false];
    else if (segments.length === bestLength) tie = true;
  }
  if (!best) return { problem: 'none' };
  return tie ? { problem: 'ambiguous' } : { resource: best };
}

function normalizeSegment(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // not percent-encoded text: compared as written
  }
  return decoded.toLowerCase();
}
