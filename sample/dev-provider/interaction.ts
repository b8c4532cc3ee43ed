/**
 * The login and consent pages of the development provider, with no page: an interaction logs in the account the
 * URL names (`?account=`, default `defaultAccountId`) and consents to what was asked, except the scopes the URL
 * declines (`?decline=`). A real browser reaching it is logged in as the default account.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Grant, Interaction, KoaContextWithOIDC, Provider } from 'oidc-provider';
import { send } from './http-answer.js';
import type { OidcProviderModule } from './load-oidc-provider.js';
import { asArray, splitScope } from './oauth-params.js';
import type { ProviderSettings } from './settings.js';

/**
 * oidc-provider's interaction policy, plus one consent check: requested scopes that the grant records as rejected
 * prompt for consent again, as a real consent screen would.
 */
export function loginAndConsentPolicy(policies: OidcProviderModule['interactionPolicy']) {
  const policy = policies.base();
  policy.get('consent')?.checks.add(
    new policies.Check(
      'scopes_previously_rejected',
      'requested scopes were rejected before',
      (ctx) => !ctx.oidc.result?.consent && rejectedAgain(ctx).length > 0,
      (ctx) => ({ rejectedScopesRequestedAgain: rejectedAgain(ctx) }),
    ),
  );
  return policy;
}

/** Requested scopes that the grant records as rejected: a real consent screen must show them again. */
function rejectedAgain(ctx: KoaContextWithOIDC): string[] {
  const { grant } = ctx.oidc;
  if (!grant) return [];
  const rejected = new Set(splitScope(grant.getRejectedOIDCScope()));
  for (const id of Object.keys(ctx.oidc.resourceServers ?? {})) {
    for (const s of splitScope(grant.getRejectedResourceScope(id))) rejected.add(s);
  }
  return [...ctx.oidc.requestParamScopes].filter((s) => rejected.has(s));
}

/** Answers `GET {issuer path}/interaction/{uid}`: logs in, or consents, then hands back to oidc-provider. */
export function interactionHandler(provider: Provider, settings: ProviderSettings) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET') return send(res, 405, 'method not allowed');
    let details: Interaction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      return send(res, 400, `interaction not found: ${(error as Error).message}`);
    }
    if (url.pathname !== `${settings.paths.interaction}${details.uid}`)
      return send(res, 400, 'interaction uid mismatch');
    switch (details.prompt.name) {
      case 'login': {
        const accountId = url.searchParams.get('account') || settings.defaultAccountId;
        const result = { login: { accountId } };
        return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      }
      case 'consent': {
        const declined = new Set(splitScope(url.searchParams.get('decline')));
        const grantId = await grantConsent(provider, settings, details, declined);
        return provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
      }
      default:
        return send(res, 400, `unsupported prompt ${details.prompt.name}`);
    }
  };
}

/** Grants what the interaction asks (OpenID scopes, then each resource's), minus `declined`; the grant's id. */
async function grantConsent(
  provider: Provider,
  settings: ProviderSettings,
  details: Interaction,
  declined: Set<string>,
): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id as string | undefined;
  if (!accountId || !clientId) throw new Error('consent without a logged-in account or a client');
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const requested = splitScope(details.params.scope);
  const promptDetails = details.prompt.details as {
    missingOIDCScope?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };

  // oidc-provider counts every scope of its `scopes` configuration (resource scopes included) as an OIDC scope.
  const oidcScopes = requested.filter((s) => settings.supportedScopes.has(s));
  consent(grant, undefined, new Set([...oidcScopes, ...(promptDetails.missingOIDCScope ?? [])]), declined);
  const perResource = new Map<string, Set<string>>();
  for (const id of asArray(details.params.resource)) {
    const resource = settings.resources.get(id);
    if (resource) perResource.set(id, new Set(requested.filter((s) => resource.scopes.includes(s))));
  }
  for (const [id, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
    const set = perResource.get(id) ?? new Set<string>();
    for (const s of scopes) set.add(s);
    perResource.set(id, set);
  }
  for (const [id, scopes] of perResource) consent(grant, id, scopes, declined);
  return grant.save();
}

/** Records `scopes` of `resource` (undefined: the OpenID scopes) as granted, or rejected when declined. */
function consent(
  grant: Grant,
  resource: string | undefined,
  scopes: Set<string>,
  declined: Set<string>,
): void {
  const granted = [...scopes].filter((s) => s === 'openid' || !declined.has(s));
  const rejected = [...scopes].filter((s) => s !== 'openid' && declined.has(s));
  unreject(grant, resource, granted);
  if (granted.length) {
    if (resource === undefined) grant.addOIDCScope(granted.join(' '));
    else grant.addResourceScope(resource, granted.join(' '));
  }
  if (rejected.length) {
    if (resource === undefined) grant.rejectOIDCScope(rejected.join(' '));
    else grant.rejectResourceScope(resource, rejected.join(' '));
  }
}

/** Removes `scopes` from what the grant records as rejected (the user now consents to them). */
function unreject(grant: Grant, resource: string | undefined, scopes: Iterable<string>): void {
  const rejected = grant.rejected;
  if (!rejected) return;
  const remove = (list: string | undefined) => {
    const drop = new Set(scopes);
    return splitScope(list)
      .filter((s) => !drop.has(s))
      .join(' ');
  };
  if (resource !== undefined) {
    if (rejected.resources?.[resource]) rejected.resources[resource] = remove(rejected.resources[resource]);
  } else if (rejected.openid?.scope) {
    rejected.openid.scope = remove(rejected.openid.scope);
  }
}
