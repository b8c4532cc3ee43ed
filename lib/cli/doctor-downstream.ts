/**
 * `doctor`: what a provider offers `DownstreamTokens` — the grants it advertises (`grant_types_supported`) and how
 * clients may authenticate at its token endpoint. Informational (status `ok`): downstream calls are optional.
 */
import { downstreamSupport } from '../downstream/provider-support.js';

/** One informational line of the report (a `DoctorCheck`). */
export interface DownstreamCheck {
  status: 'ok';
  title: string;
  detail: string;
  hint?: string;
}

const GRANT_NAMES = {
  'token-exchange': 'RFC 8693 token exchange',
  'on-behalf-of': 'on-behalf-of (jwt-bearer)',
  'client-credentials': 'client credentials',
} as const;

/** Two checks: the downstream grants, and the token endpoint client authentication methods. */
export function downstreamChecks(document: Record<string, unknown>): DownstreamCheck[] {
  const checks: DownstreamCheck[] = [];
  const { grants, authMethods, tokenEndpoint } = downstreamSupport(document);
  const advertised = grants.filter((g) => g.listed).map((g) => `${GRANT_NAMES[g.grant]} (${g.grantType})`);
  const missing = grants.filter((g) => g.listed === false).map((g) => GRANT_NAMES[g.grant]);
  const listed = grants[0].listed !== undefined;
  checks.push({
    status: 'ok',
    title: 'Downstream grants',
    detail: !listed
      ? 'grant_types_supported is not published: which downstream grants work cannot be told from metadata'
      : `advertised: ${advertised.join(', ') || 'none'}${missing.length > 0 ? `; not advertised: ${missing.join(', ')}` : ''}`,
    hint:
      "Only for DownstreamTokens (the module's downstream option): enable the grant your targets use for this " +
      "server's client at the provider (Entra ID accepts on-behalf-of without advertising it). Never forward the " +
      "caller's token instead.",
  });
  const methods = authMethods.filter((m) => m.listed).map((m) => m.method);
  checks.push({
    status: 'ok',
    title: 'Token endpoint client authentication',
    detail:
      tokenEndpoint === undefined
        ? 'no token_endpoint'
        : `${tokenEndpoint}: ${methods.join(', ') || 'none of client_secret_basic, client_secret_post, private_key_jwt'}` +
          (Array.isArray(document.token_endpoint_auth_methods_supported)
            ? ''
            : ' (not published: RFC 8414 default)'),
  });
  return checks;
}
