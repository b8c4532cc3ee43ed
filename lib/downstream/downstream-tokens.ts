import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { McpAuthContext } from '../context/mcp-auth-context.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { AuthorizationServerRegistry } from '../discovery/authorization-server-registry.js';
import { ProviderFetchError, providerFetch, readProviderText } from '../discovery/provider-fetch.js';
import { McpAuthTelemetry, type ExchangeDetails } from '../telemetry/mcp-auth-telemetry.js';
import { ClientAuthenticator } from './client-authentication.js';
import { authInfoOf, CallerKeys, type DownstreamCaller } from './downstream-caller.js';
import { DownstreamTokenCache } from './downstream-token-cache.js';
import { DownstreamTokenError } from './downstream-token.error.js';
import { checkDownstreamProvider, tokenEndpointOf } from './provider-support.js';
import type {
  ResolvedDownstreamClient,
  ResolvedDownstreamOptions,
  ResolvedDownstreamTarget,
} from './resolve-downstream-options.js';
import {
  failure,
  parseTokenAnswer,
  tokenRequestForm,
  type DownstreamToken,
  type TokenAnswer,
} from './token-request.js';

/** What a request that got no usable answer means for the caller (redirects are never followed). */
const FAULT_CODES = {
  unreachable: 'provider_unavailable',
  timeout: 'provider_timeout',
  redirect: 'provider_redirect',
} as const;

/**
 * Tokens for downstream APIs, obtained for the current caller without ever forwarding the caller's own token
 * (token passthrough is forbidden: MCP security best practices; its audience is this server). Configured by the
 * `downstream` option of `McpAuthModule`; inject it anywhere.
 *
 * ```ts
 * @McpTool({ name: 'export-todos' })
 * async export(@AuthInfo() auth: McpAuthInfo) {
 *   const res = await this.downstream.fetch('archive', '/archive/exports', { method: 'POST', body }, auth);
 *   return res.json();
 * }
 * ```
 *
 * Tokens are cached per (issuer, caller subject, caller client, target, scope) until their expiry minus
 * `cache.margin`, never shared between callers; concurrent calls share one request to the provider. Every request
 * to the provider is reported (span `mcp_auth.token_exchange`, `mcp_auth.exchanges`, event `mcp-auth.exchange`),
 * and every token answered without one is counted (`outcome: 'cached'`, no span) — never with a token.
 */
@Injectable()
export class DownstreamTokens implements OnApplicationBootstrap {
  private readonly logger = new Logger('DownstreamTokens');
  private readonly cache: DownstreamTokenCache;
  private readonly authenticators = new Map<ResolvedDownstreamClient, ClientAuthenticator>();
  private readonly callerKeys = new CallerKeys();

  constructor(
    private readonly options: ResolvedDownstreamOptions,
    private readonly registry: AuthorizationServerRegistry,
    private readonly context?: McpAuthContext,
    private readonly telemetry = McpAuthTelemetry.disabled(),
  ) {
    this.cache = new DownstreamTokenCache(options.cache, this.logger);
    for (const target of options.targets.values()) {
      if (!this.authenticators.has(target.client)) {
        this.authenticators.set(target.client, new ClientAuthenticator(target.client));
      }
    }
  }

  /** The configured target names. */
  get targets(): string[] {
    return [...this.options.targets.keys()];
  }

  /**
   * At boot: private keys are imported, and every provider whose metadata is already known must offer a token
   * endpoint and a client authentication method the client can use (else the boot fails naming the option).
   */
  async onApplicationBootstrap(): Promise<void> {
    for (const authenticator of this.authenticators.values()) await authenticator.prepare();
    for (const target of this.options.targets.values()) {
      for (const issuer of this.issuersOf(target)) {
        for (const warning of checkDownstreamProvider(target, issuer, this.registry.peek(issuer))) {
          this.logger.warn(warning);
        }
      }
    }
  }

  /**
   * A token for `target`, for `caller` (omitted: the current caller of `McpAuthContext`; not needed for
   * client credentials).
   *
   * @throws DownstreamTokenError with a stable `code` (`no_caller`, `invalid_grant`, `provider_unavailable`…).
   * @throws McpAuthConfigError when `target` is not configured (a programming error).
   */
  async getToken(target: string, caller?: DownstreamCaller): Promise<DownstreamToken> {
    const t = this.target(target);
    if (t.grant === 'client-credentials') {
      const issuer = t.client.issuer ?? this.registry.issuers[0];
      const key = DownstreamTokenCache.keyOf(['client', issuer, t.client.clientId, ...describeTarget(t)]);
      const details = { grant: t.grant, target: t.name, issuer };
      return this.obtain(key, details, () => this.request(t, issuer, undefined));
    }
    const auth = this.callerOf(t, caller);
    const issuer = t.client.issuer ?? auth.issuer;
    const key = this.callerKeys.keyOf(auth, t, () => {
      const subject = auth.subject ?? `token:${createHash('sha256').update(auth.token).digest('base64url')}`;
      return DownstreamTokenCache.keyOf([
        t.grant,
        issuer,
        t.client.clientId,
        auth.issuer,
        subject,
        auth.clientId,
        ...describeTarget(t),
      ]);
    });
    const details = {
      grant: t.grant,
      target: t.name,
      issuer: auth.issuer,
      subject: auth.subject,
      clientId: auth.clientId || undefined,
    };
    return this.obtain(key, details, () => this.request(t, issuer, auth.token));
  }

  /** The cached token for `key`, else one `request` obtains; both reported to the telemetry (no token in either). */
  private async obtain(
    key: string,
    details: ExchangeDetails,
    request: () => Promise<DownstreamToken>,
  ): Promise<DownstreamToken> {
    let requested = false;
    const token = await this.cache.get(key, () => {
      requested = true;
      return this.telemetry.exchange(details, request);
    });
    if (!requested) this.telemetry.exchangeCached(details);
    return token;
  }

  /**
   * `fetch(url, init)` with `Authorization: Bearer <a token for target>`. `url` is resolved against the target's
   * `baseUrl` and must lie under it: the token is sent nowhere else. Redirects are not followed unless
   * `init.redirect` says so (then Node's fetch drops the `Authorization` header on a cross-origin redirect).
   */
  async fetch(
    target: string,
    url: string | URL,
    init: RequestInit = {},
    caller?: DownstreamCaller,
  ): Promise<Response> {
    const t = this.target(target);
    const destination = this.destination(t, url);
    const token = await this.getToken(target, caller);
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token.accessToken}`);
    return fetch(destination, { ...init, headers, redirect: init.redirect ?? 'manual' });
  }

  private target(name: string): ResolvedDownstreamTarget {
    const target = this.options.targets.get(name);
    if (target === undefined) {
      const known = this.targets.map((n) => JSON.stringify(n)).join(', ') || 'none (no downstream option)';
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        `DownstreamTokens: no target ${JSON.stringify(name)} in downstream.targets; configured: ${known}`,
        { option: 'downstream.targets' },
      );
    }
    return target;
  }

  private callerOf(target: ResolvedDownstreamTarget, caller: DownstreamCaller | undefined): McpAuthInfo {
    const auth = caller === undefined ? this.currentCaller() : authInfoOf(caller);
    if (auth !== undefined) return auth;
    throw new DownstreamTokenError(
      'no_caller',
      `No token for downstream target "${target.name}" (${target.grant}): there is no authenticated caller to act ` +
        'for. Pass the caller (@AuthInfo(), the request, or the MCP handler extra), or turn McpAuthContext on ' +
        '(context: true) for getToken() without one.',
      { target: target.name },
    );
  }

  private currentCaller(): McpAuthInfo | undefined {
    return this.context?.enabled ? this.context.current : undefined;
  }

  private destination(target: ResolvedDownstreamTarget, url: string | URL): URL {
    const base = target.baseUrl;
    if (base === undefined) {
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        `DownstreamTokens.fetch(): target "${target.name}" has no baseUrl (and no http(s) resource): set ` +
          `${target.option}.baseUrl, or use getToken()`,
        { option: `${target.option}.baseUrl` },
      );
    }
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    const destination = new URL(
      typeof url === 'string' && !URL.canParse(url) ? url.replace(/^\/+/, '') : url,
      prefix === base.pathname ? base : new URL(prefix, base),
    );
    const under =
      destination.origin === base.origin &&
      (destination.pathname === base.pathname || destination.pathname.startsWith(prefix));
    if (!under) {
      throw new McpAuthConfigError(
        'ERR_INVALID_OPTIONS',
        `DownstreamTokens.fetch(): ${destination.origin}${destination.pathname} is not under the baseUrl of target ` +
          `"${target.name}" (${base.href}); its token is sent nowhere else`,
        { option: `${target.option}.baseUrl` },
      );
    }
    return destination;
  }

  /** The issuers whose metadata matters for `target`: its client's, else every configured one. */
  private issuersOf(target: ResolvedDownstreamTarget): readonly string[] {
    if (target.client.issuer !== undefined)
      return this.registry.has(target.client.issuer) ? [target.client.issuer] : [];
    return target.grant === 'client-credentials' ? this.registry.issuers.slice(0, 1) : this.registry.issuers;
  }

  private async request(
    target: ResolvedDownstreamTarget,
    issuer: string,
    subjectToken: string | undefined,
  ): Promise<DownstreamToken> {
    const { retryAfter } = this.options;
    const authenticator = this.authenticators.get(target.client)!;
    const { endpoint, method } = await tokenEndpointOf(target, issuer, this.registry, retryAfter);
    const context = { target, endpoint, retryAfter };
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      };
      const body = tokenRequestForm(target, subjectToken);
      await authenticator.apply(method, endpoint, headers, body);
      const answer = await this.post(endpoint, headers, body).catch((error: unknown) => {
        if (!(error instanceof ProviderFetchError)) throw error;
        throw failure(context, FAULT_CODES[error.kind], error.message, undefined, error);
      });
      const secrets = [subjectToken ?? '', target.client.clientSecret ?? ''];
      const token = parseTokenAnswer(answer, { ...context, secrets, subjectToken, now: Date.now() / 1000 });
      this.logger.debug?.(`Token for downstream target "${target.name}" obtained (${target.grant})`);
      return token;
    } catch (error) {
      if (error instanceof DownstreamTokenError) this.logger.warn(`${error.code}: ${error.message}`);
      throw error;
    }
  }

  /** POSTs the token request through `providerFetch` (no redirect followed), `timeout` for the whole answer. */
  private async post(
    endpoint: string,
    headers: Record<string, string>,
    body: URLSearchParams,
  ): Promise<TokenAnswer> {
    const signal = AbortSignal.timeout(this.options.timeout);
    const response = await providerFetch(endpoint, { method: 'POST', headers, body, signal });
    const contentType = response.headers.get('content-type') ?? '';
    return { status: response.status, contentType, body: await readProviderText(response) };
  }
}

/** What identifies a target's token besides the caller: its name, resources, audiences, scope, token type. */
function describeTarget(target: ResolvedDownstreamTarget): string[] {
  return [
    target.name,
    target.grant,
    target.resource.join(' '),
    target.audience.join(' '),
    target.scopes.join(' '),
    target.subjectTokenType,
    target.requestedTokenType,
  ];
}
