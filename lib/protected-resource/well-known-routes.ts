import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpExchange } from '../core/http-exchange.js';
import { AuthorizationServerRegistry } from '../discovery/authorization-server-registry.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../core/tokens.js';
import { buildProtectedResourceMetadata } from './protected-resource-metadata.js';

const PRM_ROOT = '/.well-known/oauth-protected-resource';
const AS_METADATA = '/.well-known/oauth-authorization-server';
/** What both paths start with: every other request (all of the app's own) is let through after one comparison. */
const WELL_KNOWN_OAUTH = '/.well-known/oauth-';

/**
 * Serves the well-known documents at the origin root — even under `app.setGlobalPrefix()` — with a plain handler
 * registered on the HTTP adapter during `onModuleInit`, after Nest registered the app's routes and before its 404
 * handler (Express: a middleware of the app; Fastify: an `onRequest` hook of the root instance), the same on both:
 * - `GET /.well-known/oauth-protected-resource{/path}` for every resource (RFC 9728 §3), and the root document
 *   when one resource is configured (MCP 2025-11-25 clients try it second); any other path below it → 404;
 * - optionally `GET /.well-known/oauth-authorization-server`: the first authorization server's metadata,
 *   unchanged (for MCP 2025-03-26 clients, which look for it on the MCP server's origin).
 * CORS allows any origin on `GET`/`OPTIONS` (browser-based clients fetch these documents cross-origin).
 */
@Injectable()
export class WellKnownRoutes implements OnModuleInit {
  private readonly logger = new Logger('McpAuthModule');
  private readonly documents = new Map<string, string>();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly registry: AuthorizationServerRegistry,
    private readonly http: HttpExchange,
  ) {
    for (const resource of options.resources) {
      this.documents.set(resource.metadataPath, JSON.stringify(buildProtectedResourceMetadata(resource)));
    }
    if (options.resources.length === 1 && !this.documents.has(PRM_ROOT)) {
      this.documents.set(PRM_ROOT, this.documents.get(options.resources[0].metadataPath)!);
    }
  }

  onModuleInit(): void {
    // An application context without HTTP: nothing to serve.
    this.http.mountAtRoot((req, res) => this.handle(req, res));
  }

  /** @internal Answers a request for one of the documents and returns `true`; `false` for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (!url.startsWith(WELL_KNOWN_OAUTH)) return false;
    const path = url.split('?', 1)[0];
    const isPrm = path === PRM_ROOT || path.startsWith(`${PRM_ROOT}/`);
    const isAs = this.options.legacyAuthorizationServerMetadata && path === AS_METADATA;
    if (!isPrm && !isAs) return false;
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
      res.setHeader('Access-Control-Max-Age', '86400');
      res.statusCode = 204;
      res.end();
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      this.json(req, res, 405, JSON.stringify({ error: 'method_not_allowed' }));
    } else if (isAs) {
      void this.serveAuthorizationServerMetadata(req, res);
    } else {
      const doc = this.documents.get(path);
      if (doc) res.setHeader('Cache-Control', 'public, max-age=3600');
      this.json(req, res, doc ? 200 : 404, doc ?? JSON.stringify({ error: 'not_found' }));
    }
    return true;
  }

  private async serveAuthorizationServerMetadata(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const issuer = this.options.resources[0].issuers[0];
    try {
      const metadata = this.registry.peek(issuer) ?? (await this.registry.get(issuer));
      res.setHeader('Cache-Control', 'public, max-age=3600');
      this.json(req, res, 200, JSON.stringify(metadata));
    } catch (error) {
      this.logger.warn(
        `Authorization server metadata of ${issuer} is unavailable: ${(error as Error).message}`,
      );
      res.setHeader('Retry-After', String(this.options.retryAfter));
      this.json(req, res, 503, JSON.stringify({ error: 'temporarily_unavailable' }));
    }
  }

  private json(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
