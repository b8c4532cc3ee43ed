import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Route } from './issuer-layout.js';
import { invalidUse } from './signing-keys.js';

/** What the server serves at the `metadata` and `jwks` routes, read at each request. */
export interface IssuerDocuments {
  metadata(): string;
  jwks(): unknown;
}

const CORS = { 'Access-Control-Allow-Origin': '*' };

/**
 * The local issuer's HTTP server on 127.0.0.1: serves its routes, counts requests per pathname, and simulates an
 * outage (`setDown`) or a slow provider (`setDelay`).
 */
export class IssuerHttpServer {
  private readonly server: Server;
  private readonly counts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private down = false;
  private delay = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly routes: ReadonlyMap<string, Route>,
    private readonly documents: IssuerDocuments,
  ) {
    this.server = createServer((req, res) => this.receive(req, res));
    // Idle keep-alive sockets are closed by the client (fetch: after 4 s), never by the server first: a server
    // closing one (Node's default: after 5 s) while a busy client reuses it makes that request fail with ECONNRESET.
    this.server.keepAliveTimeout = 60_000;
  }

  /** Listens on 127.0.0.1 (`port` 0 or omitted: a free port); resolves to the origin, `http://127.0.0.1:PORT`. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops the server: destroys open sockets, drops delayed answers. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    }));
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  setDelay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw invalidUse('ms', `setDelay expects milliseconds ≥ 0 (got ${ms}).`);
    this.delay = ms;
  }

  /** Requests received for a pathname (or the pathname of an absolute URL), whatever their answer. */
  requestCount(pathname: string): number {
    const path = URL.canParse(pathname) ? new URL(pathname).pathname : pathname;
    return this.counts.get(path) ?? 0;
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    this.counts.set(pathname, (this.counts.get(pathname) ?? 0) + 1);
    if (this.delay <= 0) return this.answer(req, res, pathname);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.answer(req, res, pathname);
    }, this.delay);
    this.timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (this.down) {
      return send(req, res, 503, {
        error: 'temporarily_unavailable',
        error_description: 'The local issuer is down (setDown).',
      });
    }
    const route = this.routes.get(pathname);
    if (route === undefined) {
      return send(req, res, 404, {
        error: 'not_found',
        error_description: `Nothing is served at ${pathname}.`,
      });
    }
    if (route === 'endpoint') {
      return send(req, res, 501, {
        error: 'unsupported',
        error_description:
          'The local issuer of nest-mcp-auth/testing serves only discovery and JWKS; it does not run OAuth flows.',
      });
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const error = { error: 'method_not_allowed', error_description: `${req.method} is not allowed.` };
      return send(req, res, 405, error, { Allow: 'GET, HEAD, OPTIONS' });
    }
    send(req, res, 200, route === 'jwks' ? this.documents.jwks() : this.documents.metadata(), CORS);
  }
}

/** A JSON answer (a string body is sent as is), never cached; no body for `HEAD`; nothing once the socket is gone. */
function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
