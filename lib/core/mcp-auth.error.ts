/**
 * Stable codes of request-time authentication and authorization failures. Each maps to one HTTP status and one
 * RFC 6750 challenge (see `guard/error-response.ts`).
 */
export type McpAuthErrorCode =
  /** No credentials were sent: 401 with a challenge carrying no `error` (RFC 6750 §3.1). */
  | 'ERR_MISSING_TOKEN'
  /** Malformed request: several Authorization headers, token in several places, bad syntax (400, RFC 6750 §2). */
  | 'ERR_INVALID_REQUEST'
  /** The token is not a well-formed JWS-compact JWT (401 invalid_token). */
  | 'ERR_TOKEN_MALFORMED'
  /** Signature invalid, algorithm not allowed, or no key of the issuer matches (401 invalid_token, RFC 8725). */
  | 'ERR_TOKEN_SIGNATURE'
  /** `exp` is missing (JWTs, RFC 9068 §2.2) or `now ≥ exp + clockTolerance` (RFC 7519 §4.1.4; 401 invalid_token). */
  | 'ERR_TOKEN_EXPIRED'
  /** `nbf` or `iat` lies in the future beyond the clock tolerance (RFC 7519 §4.1.5, §4.1.6; 401 invalid_token). */
  | 'ERR_TOKEN_NOT_YET_VALID'
  /** `iss` is not one of the resource's authorization servers (401 invalid_token, RFC 9068 §4). */
  | 'ERR_TOKEN_ISSUER'
  /** `aud` does not name this resource (401 invalid_token, RFC 9068 §4, RFC 8707). */
  | 'ERR_TOKEN_AUDIENCE'
  /** `typ` is not `at+jwt` while `strictJwtType` is on (401 invalid_token, RFC 9068 §4). */
  | 'ERR_TOKEN_TYPE'
  /**
   * Any other reason the token is not acceptable: bad claim types (a time claim that is not a finite NumericDate
   * included), rejected by a custom verifier (401 invalid_token).
   */
  | 'ERR_TOKEN_INVALID'
  /** The token lacks a required scope (403 insufficient_scope, RFC 6750 §3.1). */
  | 'ERR_INSUFFICIENT_SCOPE'
  /**
   * The provider (JWKS, discovery, introspection) is unreachable, answers a redirect (never followed) or garbage:
   * not the client's fault (503 + Retry-After).
   */
  | 'ERR_PROVIDER_UNAVAILABLE'
  /**
   * The client's address sent too many refused tokens within the `refusalLimit` window (RFC 6585 §4: 429 +
   * Retry-After); its requests are refused before any verification until the window ends.
   */
  | 'ERR_RATE_LIMITED';

/** The OAuth error each code is reported as (`undefined`: no `error` attribute). */
export type OAuthErrorName =
  'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

const STATUS: Record<McpAuthErrorCode, number> = {
  ERR_MISSING_TOKEN: 401,
  ERR_INVALID_REQUEST: 400,
  ERR_TOKEN_MALFORMED: 401,
  ERR_TOKEN_SIGNATURE: 401,
  ERR_TOKEN_EXPIRED: 401,
  ERR_TOKEN_NOT_YET_VALID: 401,
  ERR_TOKEN_ISSUER: 401,
  ERR_TOKEN_AUDIENCE: 401,
  ERR_TOKEN_TYPE: 401,
  ERR_TOKEN_INVALID: 401,
  ERR_INSUFFICIENT_SCOPE: 403,
  ERR_PROVIDER_UNAVAILABLE: 503,
  ERR_RATE_LIMITED: 429,
};

/**
 * A request was refused. Thrown by verifiers and the guard; turned into a status, an RFC 6750 challenge and a
 * `{ error, error_description }` body. Messages never contain the token.
 */
export class McpAuthError extends Error {
  override readonly name = 'McpAuthError';
  /** The HTTP status this error is answered with. */
  readonly status: number;
  /** Scopes the operation needs (for `ERR_INSUFFICIENT_SCOPE` and, where known, 401 challenges). */
  readonly requiredScopes?: readonly string[];
  /** Seconds a client should wait before retrying (`ERR_PROVIDER_UNAVAILABLE`, `ERR_RATE_LIMITED`). */
  readonly retryAfter?: number;

  constructor(
    readonly code: McpAuthErrorCode,
    message: string,
    options: { requiredScopes?: readonly string[]; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = STATUS[code];
    this.requiredScopes = options.requiredScopes;
    this.retryAfter = options.retryAfter;
  }

  /**
   * The OAuth `error` attribute this failure is reported with (none for a request without credentials, nor for a
   * rate-limited one: RFC 6585 defines no OAuth error).
   */
  get oauthError(): OAuthErrorName | undefined {
    switch (this.code) {
      case 'ERR_MISSING_TOKEN':
      case 'ERR_RATE_LIMITED':
        return undefined;
      case 'ERR_INVALID_REQUEST':
        return 'invalid_request';
      case 'ERR_INSUFFICIENT_SCOPE':
        return 'insufficient_scope';
      case 'ERR_PROVIDER_UNAVAILABLE':
        return 'temporarily_unavailable';
      default:
        return 'invalid_token';
    }
  }
}
