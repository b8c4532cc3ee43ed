import type { McpAuthErrorCode } from '../core/mcp-auth.error.js';

/**
 * What every event carries. No event ever holds a token, an `Authorization` header, a client secret or a key: the
 * identity fields are those the library verified, the rest is configuration and outcome.
 */
interface EventBase {
  /** `Date.now()` when it happened. */
  readonly timestamp: number;
}

/** Who made a request, as far as the library verified it. */
export interface McpAuthCaller {
  /** `iss` of the verified token. */
  readonly issuer?: string;
  /** `sub` of the verified token. */
  readonly subject?: string;
  /** The client the token was issued to (`client_id`, `azp`…); absent when the token names none. */
  readonly clientId?: string;
}

/** Where a decision was made. */
export interface McpAuthDecisionSite {
  /** The protected resource identifier (RFC 8707) the request was judged for. */
  readonly resource: string;
  /** The route as the app declared it (`/api/todos/:id`), never the request URL; absent when unknown. */
  readonly route?: string;
  /**
   * On an MCP endpoint: the handlers the JSON-RPC body invokes, by their registered names — `tools/call
   * delete-todo`, `resources/read todo`, `prompts/get summarize` (a batch's joined by `, `); absent when it
   * invokes none (`initialize`, lists, notifications) or only names no handler serves.
   */
  readonly tool?: string;
  /** The HTTP method. */
  readonly method?: string;
  /** The client's address (`req.ip`, which honours the app's `trust proxy`, else the socket's). */
  readonly address?: string;
  /** Milliseconds the decision took (verification, any provider round-trip included). */
  readonly durationMs: number;
}

/** A request was accepted: its token verified and its scopes sufficed. */
export interface McpAuthAcceptedEvent extends EventBase, McpAuthCaller, McpAuthDecisionSite {
  readonly type: 'mcp-auth.accepted';
  readonly issuer: string;
  /** The scopes the token grants. */
  readonly scopes: readonly string[];
}

/**
 * A request was refused, with its stable reason code. The caller's identity is present only when the token was
 * verified (a refusal for `ERR_INSUFFICIENT_SCOPE`): claims of a token that failed verification are never reported.
 */
export interface McpAuthRefusedEvent extends EventBase, McpAuthCaller, McpAuthDecisionSite {
  readonly type: 'mcp-auth.refused';
  /** `McpAuthError.code`. */
  readonly reason: McpAuthErrorCode;
  /** The HTTP status answered. */
  readonly status: number;
  /** The scopes the 403 challenge named (`ERR_INSUFFICIENT_SCOPE`). */
  readonly requiredScopes?: readonly string[];
}

/** A client address passed `refusalLimit`: its requests are answered 429 until `retryAfter` seconds have passed. */
export interface McpAuthRateLimitedEvent extends EventBase {
  readonly type: 'mcp-auth.rate-limited';
  /** The address (an IPv6 address as its /64 prefix). */
  readonly address: string;
  readonly resource: string;
  /** Refused tokens counted in the window. */
  readonly refusals: number;
  readonly retryAfter: number;
}

/** An authorization server's metadata was resolved (fetched by discovery, or inline metadata validated). */
export interface McpAuthDiscoveryDoneEvent extends EventBase {
  readonly type: 'mcp-auth.discovery.done';
  readonly issuer: string;
  readonly durationMs: number;
}

/** An authorization server's metadata could not be resolved. */
export interface McpAuthDiscoveryFailedEvent extends EventBase {
  readonly type: 'mcp-auth.discovery.failed';
  readonly issuer: string;
  /** `McpAuthConfigError.code` (`ERR_DISCOVERY_FETCH`, `ERR_METADATA_INVALID`…), else the error's name. */
  readonly reason: string;
  readonly durationMs: number;
}

/** An issuer's key set was fetched (a new key set version). */
export interface McpAuthJwksFetchedEvent extends EventBase {
  readonly type: 'mcp-auth.jwks.fetched';
  readonly issuer: string;
  readonly jwksUri: string;
  /** How many keys the set publishes. */
  readonly keys: number;
}

/** A fetch changed the keys an issuer publishes (by RFC 7638 thumbprint): a key rotation. */
export interface McpAuthJwksRotatedEvent extends EventBase {
  readonly type: 'mcp-auth.jwks.rotated';
  readonly issuer: string;
  readonly jwksUri: string;
  /** Keys published now that were not before. */
  readonly added: number;
  /** Keys published before that are gone. */
  readonly removed: number;
}

/** An issuer's key set could not be fetched (unreachable, a redirect, not 200, not a key set). */
export interface McpAuthJwksFailedEvent extends EventBase {
  readonly type: 'mcp-auth.jwks.failed';
  readonly issuer: string;
  readonly jwksUri: string;
  /** The error's name (`ProviderFetchError`, `JWKSTimeout`…). */
  readonly reason: string;
}

/** An RFC 7662 introspection request ended. */
export interface McpAuthIntrospectionEvent extends EventBase {
  readonly type: 'mcp-auth.introspection';
  readonly issuer: string;
  /** `active`/`inactive`: the answer's `active`; `failure`: the provider could not be used (503 answered). */
  readonly outcome: 'active' | 'inactive' | 'failure';
  readonly durationMs: number;
}

/** A token exchange for a downstream call ended (reported by the downstream layer). */
export interface McpAuthExchangeEvent extends EventBase, McpAuthCaller {
  readonly type: 'mcp-auth.exchange';
  /** How the downstream token was obtained: `token-exchange` (RFC 8693), `on-behalf-of`, `client-credentials`. */
  readonly grant: string;
  /** The downstream target, by its name in the `downstream.targets` option (`archive`). */
  readonly target?: string;
  /**
   * `success` / `failure`: a request to the provider's token endpoint ended; `cached`: the token came without one
   * (this process's cache, the shared store, or the same caller's exchange already in flight; `durationMs` 0).
   */
  readonly outcome: 'success' | 'failure' | 'cached';
  /** On failure: the error's code or name. */
  readonly reason?: string;
  readonly durationMs: number;
}

/** A change of an authorization server's status. Emitted on the change only, not on every failure. */
interface ProviderStatusChange extends EventBase {
  readonly issuer: string;
  /** What failed (or recovered): `discovery`, `jwks` or `introspection`. */
  readonly source: ProviderSource;
}

/** An authorization server became unusable: a fetch of its metadata, keys or introspection endpoint failed. */
export interface McpAuthProviderUnavailableEvent extends ProviderStatusChange {
  readonly type: 'mcp-auth.provider.unavailable';
}

/** An authorization server is usable again: no part of it is failing any more. */
export interface McpAuthProviderRecoveredEvent extends ProviderStatusChange {
  readonly type: 'mcp-auth.provider.recovered';
}

/** The parts of an authorization server the library fetches. */
export type ProviderSource = 'discovery' | 'jwks' | 'introspection';

/** Every event of the module, discriminated by `type` (also the `EventEmitter2` event name). */
export type McpAuthEvent =
  | McpAuthAcceptedEvent
  | McpAuthRefusedEvent
  | McpAuthRateLimitedEvent
  | McpAuthDiscoveryDoneEvent
  | McpAuthDiscoveryFailedEvent
  | McpAuthJwksFetchedEvent
  | McpAuthJwksRotatedEvent
  | McpAuthJwksFailedEvent
  | McpAuthIntrospectionEvent
  | McpAuthExchangeEvent
  | McpAuthProviderUnavailableEvent
  | McpAuthProviderRecoveredEvent;

/** The `type` of an event: `'mcp-auth.refused'`… */
export type McpAuthEventType = McpAuthEvent['type'];

/** The event of one `type`. */
export type McpAuthEventOf<T extends McpAuthEventType> = Extract<McpAuthEvent, { type: T }>;
