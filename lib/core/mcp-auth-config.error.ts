/**
 * Stable codes of configuration and discovery failures. They are part of the public API: match on `code`,
 * never on `message`.
 */
export type McpAuthConfigErrorCode =
  /**
   * An option is missing or invalid — of `McpAuthModule` (every offending option is listed), of
   * `McpServerModule`, `fetchServerConfig`, `runDoctor` or the testing
   * issuer; `option` names the first.
   */
  | 'ERR_INVALID_OPTIONS'
  /** A `@ProtectedResource()` names a resource that is not configured (at boot; `option: 'resource'`). */
  | 'ERR_UNKNOWN_RESOURCE'
  /** `AuthorizationServerRegistry.get()` was asked for an issuer that is not configured (check `has()` first). */
  | 'ERR_UNKNOWN_ISSUER'
  /**
   * Two MCP handlers of one kind (tools, resources or prompts) have the same name, or two resources the same URI or
   * URI template (at boot): the message names both methods.
   */
  | 'ERR_DUPLICATE_HANDLER'
  /**
   * `McpAuthContext.current` (or `require()`) was read while the `context` option is off (`option: 'context'`):
   * set `context: true`, or read the caller with `@AuthInfo()`.
   */
  | 'ERR_CONTEXT_DISABLED'
  /**
   * `McpAuthContext.require()` found no authenticated caller: outside a request, on a `@Public()` route, or on a
   * route `McpAuthGuard` does not protect.
   */
  | 'ERR_NO_CALLER'
  /** The metadata URL could not be reached (DNS, connection refused, TLS…). */
  | 'ERR_DISCOVERY_NETWORK'
  /** The metadata request did not answer within `discoveryTimeout`. */
  | 'ERR_DISCOVERY_TIMEOUT'
  /** The metadata URL answered with a non-2xx status. */
  | 'ERR_DISCOVERY_HTTP_STATUS'
  /**
   * The metadata URL answered with a redirect, which is never followed; the message names the `Location` (configure
   * it as `wellKnownUrl` if that is where the metadata lives).
   */
  | 'ERR_DISCOVERY_REDIRECT'
  /** The metadata URL answered with something that is not a JSON object. */
  | 'ERR_DISCOVERY_NOT_JSON'
  /** None of the well-known URLs probed (type omitted) answered with metadata. */
  | 'ERR_DISCOVERY_NOT_FOUND'
  /** The metadata document is missing a required field or has an invalid one. */
  | 'ERR_METADATA_INVALID'
  /** The metadata document's `issuer` is not exactly the configured issuer (RFC 8414 §3.3). */
  | 'ERR_ISSUER_MISMATCH'
  /**
   * With several resources, a guarded route belongs to none of them (or to two equally): its path is under no
   * resource's path and it has no `@ProtectedResource`. `route` names it.
   */
  | 'ERR_ROUTE_RESOURCE'
  /**
   * `McpServerModule` cannot see `McpAuthModule` (not imported, `isGlobal: false`, another module's scope) and was
   * not told `auth: false`: its MCP endpoint would be served without authentication, so the app does not boot.
   */
  | 'ERR_MCP_UNPROTECTED'
  /**
   * `McpServerModule` found no MCP SDK server line to serve with (at boot): neither `@modelcontextprotocol/server`
   * (with `@modelcontextprotocol/node`) nor `@modelcontextprotocol/sdk` is installed, or not the one the `sdk`
   * option chose (`option: 'sdk'`). The message names the packages to install.
   */
  | 'ERR_MCP_SDK_MISSING'
  /**
   * The app runs on an HTTP adapter the module does not support (Nest's `getType()` is neither `'express'` nor
   * `'fastify'`): at boot, naming the adapter and the supported packages.
   */
  | 'ERR_HTTP_ADAPTER'
  /**
   * An MCP handler (`@McpTool`, `@McpResource`, `@McpPrompt`) is declared in a way that cannot be served as
   * written: `@Public()` on it or its class, a fourth undecorated parameter beside decorated ones, an invalid URI
   * template, a request-scoped controller, an input that is neither a DTO class nor zod. The message
   * names the method.
   */
  | 'ERR_INVALID_HANDLER';

/** What one metadata URL tried by discovery answered (see `fetchServerConfig`'s `onAttempt`). */
export interface DiscoveryAttempt {
  /** The URL, as requested. */
  readonly url: string;
  /** The discovery convention the URL belongs to. */
  readonly type: 'oidc' | 'oauth';
  /**
   * `ok`: a JSON object (then validated: it may still be refused as invalid metadata or another issuer's);
   * `http-status`: a non-2xx answer; `not-json`: a body that is not a JSON object; `redirect`: a 3xx, never
   * followed; `network`: no answer (DNS, connection, TLS…); `timeout`: no answer in time.
   */
  readonly outcome: 'ok' | 'http-status' | 'not-json' | 'redirect' | 'network' | 'timeout';
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** Why the URL did not serve metadata (a sentence naming it); absent for `ok`. */
  readonly message?: string;
  /** A copy of the JSON object it answered (`ok`), before `transpile` and validation (metadata holds no secret). */
  readonly document?: Readonly<Record<string, unknown>>;
}

export interface McpAuthConfigErrorDetails {
  /** The option at fault, as a path (`authorizationServers[0].issuer`). */
  option?: string;
  /** The URL that was tried. */
  url?: string;
  /** The route at fault (`ERR_ROUTE_RESOURCE`): its pattern, or `Controller.method` when it has none. */
  route?: string;
  /** Every URL that was tried, in order (discovery). Default: the URLs of `attempts`. */
  urlsTried?: string[];
  /** Every metadata URL discovery tried, in order, with what it answered. */
  attempts?: readonly DiscoveryAttempt[];
  /** The HTTP status the URL answered (`ERR_DISCOVERY_HTTP_STATUS`, `ERR_DISCOVERY_NOT_JSON`, `ERR_DISCOVERY_REDIRECT`). */
  status?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A configuration or discovery failure, thrown at boot (or, with `discovery: 'lazy'`, on first use), or a use of
 * the library its configuration does not allow (`ERR_CONTEXT_DISABLED`, `ERR_NO_CALLER`, `ERR_UNKNOWN_ISSUER`).
 * The message names the option, the URL tried and the reason.
 */
export class McpAuthConfigError extends Error {
  override readonly name = 'McpAuthConfigError';
  readonly option?: string;
  readonly url?: string;
  readonly route?: string;
  readonly urlsTried?: string[];
  readonly attempts?: readonly DiscoveryAttempt[];
  readonly status?: number;

  constructor(
    readonly code: McpAuthConfigErrorCode,
    message: string,
    details: McpAuthConfigErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.option = details.option;
    this.url = details.url;
    this.route = details.route;
    this.urlsTried = details.urlsTried ?? details.attempts?.map((attempt) => attempt.url);
    this.attempts = details.attempts;
    this.status = details.status;
  }
}
