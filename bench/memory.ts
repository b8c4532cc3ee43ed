import 'reflect-metadata';
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_AUTH_TOKEN_VERIFIER,
  McpAuthenticator,
  McpAuthModule,
  type ResolvedMcpAuthOptions,
} from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { SCOPE } from './common.js';
import { TOKEN_LIFETIME } from './tokens.js';

/** The result of the memory scenario (also the last line of stdout, as JSON). */
export interface MemoryResult {
  tokens: number;
  alg: string;
  seconds: number;
  maxEntries: number;
  /** heapUsed after a full GC, in bytes, at each checkpoint (tokens verified so far). */
  checkpoints: Array<{ tokens: number; heapUsed: number; cacheSize: number }>;
  /** heapUsed after GC with an empty cache (app booted, one token verified). */
  baseline: number;
  /** Largest heapUsed after GC over every checkpoint. */
  maxHeapUsed: number;
  /** (heap with a full cache − baseline) / maxEntries. */
  bytesPerEntry: number;
  /** The documented bound: baseline + maxEntries × ENTRY_BOUND. */
  bound: number;
  /** Tokens refused (must be 0). */
  failures: number;
}

/** Documented per-entry budget of the verified-token cache (see bench/README.md). */
export const ENTRY_BOUND = 4 * 1024;
const MAX_ENTRIES = 10_000; // the default tokenCache.maxEntries
const RESOURCE = 'http://127.0.0.1/api';
const ALG = 'ES256';

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** What the minting worker needs: the key and the claims that do not change. */
interface MinterData {
  pem: string;
  kid: string;
  issuer: string;
  session: string;
}

/**
 * Mints tokens `from`…`from + count - 1` with node:crypto (~40 µs each, against ~150 µs through jose/WebCrypto),
 * claims as `LocalIssuer.mint` writes them.
 */
function minter({ pem, kid, issuer, session }: MinterData): (from: number, count: number) => string[] {
  const header = b64({ alg: ALG, kid, typ: 'at+jwt' });
  const key = { key: createPrivateKey(pem), dsaEncoding: 'ieee-p1363' as const };
  return (from, count) => {
    const now = Math.floor(Date.now() / 1000);
    return Array.from({ length: count }, (_, i) => {
      const payload = b64({
        iss: issuer,
        sub: `user-${from + i}`,
        aud: RESOURCE,
        client_id: 'test-client',
        iat: now,
        exp: now + TOKEN_LIFETIME,
        jti: `${session}-${from + i}`,
        scope: SCOPE,
      });
      const input = `${header}.${payload}`;
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    });
  };
}

/**
 * A fast source of a million valid tokens: the local issuer's identity and discovery document, whose `jwks_uri`
 * points (the issuer's documented `metadata` hook) at a JWKS holding a P-256 key of ours; a worker thread signs
 * batches of tokens with it while the main thread verifies the previous batch.
 */
async function fastIssuer(): Promise<{
  issuer: LocalIssuer;
  mint: (from: number, count: number) => Promise<string[]>;
  close: () => Promise<void>;
}> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'bench-memory-key';
  const body = JSON.stringify({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: ALG, use: 'sig' }],
  });
  const jwks = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  const issuer = await startLocalIssuer({
    audience: RESOURCE,
    algorithms: [ALG],
    metadata: (document) => ({ ...document, jwks_uri: jwksUri }),
  });
  const data: MinterData = {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    kid,
    issuer: issuer.issuer,
    session: randomUUID(),
  };
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const waiting: Array<(tokens: string[]) => void> = [];
  worker.on('message', (tokens: string[]) => waiting.shift()?.(tokens));
  return {
    issuer,
    mint: (from, count) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        worker.postMessage({ from, count });
      }),
    close: async () => {
      await worker.terminate();
      await issuer.close();
      await new Promise((resolve) => jwks.close(resolve));
    },
  };
}

/**
 * Memory under a stream of distinct valid tokens: each token goes through the module's McpAuthenticator (bearer
 * extraction, JwtTokenVerifier with its default cache, scope check, publication on the request) as McpAuthGuard does, without
 * HTTP — twice, as a session's first two requests: the default cache admits a token at its second use, so every
 * token is cached and the cache's bound is what is measured. heapUsed is read after a full GC at checkpoints.
 * Standalone: node --expose-gc dist-scripts/bench/memory.js [tokens=1000000]
 */
export async function runMemory(total: number, log: (line: string) => void): Promise<MemoryResult> {
  const { issuer, mint, close } = await fastIssuer();
  @Module({
    imports: [
      McpAuthModule.forRoot({
        resource: RESOURCE,
        authorizationServers: [issuer.authorizationServer],
        algorithms: [ALG],
      }),
    ],
  })
  class MemoryModule {}
  const app = await NestFactory.createApplicationContext(MemoryModule, { logger: ['error'] });
  const authenticator = app.get(McpAuthenticator);
  const resource = app.get<ResolvedMcpAuthOptions>(MCP_AUTH_RESOLVED_OPTIONS).resources[0];
  const verifier = app.get<object>(MCP_AUTH_TOKEN_VERIFIER);
  // Diagnostics only: the number of cached tokens (a private member of the verifier).
  const cacheSize = () =>
    [...(verifier as { caches: Map<unknown, { size: number }> }).caches.values()].reduce(
      (n, c) => n + c.size,
      0,
    );

  let failures = 0;
  const check = async (token: string) => {
    const req = { headers: { authorization: `Bearer ${token}` } } as never;
    try {
      await authenticator.authenticate(req, resource, [SCOPE]);
    } catch {
      failures++;
    }
  };

  await check((await mint(-1, 1))[0]); // discovery and JWKS fetched, code warm
  const baseline = heapAfterGc();
  const checkpoints: MemoryResult['checkpoints'] = [
    { tokens: 0, heapUsed: baseline, cacheSize: cacheSize() },
  ];
  const marks = [MAX_ENTRIES, 2 * MAX_ENTRIES, ...[0.1, 0.25, 0.5, 0.75, 1].map((f) => Math.round(total * f))]
    .filter((m) => m > 0 && m <= total)
    .sort((a, b) => a - b);
  // Batches of up to 1 000 tokens, ending on every checkpoint.
  const batches: Array<[number, number]> = [];
  for (let from = 0; from < total;) {
    const count = Math.min(1_000, marks.find((m) => m > from)! - from);
    batches.push([from, count]);
    from += count;
  }
  const started = performance.now();
  let next = batches.length > 0 ? mint(...batches[0]) : undefined;
  for (let b = 0; b < batches.length; b++) {
    const tokens = await next!;
    next = b + 1 < batches.length ? mint(...batches[b + 1]) : undefined; // the worker signs ahead
    for (let i = 0; i < tokens.length; i += 128) {
      // Concurrent: WebCrypto uses the thread pool. Each token twice: its second use enters the cache.
      await Promise.all(tokens.slice(i, i + 128).map((token) => check(token).then(() => check(token))));
    }
    const done = batches[b][0] + batches[b][1];
    if (marks.includes(done)) {
      const heapUsed = heapAfterGc();
      checkpoints.push({ tokens: done, heapUsed, cacheSize: cacheSize() });
      log(
        `  memory: ${done.toLocaleString('en-US')} tokens, heapUsed ${(heapUsed / 2 ** 20).toFixed(1)} MiB after GC, ` +
          `cache ${cacheSize()} entries, ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  await close();
  const full = checkpoints.find((c) => c.tokens >= MAX_ENTRIES) ?? checkpoints[checkpoints.length - 1];
  return {
    tokens: total,
    alg: ALG,
    seconds,
    maxEntries: MAX_ENTRIES,
    checkpoints,
    baseline,
    maxHeapUsed: Math.max(...checkpoints.map((c) => c.heapUsed)),
    bytesPerEntry: (full.heapUsed - baseline) / Math.min(MAX_ENTRIES, full.tokens || 1),
    bound: baseline + MAX_ENTRIES * ENTRY_BOUND,
    failures,
  };
}

if (!isMainThread) {
  // The minting worker.
  const mintBatch = minter(workerData as MinterData);
  parentPort!.on('message', ({ from, count }: { from: number; count: number }) =>
    parentPort!.postMessage(mintBatch(from, count)),
  );
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const total = Number(process.argv[2] ?? 1_000_000);
  runMemory(total, (line) => console.error(line))
    .then((result) => {
      console.log(JSON.stringify(result));
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
