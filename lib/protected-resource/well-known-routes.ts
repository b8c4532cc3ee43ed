import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuthorizationServerRegistry } from '../discovery/authorization-server-registry.js';
import type { ResolvedMcpAuthOptions } from '../options/resolve-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../core/tokens.js';
import { buildProtectedResourceMetadata } from './protected-resource-metadata.js';

const PRM_ROOT = '/.well-known/oauth-protected-resource';
const AS_METADATA = '/.well-known/oauth-authorization-server';

type Next = (error?: unknown) => void;

/**
 * Serves the well-known documents at the origin root — even under `app.setGlobalPrefix()` — by registering a
 * plain handler on the HTTP adapter during `onModuleInit`, after Nest registered the app's routes and before its
 * 404 handler:
 * - `GET /.well-known/oauth-protected-resource{/path}` for every resource (R1–R5), and the root document when
 *   one resource is configured (R4); any other path below it → 404;
 * - optionally `GET /.well-known/oauth-authorization-server`: the first authorization server's metadata,
 *   unchanged (R31).
 * CORS allows any origin on `GET`/`OPTIONS` (R6).
 */
@Injectable()
export class WellKnownRoutes implements OnModuleInit {
  private readonly logger = new Logger('McpAuthModule');
  private readonly documents = new Map<string, string>();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly registry: AuthorizationServerRegistry,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    for (const resource of options.resources) {
      this.documents.set(resource.metadataPath, JSON.stringify(buildProtectedResourceMetadata(resource)));
    }
    if (options.resources.length === 1 && !this.documents.has(PRM_ROOT)) {
      this.documents.set(PRM_ROOT, this.documents.get(options.resources[0].metadataPath)!);
    }
  }

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter) return; // an application context without HTTP: nothing to serve
    const instance = adapter.getInstance?.();
    if (!instance || typeof instance.use !== 'function') {
      this.logger.warn('The HTTP adapter does not accept middleware: well-known routes are not served');
      return;
    }
    instance.use((req: IncomingMessage, res: ServerResponse, next: Next) => {
      void this.handle(req, res, next);
    });
  }

  /** @internal */
  async handle(req: IncomingMessage, res: ServerResponse, next: Next): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    const isPrm = path === PRM_ROOT || path.startsWith(`${PRM_ROOT}/`);
    const isAs = this.options.legacyAuthorizationServerMetadata && path === AS_METADATA;
    if (!isPrm && !isAs) return next();

    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
      res.setHeader('Access-Control-Max-Age', '86400');
      res.statusCode = 204;
      return void res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      return this.json(req, res, 405, JSON.stringify({ error: 'method_not_allowed' }));
    }
    if (isAs) return this.serveAuthorizationServerMetadata(req, res);
    const doc = this.documents.get(path);
    if (!doc) return this.json(req, res, 404, JSON.stringify({ error: 'not_found' }));
    res.setHeader('Cache-Control', 'public, max-age=3600');
    this.json(req, res, 200, doc);
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
