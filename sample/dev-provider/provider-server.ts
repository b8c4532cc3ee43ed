import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { send } from './http-answer.js';

/** What answers a request once it is counted (and the provider is up). */
export type Routes = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** Marks the requests the provider makes to itself (the RFC 8414 document is its OpenID one). */
const INTERNAL_HEADER = 'x-test-provider-internal';

/**
 * The provider's HTTP server on 127.0.0.1. It listens before the provider exists (the issuer needs the port) and
 * answers 503 until `serve` is called; then it counts every request per pathname and, while `setDown(true)`,
 * answers them 503 (outage simulation) — except the provider's requests to itself.
 */
export class ProviderServer {
  private readonly server: Server = createServer((req, res) => this.receive(req, res));
  private readonly counts = new Map<string, number>();
  private readonly internalSecret = randomBytes(16).toString('hex');
  private routes: Routes | undefined;
  private down = false;
  private closing: Promise<void> | undefined;
  /** `http://127.0.0.1:PORT`, once listening. */
  origin = '';

  /** Listens on 127.0.0.1 (`port` 0: a free one); resolves to the origin. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  serve(routes: Routes): void {
    this.routes = routes;
  }

  /** Headers of a request the provider sends to itself: neither counted nor refused while down. */
  internalHeaders(): Record<string, string> {
    return { [INTERNAL_HEADER]: this.internalSecret };
  }

  /** HTTP requests seen for a pathname, including those answered 503. */
  requestCount(pathname: string): number {
    return this.counts.get(pathname) ?? 0;
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  /** Stops serving and closes all sockets. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    if (!this.routes) return send(res, 503, 'starting');
    const url = new URL(req.url ?? '/', this.origin);
    if (req.headers[INTERNAL_HEADER] !== this.internalSecret) {
      this.counts.set(url.pathname, (this.counts.get(url.pathname) ?? 0) + 1);
      if (this.down) {
        res.setHeader('retry-after', '1');
        return send(res, 503, JSON.stringify({ error: 'temporarily_unavailable' }), 'application/json');
      }
    }
    this.routes(req, res, url);
  }
}
