import { fileURLToPath } from 'node:url';
import { startLocalIssuer } from '../lib/testing/index.js';
import {
  NEVER_SEEN_ROUTES,
  SAME_PROCESS_ROUTES,
  TELEMETRY_ROUTES,
  type Alg,
  type ServerConfig,
  type StackName,
} from './common.js';
import { load, measureRound, type MeasuredRound } from './load.js';
import { HAS_TASKSET, pin, startServer, type ServerProcess } from './processes.js';
import { fmt, median, medianInterval, table } from './stats.js';
import { mintMany, mintOne } from './tokens.js';

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
 * The same instrument, with two routes per app, measures the never-seen ratio (the signature-only guard beside
 * McpAuthGuard, each slice a fresh pool of tokens) and the telemetry ratios (two feature modules, each with its own
 * McpAuthModule: telemetry off beside the default, without and with the OpenTelemetry SDK): {@link PAIRS}.
 *
 * Usage: node dist-scripts/bench/same-process.js [--slices=20] [--processes=3] [--amount=4000] [--alg=RS256]
 *          [--adapter=express|fastify|both] [--pairs | --pairs-only] [--pair-keys=never-seen,telemetry,telemetry-sdk]
 *          [--pair-slices=16] [--pair-amount=2000]
 */
/** The defaults of `npm run bench` (run.ts, outside BENCH_QUICK) and of this script alone. */
export const ONE_PROCESS_DEFAULTS = {
  /** Server processes per comparison, one after another, their slices pooled. */
  processes: 3,
  /** Triplets of slices per process, and requests per slice. */
  slices: 20,
  amount: 4_000,
  /** Pairs of slices per process (`PAIRS`), and requests per slice. */
  pairSlices: 16,
  pairAmount: 2_000,
} as const;

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
  /** Per server process, in the order they ran: ours' median CPU µs per request minus the no-op guard's. */
  perProcess: number[];
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
  const processes = await slicesPerProcess(options, SAME_PROCESS_ROUTES, () => ({ token: options.token }));
  const slices = processes.flat();
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
    perProcess: processDifferences(processes, 'floor-guard'),
  };
}

/**
 * Per server process: the median CPU µs per request of ours minus that of `base`. The machine's slow phases (a
 * minute or more) show here as whole processes whose difference is several times the others' — which the pooled
 * median of the ratios does not tell apart from a cost of ours.
 */
function processDifferences<R extends string>(
  processes: ReadonlyArray<ReadonlyArray<Record<R | 'mcp-auth', MeasuredRound>>>,
  base: R,
): number[] {
  return processes.map(
    (slices) => median(slices.map((t) => t['mcp-auth'].cpu)) - median(slices.map((t) => t[base].cpu)),
  );
}

/** Ours against one other route of the same process: issue 14's never-seen ratio, issue 17's telemetry ratios. */
export interface PairResult {
  /** What is compared, e.g. "Express, never-seen tokens". */
  label: string;
  /** The other route's name (`signature-only`, `telemetry-off`). */
  base: string;
  /** The target: ours ≥ this × the other route's throughput. */
  minimum: number;
  slices: number;
  /** Median CPU µs per request: the other route's, ours. */
  cpu: { base: number; ours: number };
  /** Per pair of slices: the other route's CPU per request ÷ ours (= ours ÷ the other at saturation, req/s). */
  ratios: number[];
  /** Per pair of slices, measured req/s of ours ÷ the other's. */
  rpsRatios: number[];
  /** Per server process: ours' median CPU µs per request minus the other route's. */
  perProcess: number[];
}

export interface PairOptions extends Omit<SameProcessOptions, 'token' | 'adapter'> {
  label: string;
  minimum: number;
  /** The route table of `stack`: the other route first, `mcp-auth` (ours) second. */
  routes: Readonly<Record<string, string>>;
  /** A repeated token on every request … */
  token?: string;
  /**
   * … or never-seen tokens: a fresh pool per slice (both routes of a slice get the same tokens: McpAuthGuard sees
   * each of them once, the signature-only guard keeps nothing), minted just before each process starts.
   */
  mint?: (count: number) => Promise<string[]>;
}

/** Ours against the other route of a two-route one-process stack. */
async function runPair(options: PairOptions): Promise<PairResult> {
  const base = Object.keys(options.routes).find((route) => route !== 'mcp-auth')!;
  const processes = await slicesPerProcess(options, options.routes, async (slices) => {
    if (!options.mint) return { token: options.token };
    // Each slice may send a few requests more than `amount` (those in flight when it ends).
    const size = options.amount + 4 * options.connections;
    const all = await options.mint(options.warmup + 4 * options.connections + size * (slices + 1));
    const warmup = all.slice(size * (slices + 1));
    return { tokens: (k) => (k < 0 ? warmup : all.slice(k * size, (k + 1) * size)) };
  });
  const slices = processes.flat();
  return {
    label: options.label,
    base,
    minimum: options.minimum,
    slices: slices.length,
    cpu: { base: median(slices.map((t) => t[base].cpu)), ours: median(slices.map((t) => t['mcp-auth'].cpu)) },
    ratios: slices.map((t) => t[base].cpu / t['mcp-auth'].cpu),
    rpsRatios: slices.map((t) => t['mcp-auth'].rps / t[base].rps),
    perProcess: processDifferences(processes, base),
  };
}

/**
 * Each of `pairs` in turn (`PAIRS`, or some of them): the never-seen comparison with tokens from `mint`, the others
 * with the repeated `token`.
 */
export async function runPairs(
  pairs: readonly (typeof PAIRS)[number][],
  options: Omit<PairOptions, 'label' | 'minimum' | 'routes' | 'stack' | 'token' | 'mint'> & {
    token: string;
    mint: (count: number) => Promise<string[]>;
  },
): Promise<PairResult[]> {
  const { token, mint, ...common } = options;
  const results: PairResult[] = [];
  for (const pair of pairs) {
    results.push(
      await runPair({ ...common, ...pair, ...(pair.key === 'never-seen' ? { mint } : { token }) }),
    );
  }
  return results;
}

/** What a process's requests carry: one token, or a pool of never-seen tokens per slice (`-1`: the warm-up's). */
type Credentials = { token?: string; tokens?: (slice: number) => readonly string[] };

/**
 * `processes` server processes of `stack` one after another, process p registering the routes rotated by p places;
 * the slices of each (pooled by the callers).
 */
async function slicesPerProcess<R extends string>(
  options: Omit<SameProcessOptions, 'token' | 'adapter'>,
  routes: Readonly<Record<R, string>>,
  credentials: (slices: number) => Credentials | Promise<Credentials>,
): Promise<Array<Array<Record<R, MeasuredRound>>>> {
  const names = Object.keys(routes) as R[];
  const processes: Array<Array<Record<R, MeasuredRound>>> = [];
  for (let p = 0; p < (options.processes ?? ONE_PROCESS_DEFAULTS.processes); p++) {
    const config = { ...options.config, routeRotation: p % names.length };
    processes.push(await sliceRounds({ ...options, config }, routes, await credentials(options.slices)));
  }
  return processes;
}

/** Signed µs, one decimal, comma-separated. */
const signed = (values: readonly number[]) =>
  values.map((v) => `${v >= 0 ? '+' : '−'}${fmt(Math.abs(v), 1)}`).join(', ');

/**
 * One server process: warm-up, then `slices` rounds of one slice per route (A B C, C B A, B C A, …) after a
 * discarded first one.
 */
async function sliceRounds<R extends string>(
  options: Omit<SameProcessOptions, 'token' | 'adapter'>,
  routes: Readonly<Record<R, string>>,
  credentials: Credentials,
): Promise<Array<Record<R, MeasuredRound>>> {
  const names = Object.keys(routes) as R[];
  const server: ServerProcess = await startServer(options.stack, options.config, { cpus: options.cpus });
  try {
    const spec = (route: R, amount: number, slice: number) => ({
      port: server.port,
      method: 'GET' as const,
      path: routes[route],
      ...(credentials.tokens ? { tokens: credentials.tokens(slice) } : { token: credentials.token }),
      connections: options.connections,
      amount,
    });
    for (const route of names) {
      const warm = await load(spec(route, options.warmup, -1));
      if (warm.failures) throw new Error(`${options.stack} ${route}: ${warm.failures} failed requests`);
    }
    const slices: Array<Record<R, MeasuredRound>> = [];
    for (let k = 0; k <= options.slices; k++) {
      const rotated = names.map((_, i) => names[(i + k) % names.length]);
      const order = k % 2 === 1 ? rotated.reverse() : rotated;
      const round = {} as Record<R, MeasuredRound>;
      for (const route of order) {
        const r = await measureRound(server, spec(route, options.amount, k));
        if (r.failures) throw new Error(`${options.stack} ${route}: ${r.failures} failed requests`);
        round[route] = r;
      }
      if (k > 0) slices.push(round); // the first round is a warm-up
    }
    return slices;
  } finally {
    await server.stop();
  }
}

/** The 95 % confidence interval of the median of `values`, as "low–high". */
export function interval(values: readonly number[]): string {
  const [low, high] = medianInterval(values);
  return `${fmt(low, 3)}–${fmt(high, 3)}`;
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
      'per process: ours − no-op guard, CPU µs/req',
    ],
    ...results.map((r) => [
      r.adapter,
      `${fmt(r.cpu.floor, 1)} · ${fmt(r.cpu['floor-guard'], 1)} · ${fmt(r.cpu['mcp-auth'], 1)}`,
      `${fmt(median(r.vsNoop), 3)} (${quartiles(r.vsNoop)})`,
      `${fmt(median(r.vsFloor), 3)} (${quartiles(r.vsFloor)})`,
      `${fmt(median(r.rpsVsNoop), 2)} · ${fmt(median(r.rpsVsFloor), 2)}`,
      `${fmt(r.bytes['floor-guard'])} · ${fmt(r.bytes['mcp-auth'])}`,
      String(r.slices),
      signed(r.perProcess),
    ]),
  ];
  return table(rows, ['l']);
}

/** The two-route comparisons (`runPair`): what `npm run bench` measures besides the triplets above. */
export const PAIRS: ReadonlyArray<{
  key: 'never-seen' | 'telemetry' | 'telemetry-sdk';
  label: string;
  stack: StackName;
  routes: Readonly<Record<string, string>>;
  /** The target: ours ≥ this × the other route's throughput (issue 14/15: 0.90; issue 17: 0.99, 0.97). */
  minimum: number;
}> = [
  {
    key: 'never-seen',
    label: 'Express, never-seen tokens',
    stack: 'never-seen-same-process',
    routes: NEVER_SEEN_ROUTES,
    minimum: 0.9,
  },
  {
    key: 'never-seen',
    label: 'Fastify, never-seen tokens',
    stack: 'fastify-never-seen-same-process',
    routes: NEVER_SEEN_ROUTES,
    minimum: 0.9,
  },
  {
    key: 'telemetry',
    label: 'Express, repeated token, @opentelemetry/api without an SDK',
    stack: 'telemetry-same-process',
    routes: TELEMETRY_ROUTES,
    minimum: 0.99,
  },
  {
    key: 'telemetry-sdk',
    label: 'Express, repeated token, the OpenTelemetry SDK installed',
    stack: 'telemetry-sdk-same-process',
    routes: TELEMETRY_ROUTES,
    minimum: 0.97,
  },
];

export function pairTable(results: readonly PairResult[]): string {
  const rows = [
    [
      'comparison',
      'route beside ours',
      'CPU µs/req: that route · McpAuthGuard',
      'ours ÷ that route (CPU⁻¹): median (95 % CI; quartiles)',
      'measured req/s ÷ that route',
      'slice pairs',
      'per process: ours − that route, CPU µs/req',
    ],
    ...results.map((r) => [
      r.label,
      r.base,
      `${fmt(r.cpu.base, 1)} · ${fmt(r.cpu.ours, 1)}`,
      `${fmt(median(r.ratios), 3)} (${interval(r.ratios)}; ${quartiles(r.ratios)})`,
      fmt(median(r.rpsRatios), 2),
      String(r.slices),
      signed(r.perProcess),
    ]),
  ];
  return table(rows, ['l', 'l']);
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
  const shared = {
    config,
    processes: Number(option('processes', String(ONE_PROCESS_DEFAULTS.processes))),
    warmup: Number(option('warmup', '5000')),
    connections: 32,
    cpus: HAS_TASKSET ? '1' : undefined,
  };
  const results: SameProcessResult[] = [];
  for (const [name, stack] of Object.entries(SAME_PROCESS_STACKS)) {
    if ((adapter !== 'both' && adapter !== name.toLowerCase()) || args.includes('--pairs-only')) continue;
    results.push(
      await runSameProcess({
        ...shared,
        stack,
        adapter: name,
        token,
        slices: Number(option('slices', String(ONE_PROCESS_DEFAULTS.slices))),
        amount: Number(option('amount', String(ONE_PROCESS_DEFAULTS.amount))),
      }),
    );
  }
  const keys = option('pair-keys', '').split(',').filter(Boolean);
  const chosen = PAIRS.filter(
    (pair) =>
      (adapter === 'both' || pair.label.toLowerCase().startsWith(adapter)) &&
      (keys.length === 0 || keys.includes(pair.key)),
  );
  const pairs =
    args.includes('--pairs') || args.includes('--pairs-only')
      ? await runPairs(chosen, {
          ...shared,
          token,
          mint: (count) => mintMany(issuer, alg, count),
          slices: Number(option('pair-slices', String(ONE_PROCESS_DEFAULTS.pairSlices))),
          amount: Number(option('pair-amount', String(ONE_PROCESS_DEFAULTS.pairAmount))),
        })
      : [];
  await issuer.close();
  console.log(`Node ${process.version}, ${alg}, repeated token\n`);
  if (results.length) console.log(sameProcessTable(results));
  if (pairs.length) console.log(`\n${pairTable(pairs)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
