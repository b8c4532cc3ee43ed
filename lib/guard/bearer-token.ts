import type { IncomingMessage } from 'node:http';
import { McpAuthError } from '../errors/mcp-auth.error.js';

/** RFC 6750 §2.1: `Bearer 1*SP b64token` (scheme case-insensitive). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME = /^\s*([^\s]+)/;

type RequestLike = IncomingMessage & { query?: unknown; body?: unknown };

const malformed = (message: string) => new McpAuthError('ERR_INVALID_REQUEST', message);

function hasAccessTokenParam(container: unknown): boolean {
  return !!container && typeof container === 'object' && 'access_token' in container;
}

/**
 * The bearer token of a request, from the `Authorization` header only (R23). Throws:
 * `ERR_MISSING_TOKEN` when no bearer credentials were sent (R7); `ERR_INVALID_REQUEST` for several
 * Authorization headers, a malformed header, or a token also (or only) sent as an `access_token` query or body
 * parameter (query string, or form-encoded body) — MCP forbids tokens in the query string, and RFC 6750 §2 allows one method per request (R10).
 */
export function extractBearerToken(req: RequestLike): string {
  const form = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
  if (hasAccessTokenParam(req.query) || (form && hasAccessTokenParam(req.body))) {
    throw malformed('Access tokens are accepted only in the Authorization header');
  }
  // Node keeps only the first Authorization header in req.headers: count the raw ones.
  const values =
    req.headersDistinct?.authorization ?? (req.headers.authorization ? [req.headers.authorization] : []);
  if (values.length === 0) {
    throw new McpAuthError('ERR_MISSING_TOKEN', 'A bearer token is required');
  }
  if (values.length > 1) throw malformed('The request has more than one Authorization header');
  const header = values[0];
  const match = BEARER.exec(header);
  if (match) return match[1];
  const scheme = SCHEME.exec(header)?.[1];
  if (!scheme || scheme.toLowerCase() !== 'bearer') {
    // Credentials of another scheme are not bearer credentials: challenge for Bearer without an error (R7).
    throw new McpAuthError('ERR_MISSING_TOKEN', 'A bearer token is required');
  }
  throw malformed('The Authorization header is not of the form "Bearer <token>"');
}
