import { HttpException } from '@nestjs/common';

/**
 * Stable codes of a failure to obtain a downstream token. Match on `code`, never on `message`.
 */
export type DownstreamTokenErrorCode =
  /** There is no authenticated caller whose token could be exchanged (a `@Public()` route, no context). 403. */
  | 'no_caller'
  /** The provider refused the caller's token or the grant (RFC 6749 §5.2 `invalid_grant`: expired, revoked, no consent). 502. */
  | 'invalid_grant'
  /** The provider refused this server's client credentials (`invalid_client`). 502. */
  | 'invalid_client'
  /** This server's client may not use the grant, or may not exchange that token (`unauthorized_client`). 502. */
  | 'unauthorized_client'
  /** The provider refused the target's scopes (`invalid_scope`). 502. */
  | 'invalid_scope'
  /** The provider refused the target's `resource` / `audience` (RFC 8693 §2.2.2 `invalid_target`). 502. */
  | 'invalid_target'
  /** Any other OAuth error answer (`invalid_request`, `unsupported_grant_type`…); `oauthError` names it. 502. */
  | 'provider_refused'
  /** The provider could not be reached, answered 5xx, `server_error` or `temporarily_unavailable`. 503. */
  | 'provider_unavailable'
  /** The token endpoint did not answer within `downstream.timeout`. 504. */
  | 'provider_timeout'
  /** The answer is not a usable token response (not JSON, no `access_token`, not a bearer token…). 502. */
  | 'provider_invalid_response'
  /** The token endpoint answered with a redirect: never followed with credentials. 502. */
  | 'provider_redirect'
  /** The provider publishes no token endpoint, or none of the client authentication methods configured. 502. */
  | 'provider_unsupported';

const STATUS: Readonly<Record<DownstreamTokenErrorCode, number>> = {
  no_caller: 403,
  invalid_grant: 502,
  invalid_client: 502,
  unauthorized_client: 502,
  invalid_scope: 502,
  invalid_target: 502,
  provider_refused: 502,
  provider_unavailable: 503,
  provider_timeout: 504,
  provider_invalid_response: 502,
  provider_redirect: 502,
  provider_unsupported: 502,
};

/** What a `DownstreamTokenError` carries besides its code and message. */
export interface DownstreamTokenErrorDetails {
  /** The downstream target named in the call. */
  target?: string;
  /** The OAuth `error` the provider answered, when it answered one. */
  oauthError?: string;
  /**
   * Seconds to wait before retrying (`provider_unavailable`): the module's `retryAfter`, sent as `Retry-After` on
   * REST routes.
   */
  retryAfter?: number;
  /** The underlying error (never holds a token or a secret). */
  cause?: unknown;
}

/**
 * A downstream token could not be obtained. It is an `HttpException`: thrown from a REST handler it is answered
 * with its status — 403 (no caller), 502 (the provider refused or answered garbage), 503 (unreachable, with
 * `Retry-After`), 504 (too slow), never 500 — and `{ statusCode, error: code, message }`; thrown from an MCP tool,
 * the client receives a tool error (`isError: true`) with the message. Messages name the target, the endpoint and
 * the provider's answer, never a token or a secret.
 */
export class DownstreamTokenError extends HttpException {
  override readonly name = 'DownstreamTokenError';
  readonly target?: string;
  readonly oauthError?: string;
  readonly retryAfter?: number;

  constructor(
    readonly code: DownstreamTokenErrorCode,
    message: string,
    details: DownstreamTokenErrorDetails = {},
  ) {
    super({ statusCode: STATUS[code], error: code, message }, STATUS[code], { cause: details.cause });
    this.message = message;
    this.target = details.target;
    this.oauthError = details.oauthError;
    this.retryAfter = details.retryAfter;
  }
}
