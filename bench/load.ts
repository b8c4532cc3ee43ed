import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AllocationTotals } from './allocation.js';

/** What one load round sends. */
export interface LoadSpec {
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The same token on every request. */
  token?: string;
  /** Never-seen tokens: each request takes the next one; the round fails if they run out. */
  tokens?: readonly string[];
  connections: number;
  /** Seconds (ignored when `amount` is set). */
  duration?: number;
  /** Requests to complete. */
  amount?: number;
}

export interface LoadResult {
  /** Completed 2xx requests. */
  requests: number;
  /** Requests per second over the round. */
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  failures: number;
  /** Tokens taken from `tokens` (never-seen mode). */
  tokensUsed: number;
}

/** Runs one autocannon round (pipelining 1) from this process. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.token) headers.authorization = `Bearer ${spec.token}`;
  let next = 0;
  let exhausted = false;
  let last = 0;
  const tokens = spec.tokens;
  // autocannon only notices the end of an `amount` round at its next sampling tick: time the last response instead.
  const onResponse = () => {
    last = performance.now();
  };
  const setupRequest = (request: { headers?: Record<string, string> }) => {
    if (next >= tokens!.length) exhausted = true;
    const token = tokens![Math.min(next++, tokens!.length - 1)];
    request.headers = { ...request.headers, authorization: `Bearer ${token}` };
    return request;
  };
  const started = performance.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${spec.port}${spec.path}`, // autocannon takes the path from the URL
    method: spec.method,
    headers,
    body: spec.body,
    connections: spec.connections,
    pipelining: 1,
    timeout: 30,
    sampleInt: 100,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration ?? 3 }),
    requests: [tokens ? { setupRequest, onResponse } : { onResponse }],
  });
  const seconds = (last - started) / 1000;
  if (exhausted) throw new Error(`never-seen round ran out of tokens (${tokens!.length})`);
  const ok = result['2xx'];
  return {
    requests: ok,
    rps: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    tokensUsed: next,
  };
}

/** A round measured on both sides: the load result and the server's CPU µs per completed request. */
export interface MeasuredRound extends LoadResult {
  cpu: number;
  /** V8 heap bytes the server allocated per completed request. */
  bytes: number;
  /** Young-generation and full collections in the server per 1 000 completed requests. */
  minorGcs: number;
  majorGcs: number;
}

/** Runs `spec` against a server child, reading its CPU time (inside it, every thread) before and after. */
export async function measureRound(
  server: { cpu(): Promise<{ micros: number; allocation?: AllocationTotals }> },
  spec: LoadSpec,
): Promise<MeasuredRound> {
  const before = await server.cpu();
  const result = await load(spec);
  await sleep(50); // let the last in-flight requests finish
  const after = await server.cpu();
  const per = (a: number, b: number) => (a - b) / Math.max(1, result.requests);
  return {
    ...result,
    cpu: per(after.micros, before.micros),
    // NaN when the server does not count its allocation.
    bytes: per(after.allocation?.bytes ?? NaN, before.allocation?.bytes ?? NaN),
    minorGcs: 1000 * per(after.allocation?.minorGcs ?? NaN, before.allocation?.minorGcs ?? NaN),
    majorGcs: 1000 * per(after.allocation?.majorGcs ?? NaN, before.allocation?.majorGcs ?? NaN),
  };
}
