import { Agent, request } from 'node:http';
import { startLocalIssuer } from '../lib/testing/index.js';
import { ROUTE, type Alg } from './common.js';
import { startServer } from './processes.js';
import { mintMany } from './tokens.js';

export interface LazyDiscoveryResult {
  requests: number;
  ok: number;
  /** Metadata requests the issuer received (both well-known paths), at boot and after the burst. */
  discoveryAtBoot: number;
  discovery: number;
  jwksAtBoot: number;
  jwks: number;
}

/**
 * 1 000 concurrent first requests after boot with `discovery: 'lazy'`: a fresh issuer (fresh counters), a fresh
 * McpAuthGuard server, every request with its own token, all sockets opened at once. Expected: 1 discovery fetch
 * and 1 JWKS fetch.
 */
export async function runLazyDiscovery(
  resource: string,
  count: number,
  cpus: string | undefined,
): Promise<LazyDiscoveryResult> {
  const alg: Alg = 'RS256';
  const issuer = await startLocalIssuer({ audience: resource, algorithms: [alg] });
  const metadataCount = () =>
    issuer.requestCount('/.well-known/openid-configuration') +
    issuer.requestCount('/.well-known/oauth-authorization-server');
  const tokens = await mintMany(issuer, alg, count);
  const server = await startServer(
    'mcp-auth',
    { resource, issuer: issuer.issuer, jwksUri: issuer.jwksUri, algorithms: [alg], lazyDiscovery: true },
    { cpus },
  );
  const discoveryAtBoot = metadataCount();
  const jwksAtBoot = issuer.requestCount(issuer.jwksUri);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const statuses = await Promise.all(
    tokens.map(
      (token) =>
        new Promise<number>((resolve) => {
          const req = request(
            {
              host: '127.0.0.1',
              port: server.port,
              path: ROUTE,
              agent,
              headers: { authorization: `Bearer ${token}` },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', () => resolve(0));
          req.end();
        }),
    ),
  );
  agent.destroy();
  const result: LazyDiscoveryResult = {
    requests: count,
    ok: statuses.filter((s) => s === 200).length,
    discoveryAtBoot,
    discovery: metadataCount(),
    jwksAtBoot,
    jwks: issuer.requestCount(issuer.jwksUri),
  };
  await server.stop();
  await issuer.close();
  return result;
}
