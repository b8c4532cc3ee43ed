/**
 * Minimal ambient types for `oidc-provider` 9 (the package ships none), covering only what the test harness
 * (`test/support/oidc-provider.ts`) uses. `@types/oidc-provider` (9.12.x on the registry) would replace this file.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AnyObject = Record<string, any>;

  export interface OIDCContext {
    route: string;
    params: AnyObject & { scope?: string; resource?: string | string[] };
    client?: Client;
    grant?: Grant;
    result?: AnyObject;
    resourceServers: Record<string, ResourceServer>;
    requestParamScopes: Set<string>;
    requestParamOIDCScopes: Set<string>;
  }

  export interface KoaContextWithOIDC {
    oidc: OIDCContext;
    [key: string]: any;
  }

  export interface Client {
    clientId: string;
    clientAuthMethod: string;
    applicationType?: string;
    scope?: string;
    grantTypeAllowed(type: string): boolean;
    [key: string]: any;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface ResourceServer extends ResourceServerInfo {
    readonly scopes: Set<string>;
    identifier(): string;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: AnyObject, rejected: string[]): AnyObject | Promise<AnyObject>;
  }

  export interface InteractionResults {
    login?: { accountId: string; [key: string]: unknown };
    consent?: { grantId?: string; [key: string]: unknown };
    error?: string;
    error_description?: string;
    [key: string]: unknown;
  }

  export interface Interaction {
    uid: string;
    jti: string;
    returnTo: string;
    prompt: { name: string; reasons: string[]; details: AnyObject };
    params: AnyObject & { client_id?: string; scope?: string; resource?: string | string[] };
    session?: { accountId: string; uid?: string; cookie?: string };
    grantId?: string;
    lastSubmission?: InteractionResults;
    result?: InteractionResults;
  }

  export interface GrantRejected {
    openid?: { scope?: string; claims?: string[] };
    resources?: Record<string, string>;
  }

  export interface Grant {
    jti: string;
    accountId: string;
    clientId: string;
    rejected?: GrantRejected;
    addOIDCScope(scope: string | string[] | Set<string>): void;
    rejectOIDCScope(scope: string | string[] | Set<string>): void;
    getOIDCScope(): string;
    getRejectedOIDCScope(): string;
    addResourceScope(resource: string, scope: string | string[] | Set<string>): void;
    rejectResourceScope(resource: string, scope: string | string[] | Set<string>): void;
    getResourceScope(resource: string): string;
    getRejectedResourceScope(resource: string): string;
    save(ttl?: number): Promise<string>;
  }

  export interface GrantConstructor {
    new (properties: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  export interface Configuration {
    [key: string]: any;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    proxy: boolean;
    readonly Grant: GrantConstructor;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    urlFor(name: string, options?: AnyObject): string;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  export namespace errors {
    class OIDCProviderError extends Error {
      error: string;
      error_description?: string;
      status: number;
      statusCode: number;
      expose: boolean;
    }
    class InvalidTarget extends OIDCProviderError {
      constructor(description?: string, detail?: string);
    }
    class InvalidClientMetadata extends OIDCProviderError {
      constructor(description: string);
    }
  }

  export namespace interactionPolicy {
    class Check {
      static readonly REQUEST_PROMPT: true;
      static readonly NO_NEED_TO_PROMPT: false;
      constructor(
        reason: string,
        description: string,
        check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>,
        details?: (ctx: KoaContextWithOIDC) => AnyObject | undefined | Promise<AnyObject | undefined>,
      );
      reason: string;
    }
    interface Checks extends Array<Check> {
      get(reason: string): Check | undefined;
      remove(reason: string): void;
      add(check: Check, index?: number): void;
    }
    class Prompt {
      name: string;
      requestable: boolean;
      checks: Checks;
    }
    interface Policy extends Array<Prompt> {
      get(name: string): Prompt | undefined;
    }
    function base(): Policy;
  }

  export default Provider;
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** A factory of per-model adapters over one store private to the caller (oidc-provider's default adapter). */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
