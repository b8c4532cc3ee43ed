import { fileURLToPath } from 'node:url';
import { startLocalIssuer } from '../lib/testing/index.js';
import { SAME_PROCESS_ROUTES, type Alg, type ServerConfig, type StackName } from './common.js';
import { load, measureRound, type MeasuredRound } from './load.js';
import { HAS_TASKSET, pin, startServer, type ServerProcess } from './processes.js';
import { fmt, median, table } from './stats.js';
import { mintOne } from './tokens.js';

/**
 * Issue 14's repeated-token ratios measured inside ONE server process at a time: an app serving the same handler
 * three times — no auth, behind a guard that returns true, behind McpAuthGuard + @RequireScopes — loaded in short
 * alternating slices (A B C, C B A, B C A, …), the server's CPU read before and after each slice. Three such
 * processes one after another, each registering the routes in another order (each route is the one Express tries
 * last in one of them), their triplets pooled.
 *
 * Why: two processes of the same stack differ by up to ~6 µs per request for their whole life (JIT and memory
 * layout), and this shared machine has slow phases of a minute or more; in one process, slices a fraction of a
 * second apart share both, and pooling three processes keeps one process's luck from deciding. At saturation (the server pinned to one core) throughput is the inverse of the CPU per
 * request, so "ours ÷ the no-op guard, req/s" is read as the no-op slice's CPU per request ÷ ours, per adjacent
 * triplet of slices; the measured req/s ratio is printed beside it.
 *
 * Usage: node dist-scripts/bench/same-process.js [--slices=20] [--processes=3] [--amount=3000] [--alg=RS256]
 *          [--adapter=express|fastify|both]
 */
export const SAME_PROCESS_STACKS: Record<'Express' | 'Fastify', StackName> = {
  Express: 'same-process',
  Fastify: 'fastify-same-process',
};

type Route = keyof typeof SAME_PROCESS_ROUTES;
const ROUTES = Object.keys(SAME_PROCESS_ROUTES) as Route[];

export interface SameProcessResult {
  adapter: string;
  /** Slices per route. */
  slices: number;
  /** Median CPU µs per request and req/s, per route. */
  cpu: Record<Route, number>;
  rps: Record<Route, number>;
  /** Per triplet: the other route's CPU per request ÷ ours (= ours ÷ the other at saturation, req/s). */
  vsNoop: number[];
  vsFloor: number[];
  /** Per triplet, measured req/s of ours ÷ the other's. */
  rpsVsNoop: number[];
  rpsVsFloor: number[];
  /** Heap bytes per request, median, per route. */
  bytes: Record<Route, number>;
}

export interface SameProcessOptions {
  stack: StackName;
  adapter: string;
  config: ServerConfig;
  token: string;
  /** Triplets of slices per process. */
  slices: number;
  amount: number;
  warmup: number;
  connections: number;
  /**
   * Server processes, one after another, their triplets pooled (default 3): process p registers the routes rotated
   * by p places, so each route is the one Express tries last in one of three processes, and no process's JIT and
   * memory-layout luck decides alone.
   */
  processes?: number;
  cpus?: string;
}

export async function runSameProcess(options: SameProcessOptions): Promise<SameProcessResult> {
  const slices: Array<Record<Route, MeasuredRound>> = [];
  for (let p = 0; p < (options.processes ?? 3); p++) {
    const config = { ...options.config, routeRotation: p % ROUTES.length };
    slices.push(...(await sliceTriplets({ ...options, config })));
  }
  const per = (f: (t: Record<Route, MeasuredRound>) => number) => slices.map(f);
  const byRoute = (f: (r: MeasuredRound) => number) =>
    Object.fromEntries(ROUTES.map((route) => [route, median(per((t) => f(t[route])))])) as Record<
      Route,
      number
    >;
  return {
    adapter: options.adapter,
    slices: slices.length,
    cpu: byRoute((r) => r.cpu),
    rps: byRoute((r) => r.rps),
    bytes: byRoute((r) => r.bytes),
    vsNoop: per((t) => t['floor-guard'].cpu / t['mcp-auth'].cpu),
    vsFloor: per((t) => t.floor.cpu / t['mcp-auth'].cpu),
    rpsVsNoop: per((t) => t['mcp-auth'].rps / t['floor-guard'].rps),
    rpsVsFloor: per((t) => t['mcp-auth'].rps / t.floor.rps),
  };
}

/** One server process: warm-up, then `slices` triplets (A B C, C B A, B C A, …) after a discarded first one. */
async function sliceTriplets(options: SameProcessOptions): Promise<Array<Record<Route, MeasuredRound>>> {
  const server: ServerProcess = await startServer(options.stack, options.config, { cpus: options.cpus });
  try {
    const spec = (route: Route, amount: number) => ({
      port: server.port,
      method: 'GET' as const,
      path: SAME_PROCESS_ROUTES[route],
      token: options.token,
      connections: options.connections,
      amount,
    });
    for (const route of ROUTES) {
      const warm = await load(spec(route, options.warmup));
      if (warm.failures) throw new Error(`${options.stack} ${route}: ${warm.failures} failed requests`);
    }
    const slices: Array<Record<Route, MeasuredRound>> = [];
    for (let k = 0; k <= options.slices; k++) {
      const rotated = ROUTES.map((_, i) => ROUTES[(i + k) % ROUTES.length]);
      const order = k % 2 === 1 ? rotated.reverse() : rotated;
      const triplet = {} as Record<Route, MeasuredRound>;
      for (const route of order) {
        const r = await measureRound(server, spec(route, options.amount));
        if (r.failures) throw new Error(`${options.stack} ${route}: ${r.failures} failed requests`);
        triplet[route] = r;
      }
      if (k > 0) slices.push(triplet); // the first triplet is a warm-up
    }
    return slices;
  } finally {
    await server.stop();
  }
}

/** The interquartile range of `values`, as "q1–q3". */
function quartiles(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
  return `${fmt(at(0.25), 2)}–${fmt(at(0.75), 2)}`;
}

export function sameProcessTable(results: readonly SameProcessResult[]): string {
  const rows = [
    [
      'adapter',
      'CPU µs/req: no auth · no-op guard · McpAuthGuard',
      'ours ÷ no-op guard (CPU⁻¹): median (quartiles)',
      'ours ÷ no auth (CPU⁻¹): median (quartiles)',
      'measured req/s ÷ no-op guard · ÷ no auth',
      'heap B/req: no-op guard · ours',
      'slice triplets',
    ],
    ...results.map((r) => [
      r.adapter,
      `${fmt(r.cpu.floor, 1)} · ${fmt(r.cpu['floor-guard'], 1)} · ${fmt(r.cpu['mcp-auth'], 1)}`,
      `${fmt(median(r.vsNoop), 3)} (${quartiles(r.vsNoop)})`,
      `${fmt(median(r.vsFloor), 3)} (${quartiles(r.vsFloor)})`,
      `${fmt(median(r.rpsVsNoop), 2)} · ${fmt(median(r.rpsVsFloor), 2)}`,
      `${fmt(r.bytes['floor-guard'])} · ${fmt(r.bytes['mcp-auth'])}`,
      String(r.slices),
    ]),
  ];
  return table(rows, ['l']);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) =>
    args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
  const alg = option('alg', 'RS256') as Alg;
  const adapter = option('adapter', 'both');
  const resource = 'http://127.0.0.1/api';
  const issuer = await startLocalIssuer({ audience: resource, algorithms: [alg] });
  const token = await mintOne(issuer, alg);
  if (HAS_TASKSET) pin(process.pid, '0');
  const config = { resource, issuer: issuer.issuer, jwksUri: issuer.jwksUri, algorithms: [alg] };
  const results: SameProcessResult[] = [];
  for (const [name, stack] of Object.entries(SAME_PROCESS_STACKS)) {
    if (adapter !== 'both' && adapter !== name.toLowerCase()) continue;
    results.push(
      await runSameProcess({
        stack,
        adapter: name,
        config,
        token,
        slices: Number(option('slices', '20')),
        processes: Number(option('processes', '3')),
        amount: Number(option('amount', '3000')),
        warmup: Number(option('warmup', '5000')),
        connections: 32,
        cpus: HAS_TASKSET ? '1' : undefined,
      }),
    );
  }
  await issuer.close();
  console.log(`Node ${process.version}, ${alg}, repeated token\n`);
  console.log(sameProcessTable(results));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
