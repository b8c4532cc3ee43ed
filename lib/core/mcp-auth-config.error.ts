/**
 * Stable codes of configuration and discovery failures. They are part of the public API: match on `code`,
 * never on `message`.
 */
export type McpAuthConfigErrorCode =
  /** An option of `McpAuthModule` (or `McpServerModule`) is missing or invalid; `option` names it. */
  | 'ERR_INVALID_OPTIONS'
  /** The metadata URL could not be reached (DNS, connection refused, TLS…). */
  | 'ERR_DISCOVERY_NETWORK'
  /** The metadata request did not answer within `discoveryTimeout`. */
  | 'ERR_DISCOVERY_TIMEOUT'
  /** The metadata URL answered with a non-2xx status. */
  | 'ERR_DISCOVERY_HTTP_STATUS'
  /** The metadata URL answered with something that is not a JSON object. */
  | 'ERR_DISCOVERY_NOT_JSON'
  /** None of the well-known URLs probed (type omitted) answered with metadata. */
  | 'ERR_DISCOVERY_NOT_FOUND'
  /** The metadata document is missing a required field or has an invalid one. */
  | 'ERR_METADATA_INVALID'
  /** The metadata document's `issuer` is not exactly the configured issuer (RFC 8414 §3.3, R29). */
  | 'ERR_ISSUER_MISMATCH';

export interface McpAuthConfigErrorDetails {
  /** The option at fault, as a path (`authorizationServers[0].issuer`). */
  option?: string;
  /** The URL that was tried. */
  url?: string;
  /** Every URL that was tried, in order (discovery without a type). */
  urlsTried?: string[];
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A configuration or discovery failure, thrown at boot (or, with `discovery: 'lazy'`, on first use).
 * The message names the option, the URL tried and the reason.
 */
export class McpAuthConfigError extends Error {
  override readonly name = 'McpAuthConfigError';
  readonly option?: string;
  readonly url?: string;
  readonly urlsTried?: string[];

  constructor(
    readonly code: McpAuthConfigErrorCode,
    message: string,
    details: McpAuthConfigErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.option = details.option;
    this.url = details.url;
    this.urlsTried = details.urlsTried;
  }
}
