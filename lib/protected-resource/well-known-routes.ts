import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpExchange } from '../core/http-exchange.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';
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
 *   while the app protects one resource in all (MCP 2025-11-25 clients try it second); any other path below it →
 *   404;
 * - optionally `GET /.well-known/oauth-authorization-server`: the first authorization server's metadata,
 *   unchanged (for MCP 2025-03-26 clients, which look for it on the MCP server's origin).
 * CORS allows any origin on `GET`/`OPTIONS` (browser-based clients fetch these documents cross-origin).
 *
 * An app may import several McpAuthModules (`isGlobal: false`, each in its own feature module): one handler per
 * HTTP server serves the documents of all of them ({@link WellKnownSite}), so that a path one module does not know
 * still reaches the module that serves it. Two modules that would serve different documents at one path fail the
 * boot.
 */
@Injectable()
export class WellKnownRoutes implements OnModuleInit {
  private readonly logger = new Logger('McpAuthModule');
  /** This module's documents, by path: one per resource (RFC 9728 §3). */
  readonly documents = new Map<string, string>();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly registry: AuthorizationServerRegistry,
    private readonly http: HttpExchange,
  ) {
    for (const resource of options.resources) {
      this.documents.set(resource.metadataPath, JSON.stringify(buildProtectedResourceMetadata(resource)));
    }
  }

  onModuleInit(): void {
    // An application context without HTTP: nothing to serve.
    const server = this.http.server();
    if (server === undefined) return;
    let site = sites.get(server);
    if (!site) {
      const created = (site = new WellKnownSite());
      sites.set(server, created);
      this.http.mountAtRoot((req, res) => created.handle(req, res));
    }
    site.add(this);
  }

  /** @internal Whether this module serves the authorization server's metadata at `path`. */
  servesAuthorizationServerMetadata(path: string): boolean {
    return this.options.legacyAuthorizationServerMetadata && path === AS_METADATA;
  }

  /** @internal Answers `GET /.well-known/oauth-authorization-server`: the first authorization server's metadata. */
  async serveAuthorizationServerMetadata(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const issuer = this.options.resources[0].issuers[0];
    try {
      const metadata = this.registry.peek(issuer) ?? (await this.registry.get(issuer));
      res.setHeader('Cache-Control', 'public, max-age=3600');
      json(req, res, 200, JSON.stringify(metadata));
    } catch (error) {
      this.logger.warn(
        `Authorization server metadata of ${issuer} is unavailable: ${(error as Error).message}`,
      );
      res.setHeader('Retry-After', String(this.options.retryAfter));
      json(req, res, 503, JSON.stringify({ error: 'temporarily_unavailable' }));
    }
  }
}

/** The well-known documents of every McpAuthModule of one app, by the HTTP adapter's instance. */
const sites = new WeakMap<object, WellKnownSite>();

/**
 * What one HTTP server serves under `/.well-known/oauth-`: the documents of all its McpAuthModules, and the root
 * document when all of them together protect exactly one resource.
 */
class WellKnownSite {
  private readonly modules: WellKnownRoutes[] = [];
  private readonly documents = new Map<string, string>();
  /** The root document when it is another path's (one resource in all), else `undefined`. */
  private root?: string;

  /** Adds a module's documents; throws when one would differ from another module's at the same path. */
  add(module: WellKnownRoutes): void {
    for (const [path, doc] of module.documents) {
      const served = this.documents.get(path);
      if (served !== undefined && served !== doc) {
        throw new McpAuthConfigError(
          'ERR_INVALID_OPTIONS',
          `Two McpAuthModules of this app serve different protected resource metadata at ${path}: configure ` +
            `that resource once, or give each module its own resource identifier`,
          { option: 'resource' },
        );
      }
      this.documents.set(path, doc);
    }
    this.modules.push(module);
    this.root = this.documents.size === 1 ? [...this.documents.values()][0] : undefined;
  }

  /** Answers a request for one of the documents and returns `true`; `false` for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (!url.startsWith(WELL_KNOWN_OAUTH)) return false;
    const path = url.split('?', 1)[0];
    const isPrm = path === PRM_ROOT || path.startsWith(`${PRM_ROOT}/`);
    const legacy = isPrm ? undefined : this.modules.find((m) => m.servesAuthorizationServerMetadata(path));
    if (!isPrm && !legacy) return false;
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
      res.setHeader('Access-Control-Max-Age', '86400');
      res.statusCode = 204;
      res.end();
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      json(req, res, 405, JSON.stringify({ error: 'method_not_allowed' }));
    } else if (legacy) {
      void legacy.serveAuthorizationServerMetadata(req, res);
    } else {
      const doc = this.documents.get(path) ?? (path === PRM_ROOT ? this.root : undefined);
      if (doc) res.setHeader('Cache-Control', 'public, max-age=3600');
      json(req, res, doc ? 200 : 404, doc ?? JSON.stringify({ error: 'not_found' }));
    }
    return true;
  }
}

function json(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}
