import type { IncomingMessage } from 'node:http';
import { McpAuthError } from '../core/mcp-auth.error.js';

const SCHEME = /^\s*([^\s]+)/;

type RequestLike = IncomingMessage & { body?: unknown };

const malformed = (message: string) => new McpAuthError('ERR_INVALID_REQUEST', message);

/** `access_token` in the query string (checked on the raw URL: cheap, and independent of the query parser). */
function accessTokenInQuery(url: string | undefined): boolean {
  if (!url || !url.includes('access_token')) return false;
  const query = url.indexOf('?');
  return query >= 0 && new URLSearchParams(url.slice(query + 1)).has('access_token');
}

function accessTokenInForm(req: IncomingMessage, body: unknown): boolean {
  return (
    !!body &&
    typeof body === 'object' &&
    'access_token' in body &&
    /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')
  );
}

/** `b64token` characters (RFC 6750 §2.1): ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/". */
const B64TOKEN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/')
  B64TOKEN[c.charCodeAt(0)] = 1;
const SPACE = 32;
const EQUALS = 61;

/**
 * The token of an Authorization header of the form `Bearer 1*SP b64token *"=" *SP` (RFC 6750 §2.1; the scheme
 * compared without regard to ASCII case), else `undefined`. A scan, not a regular expression: nothing is allocated
 * but the token itself (this runs on every request).
 */
export function bearerTokenOf(header: string): string | undefined {
  const scheme = 'bearer';
  for (let i = 0; i < scheme.length; i++) {
    // `| 0x20` maps an ASCII capital to its small letter and leaves the small letter as it is.
    if ((header.charCodeAt(i) | 0x20) !== scheme.charCodeAt(i)) return undefined;
  }
  const n = header.length;
  let i = scheme.length;
  while (i < n && header.charCodeAt(i) === SPACE) i++;
  if (i === scheme.length) return undefined;
  const start = i;
  for (let c = header.charCodeAt(i); i < n && c < 128 && B64TOKEN[c] === 1; c = header.charCodeAt(++i));
  if (i === start) return undefined;
  while (i < n && header.charCodeAt(i) === EQUALS) i++;
  const end = i;
  while (i < n && header.charCodeAt(i) === SPACE) i++;
  return i === n ? header.slice(start, end) : undefined;
}

/** How many Authorization headers were sent: Node keeps only the first in `req.headers`. */
function authorizationHeaderCount(raw: readonly string[] | undefined): number {
  if (!raw) return 1; // a test double, not a node:http request: only req.headers is known
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization') count++;
  }
  return count;
}

/**
 * The bearer token of a Node request (the framework's parsed `body` beside it: Fastify keeps it off the Node
 * request), from the `Authorization` header only (RFC 6750 §2.1). Throws:
 * `ERR_MISSING_TOKEN` when no bearer credentials were sent (RFC 6750 §3.1); `ERR_INVALID_REQUEST` for several
 * Authorization headers, a malformed header, or a token also (or only) sent as an `access_token` parameter (query
 * string, or form-encoded body) — MCP forbids tokens in the query string, and RFC 6750 §2 allows one method per
 * request (`invalid_request`, RFC 6750 §3.1).
 */
export function extractBearerToken(req: RequestLike, body: unknown = req.body): string {
  if (accessTokenInQuery(req.url) || accessTokenInForm(req, body)) {
    throw malformed('Access tokens are accepted only in the Authorization header');
  }
  const header = req.headers.authorization;
  if (header === undefined) throw new McpAuthError('ERR_MISSING_TOKEN', 'A bearer token is required');
  if (authorizationHeaderCount(req.rawHeaders) > 1) {
    throw malformed('The request has more than one Authorization header');
  }
  const token = bearerTokenOf(header);
  if (token !== undefined) return token;
  const scheme = SCHEME.exec(header)?.[1];
  if (!scheme || scheme.toLowerCase() !== 'bearer') {
    // Credentials of another scheme are not bearer credentials: challenge for Bearer without an error
    // (RFC 6750 §3.1).
    throw new McpAuthError('ERR_MISSING_TOKEN', 'A bearer token is required');
  }
  throw malformed('The Authorization header is not of the form "Bearer <token>"');
}
