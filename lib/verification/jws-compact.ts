import type { JWSHeaderParameters, JWTPayload } from 'jose';
import { McpAuthError } from '../core/mcp-auth.error.js';
import { canonicalBytes, utf8Text } from '../core/strict-encoding.js';
import { tailIndex } from '../core/tail-index.js';

/** A JWT in JWS compact serialization (RFC 7515 §7.1), decoded — nothing of it verified yet. */
export interface JwsCompact {
  readonly header: JWSHeaderParameters;
  readonly payload: JWTPayload;
  /** The three segments as sent: protected header, payload, signature (base64url). */
  readonly segments: readonly [string, string, string];
  /** `ASCII(BASE64URL(header) || '.' || BASE64URL(payload))`: the bytes the signature covers (RFC 7515 §5.2). */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

const notJws = () =>
  new McpAuthError('ERR_TOKEN_MALFORMED', 'The token is not a signed JWT (JWS compact serialization)');
const notJwt = () => new McpAuthError('ERR_TOKEN_MALFORMED', 'The token is not a well-formed JWT');

/** A segment's bytes when it is canonical, unpadded base64url (RFC 7515 §2) and not empty, else `undefined`. */
function canonicalBase64url(segment: string): Buffer | undefined {
  const bytes = canonicalBytes(segment, 'base64url');
  return bytes && bytes.length > 0 ? bytes : undefined;
}

/**
 * A segment's bytes as a JSON object, or `undefined`: they must be UTF-8 (RFC 7515 §4, RFC 7519 §7.2) — a lenient
 * decoder would turn malformed bytes into U+FFFD and accept them.
 */
function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  const text = utf8Text(bytes);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Protected headers decoded before, by their segment: an issuer signs token after token with the same header
 * (`alg`, `kid`, `typ`), so each new token's header is found here instead of being decoded and parsed again.
 * Direct-mapped by the segment's length and last characters; a hit needs the very same segment, compared in full,
 * and returns what decoding it gave (frozen: shared by every token that sends it). At most {@link HEADER_SLOTS}
 * headers of at most {@link HEADER_MAX_LENGTH} characters are held.
 */
const HEADER_SLOTS = 16;
const HEADER_MAX_LENGTH = 1024;
const headerSegments = new Array<string | undefined>(HEADER_SLOTS).fill(undefined);
const headers = new Array<JWSHeaderParameters | undefined>(HEADER_SLOTS).fill(undefined);

/** The header decoded before from this very segment, or `undefined`. */
function knownHeader(segment: string): JWSHeaderParameters | undefined {
  const slot = tailIndex(segment, HEADER_SLOTS);
  return headerSegments[slot] === segment ? headers[slot] : undefined;
}

function rememberHeader(segment: string, header: JWSHeaderParameters): void {
  if (segment.length > HEADER_MAX_LENGTH) return;
  const slot = tailIndex(segment, HEADER_SLOTS);
  headerSegments[slot] = segment;
  headers[slot] = header;
}

/**
 * Decodes a JWT in JWS compact serialization (RFC 7515 §7.1): exactly three segments, each in canonical unpadded
 * base64url (RFC 7515 §2), the header and the payload JSON objects in UTF-8 (RFC 7519 §7.2). Throws
 * `ERR_TOKEN_MALFORMED` otherwise. One pass of decoding does it all: a segment is canonical when its bytes encode
 * back to it, so no separate syntax scan of the token is needed, and the signing input is the token's own prefix.
 */
export function decodeJwsCompact(token: string): JwsCompact {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) throw notJws();
  const segments = [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)] as const;
  const known = knownHeader(segments[0]);
  const headerBytes = known ? undefined : canonicalBase64url(segments[0]);
  const payloadBytes = canonicalBase64url(segments[1]);
  const signature = canonicalBase64url(segments[2]);
  if ((!known && !headerBytes) || !payloadBytes || !signature) throw notJws();
  const header = known ?? (jsonObject(headerBytes!) as JWSHeaderParameters | undefined);
  const payload = jsonObject(payloadBytes) as JWTPayload | undefined;
  if (!header || !payload) throw notJwt();
  if (!known) rememberHeader(segments[0], Object.freeze(header));
  // Every character before the second '.' is base64url or '.' (checked above): ASCII, so latin1 is its encoding.
  const signingInput = Buffer.from(token.slice(0, second), 'latin1');
  return { header, payload, segments, signingInput, signature };
}
