/**
 * Token exchange for the development provider, through oidc-provider's `registerGrantType`:
 * - RFC 8693 (`urn:ietf:params:oauth:grant-type:token-exchange`): `subject_token` (an access token of this provider,
 *   `subject_token_type` access_token), `resource` and/or `audience`, `scope`, `requested_token_type`;
 * - an Entra ID on-behalf-of style variant (`urn:ietf:params:oauth:grant-type:jwt-bearer` with
 *   `requested_token_use=on_behalf_of`): the token is the `assertion`; the target is `resource`, or Entra's
 *   `<resource>/.default` scope.
 *
 * The issued token is a JWT access token of the target resource (`aud`), for the same user (`sub`), with the
 * exchanging client in `client_id` and — for RFC 8693 — in `act.sub` (RFC 8693 §4.1), for OBO in `azp`.
 */
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { KoaContextWithOIDC, Provider, ResourceServer } from 'oidc-provider';
import { asArray, splitScope } from './oauth-params.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/** `gty` recorded on exchanged access tokens (read by `exchangeClaims`). */
const GTY = { [TOKEN_EXCHANGE]: 'token_exchange', [JWT_BEARER]: 'on_behalf_of' } as const;

/** The provider's policy for exchanges. */
export interface TokenExchangePolicy {
  /** Accounts whose tokens cannot be exchanged (`invalid_grant`, as when the user has not consented). */
  deniedAccounts?: readonly string[];
  /** Client → the audiences of the subject tokens it may exchange (`unauthorized_client` otherwise). Absent: any. */
  subjectAudiences?: ReadonlyMap<string, readonly string[]>;
}

type Errors = typeof import('oidc-provider').errors;

interface Setup {
  provider: Provider;
  errors: Errors;
  issuer: string;
  jwks: { keys: JWK[] };
  /** Resource identifier → its scopes. */
  resources: ReadonlyMap<string, { scopes: string[] }>;
  resourceServerInfo(ctx: KoaContextWithOIDC, resource: string): Promise<ResourceServer>;
  policy: TokenExchangePolicy;
}

/** Registers both grants on `provider`. */
export function registerTokenExchange(setup: Setup): void {
  const keys = createLocalJWKSet(setup.jwks);
  const { provider } = setup;
  const dupes = ['resource', 'audience'];
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    (ctx) => exchange(setup, keys, ctx, TOKEN_EXCHANGE),
    [
      'subject_token',
      'subject_token_type',
      'requested_token_type',
      'audience',
      'resource',
      'scope',
      'actor_token',
      'actor_token_type',
    ],
    dupes,
  );
  provider.registerGrantType(
    JWT_BEARER,
    (ctx) => exchange(setup, keys, ctx, JWT_BEARER),
    ['assertion', 'requested_token_use', 'resource', 'scope'],
    ['resource'],
  );
}

/** Extra claims of exchanged tokens (oidc-provider's `extraTokenClaims`). */
export function exchangeClaims(token: {
  gty?: string;
  clientId?: string;
}): Record<string, unknown> | undefined {
  if (token.gty === GTY[TOKEN_EXCHANGE]) return { act: { sub: token.clientId } };
  if (token.gty === GTY[JWT_BEARER]) return { azp: token.clientId };
  return undefined;
}

async function exchange(
  setup: Setup,
  keys: ReturnType<typeof createLocalJWKSet>,
  ctx: KoaContextWithOIDC,
  grant: typeof TOKEN_EXCHANGE | typeof JWT_BEARER,
): Promise<void> {
  const { provider, errors, policy } = setup;
  const params = ctx.oidc.params as Record<string, string | string[] | undefined>;
  const subjectToken = grant === TOKEN_EXCHANGE ? params.subject_token : params.assertion;
  if (grant === TOKEN_EXCHANGE) {
    if (typeof subjectToken !== 'string' || params.subject_token_type === undefined) {
      throw new errors.InvalidRequest('subject_token and subject_token_type are required');
    }
    if (params.subject_token_type !== ACCESS_TOKEN)
      throw new errors.InvalidRequest('unsupported subject_token_type');
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN) {
      throw new errors.InvalidRequest('unsupported requested_token_type');
    }
  } else if (typeof subjectToken !== 'string' || params.requested_token_use !== 'on_behalf_of') {
    throw new errors.InvalidRequest('assertion and requested_token_use=on_behalf_of are required');
  }
  const subject = await verifySubject(setup, keys, subjectToken as string);
  const client = ctx.oidc.client!;
  const allowed = policy.subjectAudiences?.get(client.clientId);
  if (allowed && !asArray(subject.aud).some((aud) => allowed.includes(aud))) {
    throw new errors.UnauthorizedClient('this client may not exchange tokens issued for that audience');
  }
  const { resource, scopes } = target(setup, params, grant);
  const record = new provider.Grant({ accountId: subject.sub, clientId: client.clientId });
  record.addResourceScope(resource, scopes.join(' '));
  const token = new provider.AccessToken({
    accountId: subject.sub,
    client,
    grantId: await record.save(),
    gty: GTY[grant],
    scope: scopes.join(' ') || undefined,
  });
  token.resourceServer = new provider.ResourceServer(resource, await setup.resourceServerInfo(ctx, resource));
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();
  ctx.body = {
    access_token: value,
    ...(grant === TOKEN_EXCHANGE ? { issued_token_type: ACCESS_TOKEN } : {}),
    token_type: 'Bearer',
    expires_in: token.expiration,
    scope: token.scope,
  };
}

async function verifySubject(setup: Setup, keys: ReturnType<typeof createLocalJWKSet>, token: string) {
  const { errors, policy } = setup;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: setup.issuer,
      typ: 'at+jwt',
      requiredClaims: ['exp'],
    }));
  } catch {
    throw new errors.InvalidGrant('the subject token is invalid or expired');
  }
  if (typeof payload.sub !== 'string' || payload.sub === payload.client_id) {
    throw new errors.InvalidGrant('the subject token does not represent a user');
  }
  if (policy.deniedAccounts?.includes(payload.sub)) {
    throw new errors.InvalidGrant('the user has not consented to this exchange');
  }
  return payload as JWTPayload & { sub: string };
}

/** The one target resource and the scopes granted for it. */
function target(setup: Setup, params: Record<string, string | string[] | undefined>, grant: string) {
  const { errors, resources } = setup;
  const requested = splitScope(params.scope);
  const candidates = [...asArray(params.resource), ...asArray(params.audience)];
  let explicit = true;
  if (candidates.length === 0 && grant === JWT_BEARER) {
    // Entra style: scope "<resource>/.default" names the resource and asks for every scope of it.
    for (const s of requested) if (s.endsWith('/.default')) candidates.push(s.slice(0, -'/.default'.length));
    explicit = false;
  }
  const distinct = [...new Set(candidates)];
  if (distinct.length !== 1) throw new errors.InvalidTarget('exactly one resource or audience is required');
  const resource = resources.get(distinct[0]);
  if (!resource) throw new errors.InvalidTarget('unknown resource or audience');
  const scopes = explicit && requested.length > 0 ? requested : resource.scopes;
  if (scopes.some((s) => !resource.scopes.includes(s))) {
    throw new errors.InvalidScope('requested scope is not allowed for this resource', requested.join(' '));
  }
  return { resource: distinct[0], scopes };
}
