import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { send } from './http-answer.js';
import type { OidcProviderModule } from './load-oidc-provider.js';
import { splitScope } from './oauth-params.js';

/** Extra client metadata member whose validator runs the registration scope policy. */
const REGISTRATION_HOOK = 'x_test_provider';

/**
 * Dynamic registration: oidc-provider makes a registered `scope` the client's allow-list for every later
 * authorization, so a client registered with the scopes of its first challenge could never step up. A
 * development provider checks the scopes are known, then registers the client without an allow-list.
 */
export function registrationScopePolicy(
  supportedScopes: ReadonlySet<string>,
  errors: OidcProviderModule['errors'],
): Configuration['extraClientMetadata'] {
  return {
    properties: [REGISTRATION_HOOK],
    validator: (
      ctx: KoaContextWithOIDC | undefined,
      key: string,
      _value: unknown,
      metadata: Record<string, any>,
    ) => {
      if (key !== REGISTRATION_HOOK || ctx?.oidc?.route !== 'registration') return;
      if (typeof metadata.scope === 'string') {
        if (splitScope(metadata.scope).some((s) => !supportedScopes.has(s))) {
          throw new errors.InvalidClientMetadata(
            'scope must only contain Authorization Server supported scope values',
          );
        }
        delete metadata.scope;
      }
    },
  };
}

/**
 * CORS for dynamic registration, which oidc-provider leaves without it: a preflight from an allowed origin → 204,
 * from any other → 403; a registration from an allowed origin carries `Access-Control-Allow-Origin`. True when
 * the request was answered here.
 */
export function answerRegistrationCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: ReadonlySet<string>,
): boolean {
  const origin = req.headers.origin!;
  res.setHeader('vary', 'Origin');
  if (!allowed.has(origin)) {
    if (req.method !== 'OPTIONS') return false;
    send(res, 403, 'origin not allowed');
    return true;
  }
  res.setHeader('access-control-allow-origin', origin);
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('access-control-allow-methods', 'POST');
  res.setHeader(
    'access-control-allow-headers',
    req.headers['access-control-request-headers'] ?? 'Content-Type',
  );
  res.setHeader('access-control-max-age', '3600');
  res.statusCode = 204;
  res.end();
  return true;
}
