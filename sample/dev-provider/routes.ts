import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { answerClientJwks } from './clients.js';
import { send } from './http-answer.js';
import { interactionHandler } from './interaction.js';
import type { ProviderServer, Routes } from './provider-server.js';
import { answerRegistrationCors } from './registration.js';
import type { ProviderSettings } from './settings.js';

/**
 * Who answers what: the clients' JWKS, the RFC 8414 document and the login/consent interactions are answered here;
 * everything else below the issuer path goes to oidc-provider (registration with CORS for the allowed origins).
 */
export function providerRoutes(
  provider: Provider,
  settings: ProviderSettings,
  server: ProviderServer,
  issuer: string,
): Routes {
  const callback = provider.callback();
  const interaction = interactionHandler(provider, settings);
  const oauthMetadata = oauthMetadataHandler(issuer, () => server.internalHeaders());
  return (req, res, url) => {
    const fail = (error: unknown) => {
      console.error('[test oidc-provider]', error);
      send(res, 500, 'internal error');
    };
    if (answerClientJwks(res, url, settings.clients)) return;
    if (url.pathname === settings.paths.oauthMetadata) return void oauthMetadata(req, res).catch(fail);
    if (url.pathname.startsWith(settings.paths.interaction))
      return void interaction(req, res, url).catch(fail);
    if (settings.issuerPath && !mountUnder(settings.issuerPath, req, url)) return send(res, 404, 'not found');
    if (url.pathname === settings.paths.registration && req.headers.origin !== undefined) {
      if (answerRegistrationCors(req, res, settings.browserOrigins)) return;
    }
    callback(req, res).catch(fail);
  };
}

/**
 * Mounts oidc-provider under the issuer path, as express' `app.use(path, …)` does: oidc-provider derives its mount
 * path from `originalUrl` minus `url`. False when the request is not below the issuer path.
 */
function mountUnder(issuerPath: string, req: IncomingMessage, url: URL): boolean {
  if (url.pathname !== issuerPath && !url.pathname.startsWith(`${issuerPath}/`)) return false;
  const mounted = req as IncomingMessage & { originalUrl?: string; baseUrl?: string };
  mounted.originalUrl = req.url;
  mounted.baseUrl = issuerPath;
  req.url = (req.url ?? '/').slice(issuerPath.length) || '/';
  if (req.url.startsWith('?')) req.url = `/${req.url}`;
  return true;
}

/**
 * RFC 8414 metadata beside the OpenID discovery document (oidc-provider serves only the latter): the same document
 * at `/.well-known/oauth-authorization-server{issuer path}`, readable from any origin. `internalHeaders` mark the
 * provider's request to itself.
 */
function oauthMetadataHandler(issuer: string, internalHeaders: () => Record<string, string>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('access-control-allow-methods', 'GET');
      const requested = req.headers['access-control-request-headers'];
      if (requested) res.setHeader('access-control-allow-headers', requested);
      res.setHeader('access-control-max-age', '3600');
      return void res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    const upstream = await fetch(`${issuer}/.well-known/openid-configuration`, {
      headers: internalHeaders(),
    });
    const type = upstream.headers.get('content-type') ?? 'application/json';
    send(res, upstream.status, await upstream.text(), type);
  };
}
