import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started round-robin proxy. */
export interface RoundRobinProxy {
  readonly port: number;
  /** The upstream port each request was sent to, in order. */
  readonly routed: readonly number[];
  close(): Promise<void>;
}

/**
 * A reverse proxy with no affinity at all: every HTTP request goes to the next upstream in turn (1, 2, 1, 2, …),
 * whatever its connection, cookies or `Mcp-Session-Id` — the worst load balancer a stateless MCP server must
 * survive. Request and response bodies are streamed (SSE answers included); the `Host` header is kept.
 */
export async function startRoundRobinProxy(
  port: number,
  upstreams: readonly number[],
): Promise<RoundRobinProxy> {
  const routed: number[] = [];
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = upstreams[routed.length % upstreams.length];
    routed.push(upstream);
    const out = request(
      { host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  };
  const server: Server = createServer(forward);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
