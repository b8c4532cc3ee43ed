import { fork } from 'node:child_process';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import {
  ALGS,
  MCP_ROUTE,
  ROUTE,
  STACK_KIND,
  STACK_LABELS,
  TOOLS_CALL_BODY,
  type Alg,
  type ServerConfig,
  type StackName,
} from './common.js';
import { measureGuardAlone, type GuardAloneResult } from './guard-alone.js';
import { measurePipelineAlone, type PipelineAloneResult } from './pipeline-alone.js';
import { runLazyDiscovery, type LazyDiscoveryResult } from './lazy-discovery.js';
import { measureTelemetryAlone, type TelemetryAloneResult } from './telemetry-alone.js';
import { load, measureRound, type LoadSpec } from './load.js';
import type { MemoryResult } from './memory.js';
import { HAS_TASKSET, pin, SERVER_FLAGS, startServer, type ServerProcess } from './processes.js';
import {
  interval,
  ONE_PROCESS_DEFAULTS,
  PAIRS,
  pairTable,
  runPairs,
  runSameProcess,
  SAME_PROCESS_STACKS,
  sameProcessTable,
  type PairResult,
  type SameProcessResult,
} from './same-process.js';
import { fmt, median, table } from './stats.js';
import { mintMany, mintOne } from './tokens.js';

// ---------------------------------------------------------------------------------------------------------------
// Settings: BENCH_QUICK=1 for a ~1 minute smoke run; BENCH_REPS, BENCH_DURATION, BENCH_AMOUNT, BENCH_CONNECTIONS,
// BENCH_MEMORY_TOKENS override single settings.
// ---------------------------------------------------------------------------------------------------------------
const QUICK = process.env.BENCH_QUICK === '1';
const envNumber = (name: string, fallback: number) =>
  process.env[name] ? Number(process.env[name]) : fallback;
const SETTINGS = {
  /** Measured repetitions per stack (after one discarded warm-up round). */
  reps: envNumber('BENCH_REPS', QUICK ? 2 : 5),
  /** Seconds per repeated-token / MCP round. */
  duration: envNumber('BENCH_DURATION', QUICK ? 1 : 3),
  /** Requests per never-seen round (each with its own token). */
  amount: envNumber('BENCH_AMOUNT', QUICK ? 1_500 : 5_000),
  /**
   * Extra measured rounds where the targets are a few µs or % (repeated token, MCP): the per-round noise of this
   * shared machine is larger than that.
   */
  extraReps: 2,
  /**
   * And more for the MCP scenarios: a stateless tools/call builds the SDK's server and transport per request
   * (~170 KB), so its per-round CPU spreads over ±100 µs while the targets are tens of µs.
   */
  mcpExtraReps: 5,
  connections: envNumber('BENCH_CONNECTIONS', 32),
  /** Distinct tokens streamed through the verifier in the memory scenario. */
  memoryTokens: envNumber('BENCH_MEMORY_TOKENS', QUICK ? 30_000 : 1_000_000),
  lazyRequests: 1_000,
  /** Same-process scenario (same-process.ts): slice triplets, requests per slice. */
  /** Per process; 3 processes per adapter (the routes registered in another order in each). */
  sameProcessSlices: QUICK ? 4 : ONE_PROCESS_DEFAULTS.slices,
  sameProcessAmount: QUICK ? 1_000 : ONE_PROCESS_DEFAULTS.amount,
  /** The two-route one-process comparisons (same-process.ts `PAIRS`): slice pairs per process, requests per slice. */
  pairSlices: QUICK ? 3 : ONE_PROCESS_DEFAULTS.pairSlices,
  pairAmount: QUICK ? 500 : ONE_PROCESS_DEFAULTS.pairAmount,
  /** Requests each server answers before the first round (the JIT settles). */
  warmup: envNumber('BENCH_WARMUP', QUICK ? 2_000 : 5_000),
  /**
   * Processes per stack, taking the rounds in turn (repetition r: process r mod n of every stack, so a per-round
   * pair is two processes of the same rank). Two processes of one stack differ by up to ~6 µs CPU per request over
   * HTTP (A/B of three processes each, Node 24: McpAuthGuard +6.0, −0.5, +5.1 µs over three no-op-guard processes
   * within 2.3 µs of each other) — JIT and memory-layout luck that more rounds of the same processes never average.
   */
  processes: envNumber('BENCH_PROCESSES', QUICK ? 1 : 3),
};
const RESOURCE = 'http://127.0.0.1/api';
const SERVER_CPUS = HAS_TASKSET ? '1' : undefined;
const LOADGEN_CPUS = '0';
/** Node 20 writes bench/results.md; any other major its own file (bench/results-node24.md), so both runs are kept. */
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const RESULTS_FILE = NODE_MAJOR === 20 ? 'results.md' : `results-node${NODE_MAJOR}.md`;
const RESULTS = fileURLToPath(new URL(`../../bench/${RESULTS_FILE}`, import.meta.url));
const MEMORY_JS = fileURLToPath(new URL('./memory.js', import.meta.url));

const log = (line: string) => console.log(line);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

// ---------------------------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------------------------
type Mode = 'repeated' | 'never-seen';

interface Scenario {
  key: string;
  title: string;
  mode: Mode;
  alg: Alg;
  kind: 'rest' | 'mcp';
  /** The floor first; `ours` is the stack the targets are about. */
  stacks: StackName[];
  floor: StackName;
  ours: StackName;
  passport?: StackName;
  /** The stacks `ours` is divided by, per round (req/s), in the ratios table. */
  compare: StackName[];
  /** Measured rounds per stack. */
  reps: number;
  /**
   * The order the stacks are measured in (default: `stacks`, the order of the tables): each stack the targets
   * compare next to the one it is compared with, so that the two rounds of a pair run back to back.
   */
  sequence?: StackName[];
}

const restStacks: StackName[] = ['floor', 'mcp-auth', 'passport'];
/**
 * Repeated tokens also measure McpAuthContext in use (a service reads it, so AsyncLocalStorage is on), and per
 * adapter what any Nest guard costs (a guard that returns true) next to McpAuthGuard — on Express and on Fastify.
 */
const repeatedRestStacks: StackName[] = [
  ...restStacks,
  'mcp-auth-context',
  'floor-guard',
  'fastify-floor',
  'fastify-floor-guard',
  'fastify-mcp-auth',
];
/**
 * Measured in this order, each target pair back to back (McpAuthGuard between the no-op guard and no auth, per
 * adapter): this machine has slow phases of a minute or more (a full run on Node 20 saw every stack ~2× slower for
 * three repetitions), so two rounds run ~20 s apart can read different machines, two adjacent ones rarely do.
 */
const repeatedSequence: StackName[] = [
  'floor-guard',
  'mcp-auth',
  'floor',
  'passport',
  'mcp-auth-context',
  'fastify-floor-guard',
  'fastify-mcp-auth',
  'fastify-floor',
];
/** Never-seen tokens also measure the crypto floor, per adapter: a guard that only checks the signature. */
const neverSeenRestStacks: StackName[] = [
  ...restStacks,
  'signature-only',
  'fastify-floor',
  'fastify-signature-only',
  'fastify-mcp-auth',
];
const neverSeenSequence: StackName[] = [
  'signature-only',
  'mcp-auth',
  'floor',
  'passport',
  'fastify-signature-only',
  'fastify-mcp-auth',
  'fastify-floor',
];

/**
 * Per adapter, McpAuthGuard against the stack that isolates what it adds on that platform: for a repeated token a
 * guard that returns true (the same controller, `@UseGuards`), for never-seen tokens the signature-only guard.
 */
const ADAPTER_PAIRS: Record<
  Mode,
  Array<{ adapter: string; floor: StackName; ours: StackName; reference: StackName }>
> = {
  repeated: [
    { adapter: 'Express', floor: 'floor', ours: 'mcp-auth', reference: 'floor-guard' },
    {
      adapter: 'Fastify',
      floor: 'fastify-floor',
      ours: 'fastify-mcp-auth',
      reference: 'fastify-floor-guard',
    },
  ],
  'never-seen': [
    { adapter: 'Express', floor: 'floor', ours: 'mcp-auth', reference: 'signature-only' },
    {
      adapter: 'Fastify',
      floor: 'fastify-floor',
      ours: 'fastify-mcp-auth',
      reference: 'fastify-signature-only',
    },
  ],
};
const SCENARIOS: Scenario[] = [
  ...ALGS.map((alg): Scenario => ({
    key: `repeated-${alg}`,
    title: `Repeated token, ${alg}: the same token on every request`,
    mode: 'repeated',
    alg,
    kind: 'rest',
    stacks: repeatedRestStacks,
    sequence: repeatedSequence,
    floor: 'floor',
    ours: 'mcp-auth',
    passport: 'passport',
    compare: ['floor-guard', 'floor', 'passport'],
    reps: SETTINGS.reps + SETTINGS.extraReps,
  })),
  ...ALGS.map((alg): Scenario => ({
    key: `never-seen-${alg}`,
    title: `Never-seen tokens, ${alg}: each token used once (verified-token cache on)`,
    mode: 'never-seen',
    alg,
    kind: 'rest',
    stacks: neverSeenRestStacks,
    sequence: neverSeenSequence,
    floor: 'floor',
    ours: 'mcp-auth',
    passport: 'passport',
    compare: ['signature-only', 'floor', 'passport'],
    reps: SETTINGS.reps,
  })),
  {
    key: 'telemetry-RS256',
    title:
      'Telemetry, repeated token, RS256: off vs @opentelemetry/api without an SDK (the default) vs the SDK installed',
    mode: 'repeated',
    alg: 'RS256',
    kind: 'rest',
    stacks: ['mcp-auth-telemetry-off', 'mcp-auth', 'mcp-auth-otel-sdk'],
    floor: 'mcp-auth-telemetry-off',
    ours: 'mcp-auth-otel-sdk',
    compare: ['mcp-auth-telemetry-off'],
    reps: SETTINGS.reps + SETTINGS.extraReps,
  },
  {
    key: 'mcp-RS256',
    title: 'Full MCP tools/call (stateless McpServerModule, JSON responses), repeated token, RS256',
    mode: 'repeated',
    alg: 'RS256',
    kind: 'mcp',
    stacks: ['mcp-noauth', 'mcp-tools-auth', 'mcp-tools-auth-context'],
    floor: 'mcp-noauth',
    ours: 'mcp-tools-auth',
    compare: ['mcp-noauth'],
    reps: SETTINGS.reps + SETTINGS.mcpExtraReps,
  },
  {
    key: 'pipeline-RS256',
    title:
      'Nest’s pipeline (a guard + an interceptor) on an MCP tool vs on the same method as a REST route, repeated token, RS256',
    mode: 'repeated',
    alg: 'RS256',
    kind: 'mcp',
    stacks: ['mcp-tools-auth', 'mcp-tools-pipeline', 'mcp-auth', 'rest-pipeline'],
    floor: 'mcp-tools-auth',
    ours: 'mcp-tools-pipeline',
    compare: ['mcp-tools-auth'],
    reps: SETTINGS.reps + SETTINGS.mcpExtraReps,
  },
];
for (const scenario of SCENARIOS) {
  const { sequence, stacks } = scenario;
  if (sequence && (sequence.length !== stacks.length || stacks.some((stack) => !sequence.includes(stack)))) {
    throw new Error(`${scenario.key}: its sequence must hold its stacks, each once`);
  }
}

interface Round {
  stack: StackName;
  rep: number;
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  requests: number;
  failures: number;
  /** V8 heap bytes the server allocated per request (collected objects included). */
  bytes: number;
  /** Young-generation + full collections in the server per 1 000 requests. */
  gcs: number;
}

/** What a stack serves is its own kind (a scenario may compare an MCP tool with a REST route). */
function requestFor(kind: 'rest' | 'mcp'): Pick<LoadSpec, 'method' | 'path' | 'headers' | 'body'> {
  return kind === 'rest'
    ? { method: 'GET', path: ROUTE }
    : {
        method: 'POST',
        path: MCP_ROUTE,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: TOOLS_CALL_BODY,
      };
}

/** The process of `stack` that takes repetition `rep`: the same rank for every stack of a repetition. */
function processOf(servers: Map<StackName, ServerProcess[]>, stack: StackName, rep: number): ServerProcess {
  const processes = servers.get(stack)!;
  return processes[rep % processes.length];
}

async function round(
  scenario: Scenario,
  server: ServerProcess,
  rep: number,
  tokens: { repeated: string; pool?: readonly string[] },
): Promise<Round> {
  const spec: LoadSpec = {
    port: server.port,
    ...requestFor(STACK_KIND[server.stack]),
    connections: SETTINGS.connections,
    ...(scenario.mode === 'repeated'
      ? { token: tokens.repeated, duration: SETTINGS.duration }
      : { tokens: tokens.pool, amount: SETTINGS.amount }),
  };
  const result = await measureRound(server, spec);
  return {
    stack: server.stack,
    rep,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    cpu: result.cpu,
    requests: result.requests,
    failures: result.failures,
    bytes: result.bytes,
    gcs: result.minorGcs + result.majorGcs,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks before measuring: every stack answers 200 with a good token and the protected ones refuse no token.
// ---------------------------------------------------------------------------------------------------------------
/** The stacks that authenticate nobody (the floors). */
const OPEN_STACKS: ReadonlySet<StackName> = new Set<StackName>([
  'floor',
  'floor-guard',
  'floor-als',
  'mcp-noauth',
  'mcp-noauth-als',
  'fastify-floor',
  'fastify-floor-guard',
]);

async function smoke(server: ServerProcess, kind: 'rest' | 'mcp', token: string): Promise<void> {
  const { method, path, headers, body } = requestFor(kind);
  const url = `http://127.0.0.1:${server.port}${path}`;
  const ok = await fetch(url, { method, body, headers: { ...headers, authorization: `Bearer ${token}` } });
  const text = await ok.text();
  if (ok.status !== 200 || !text.includes('Write the benchmark')) {
    throw new Error(`${server.stack}: expected 200 with the todos, got ${ok.status} ${text.slice(0, 200)}`);
  }
  if (!OPEN_STACKS.has(server.stack)) {
    const refused = await fetch(url, { method, body, headers });
    await refused.text();
    if (refused.status !== 401)
      throw new Error(`${server.stack}: expected 401 without a token, got ${refused.status}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The raw cost of one signature check (node:crypto, synchronous, KeyObject reused): the crypto floor of
// never-seen tokens on this machine, for reading the 40 µs target.
// ---------------------------------------------------------------------------------------------------------------
async function cryptoFloor(issuer: LocalIssuer, token: Record<Alg, string>): Promise<Record<Alg, number>> {
  const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
  const out = {} as Record<Alg, number>;
  for (const alg of ALGS) {
    const jwk = jwks.keys.find((k) => k.alg === alg)!;
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    const [h, p, s] = token[alg].split('.');
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const options = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
    const n = 2_000;
    const samples: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = process.cpuUsage();
      for (let i = 0; i < n; i++)
        if (!cryptoVerify('sha256', data, options, signature)) throw new Error('bad');
      const d = process.cpuUsage(t);
      samples.push((d.user + d.system) / n);
    }
    out[alg] = median(samples);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory: a child with --expose-gc (not pinned: minting and WebCrypto use both cores once the rounds are over).
// ---------------------------------------------------------------------------------------------------------------
function runMemoryChild(tokens: number): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(MEMORY_JS, [String(tokens)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) resolve(JSON.parse(last) as MemoryResult);
      else reject(new Error(`memory scenario failed (${code})`));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------
interface Target {
  name: string;
  /**
   * HTTP rounds (what the issue specifies; noisy at the µs scale here), HTTP slices of one process (the stacks of a
   * ratio in one app), or in-process (precise).
   */
  by: 'HTTP' | 'HTTP, one process' | 'in-process';
  value: string;
  pass: boolean;
}

interface Summary {
  stack: StackName;
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  overFloor: number;
  /** The lowest and highest of the per-round differences to the floor (the noise the median is read against). */
  overFloorRange: [number, number];
  xFloor: number;
  xPassport: number;
  /** Median V8 heap bytes allocated per request, and collections per 1 000 requests. */
  bytes: number;
  gcs: number;
}

/** `ours ÷ other` of one quantity, per measured round (same repetition), in round order. */
function perRound(rounds: Round[], ours: StackName, other: StackName, f: (r: Round) => number): number[] {
  const measured = rounds.filter((r) => r.rep > 0);
  return measured
    .filter((r) => r.stack === ours)
    .flatMap((a) => {
      const b = measured.find((o) => o.stack === other && o.rep === a.rep);
      return b ? [f(a) / f(b)] : [];
    });
}

function summarise(scenario: Scenario, rounds: Round[]): Summary[] {
  const measured = rounds.filter((r) => r.rep > 0);
  const of = (stack: StackName) => measured.filter((r) => r.stack === stack);
  const paired = (stack: StackName, other: StackName | undefined, f: (a: Round, b: Round) => number) => {
    if (!other) return Number.NaN;
    const others = of(other);
    return median(
      of(stack).flatMap((a) => {
        const b = others.find((o) => o.rep === a.rep);
        return b ? [f(a, b)] : [];
      }),
    );
  };
  const pairedRange = (stack: StackName): [number, number] => {
    const floors = of(scenario.floor);
    const diffs = of(stack).flatMap((a) => {
      const b = floors.find((o) => o.rep === a.rep);
      return b ? [a.cpu - b.cpu] : [];
    });
    return diffs.length ? [Math.min(...diffs), Math.max(...diffs)] : [Number.NaN, Number.NaN];
  };
  return scenario.stacks.map((stack) => ({
    stack,
    rps: median(of(stack).map((r) => r.rps)),
    p50: median(of(stack).map((r) => r.p50)),
    p99: median(of(stack).map((r) => r.p99)),
    cpu: median(of(stack).map((r) => r.cpu)),
    overFloor: stack === scenario.floor ? 0 : paired(stack, scenario.floor, (a, b) => a.cpu - b.cpu),
    overFloorRange: pairedRange(stack),
    xFloor: paired(stack, scenario.floor, (a, b) => a.rps / b.rps),
    xPassport: paired(stack, scenario.passport, (a, b) => a.rps / b.rps),
    bytes: median(of(stack).map((r) => r.bytes)),
    gcs: median(of(stack).map((r) => r.gcs)),
  }));
}

/** The median over repetitions of `f(a, b)`, `a` and `b` the rounds of two stacks in the same repetition. */
function pairedMedian(
  rounds: Round[],
  a: StackName,
  b: StackName,
  f: (a: Round, b: Round) => number,
): number {
  const measured = rounds.filter((r) => r.rep > 0);
  return median(
    measured
      .filter((r) => r.stack === a)
      .flatMap((x) => {
        const y = measured.find((o) => o.stack === b && o.rep === x.rep);
        return y ? [f(x, y)] : [];
      }),
  );
}

/** True when the scenario measures every stack of its mode's adapter pairs. */
const hasAdapterPairs = (scenario: Scenario) =>
  ADAPTER_PAIRS[scenario.mode].every((p) =>
    [p.floor, p.ours, p.reference].every((stack) => scenario.stacks.includes(stack)),
  );

/**
 * The per-adapter table of a REST scenario: McpAuthGuard's CPU per request and throughput against the reference
 * stack of the same adapter (`ADAPTER_PAIRS`), and against that adapter's floor.
 */
function adapterTable(scenario: Scenario, rounds: Round[]): string {
  const reference = scenario.mode === 'repeated' ? 'a guard returning true' : 'the signature-only guard';
  const rows = [
    [
      'adapter',
      `McpAuthGuard CPU µs/req over ${reference}`,
      `CPU ÷ ${reference}`,
      `req/s ÷ ${reference}`,
      'req/s ÷ the adapter’s floor',
    ],
    ...ADAPTER_PAIRS[scenario.mode].map((p) => [
      p.adapter,
      fmt(
        pairedMedian(rounds, p.ours, p.reference, (a, b) => a.cpu - b.cpu),
        1,
      ),
      fmt(
        pairedMedian(rounds, p.ours, p.reference, (a, b) => a.cpu / b.cpu),
        2,
      ),
      fmt(
        pairedMedian(rounds, p.ours, p.reference, (a, b) => a.rps / b.rps),
        2,
      ),
      fmt(
        pairedMedian(rounds, p.ours, p.floor, (a, b) => a.rps / b.rps),
        2,
      ),
    ]),
  ];
  return table(rows, ['l']);
}

function scenarioTable(scenario: Scenario, summary: Summary[]): string {
  const rows = [
    [
      'stack',
      'req/s',
      'p50 ms',
      'p99 ms',
      'server CPU µs/req',
      'auth µs/req over floor (rounds: min to max)',
      '× floor',
      'heap bytes/req',
      'GCs/1k req',
      scenario.passport ? '× passport' : '',
    ].filter((c, i) => i < 9 || c),
    ...summary.map((s) =>
      [
        STACK_LABELS[s.stack],
        fmt(s.rps),
        fmt(s.p50, 1),
        fmt(s.p99, 1),
        fmt(s.cpu, 1),
        s.stack === scenario.floor
          ? '–'
          : `${fmt(s.overFloor, 1)} (${fmt(s.overFloorRange[0], 0)} to ${fmt(s.overFloorRange[1], 0)})`,
        fmt(s.xFloor, 2),
        fmt(s.bytes),
        fmt(s.gcs, 1),
        scenario.passport ? fmt(s.xPassport, 2) : '',
      ].filter((_, i) => i < 9 || scenario.passport),
    ),
  ];
  return table(rows, ['l']);
}

function roundsDetail(scenario: Scenario, rounds: Round[]): string {
  const rows = [
    ['round', ...scenario.stacks.map((s) => `${s} req/s · µs/req · heap B/req`)],
    ...[...new Set(rounds.map((r) => r.rep))].map((rep) => [
      rep === 0 ? 'warm-up (discarded)' : String(rep),
      ...scenario.stacks.map((s) => {
        const r = rounds.find((x) => x.rep === rep && x.stack === s);
        return r
          ? `${fmt(r.rps)} · ${fmt(r.cpu, 1)} · ${fmt(r.bytes)} B${r.failures ? ` (${r.failures} failed)` : ''}`
          : '–';
      }),
    ]),
  ];
  return table(rows, ['l']);
}

/** Ours ÷ each compared stack, per round: req/s, and heap bytes allocated per request. */
function ratiosTable(scenario: Scenario, rounds: Round[]): string {
  const rows: string[][] = [['ratio', 'median', 'per round']];
  for (const other of scenario.compare) {
    for (const [what, f] of [
      ['req/s', (r: Round) => r.rps],
      ['heap bytes/req', (r: Round) => r.bytes],
    ] as const) {
      const ratios = perRound(rounds, scenario.ours, other, f);
      rows.push([
        `${scenario.ours} ÷ ${other}, ${what}`,
        fmt(median(ratios), 2),
        ratios.map((v) => fmt(v, 2)).join(', '),
      ]);
    }
  }
  return table(rows, ['l', 'r', 'l']);
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  log(
    `nest-mcp-auth bench${QUICK ? ' (BENCH_QUICK)' : ''}: ${SETTINGS.reps} reps + 1 warm-up, ` +
      `${SETTINGS.duration} s rounds, ${SETTINGS.amount} never-seen requests per round, ${SETTINGS.connections} connections`,
  );
  const issuer = await startLocalIssuer({ audience: RESOURCE, algorithms: ['RS256', 'ES256'] });
  const config: ServerConfig = {
    resource: RESOURCE,
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    algorithms: [...ALGS],
  };

  // Tokens first, on every core, before anything is measured.
  const repeated = {} as Record<Alg, string>;
  const pools = {} as Record<Alg, string[][]>;
  /** Never-seen tokens for the warm-up before each never-seen scenario (each server sees each token once). */
  const warmupPools = {} as Record<Alg, string[]>;
  const slice = SETTINGS.amount + 4 * SETTINGS.connections;
  const warmupSlice = SETTINGS.warmup + 4 * SETTINGS.connections;
  for (const alg of ALGS) {
    repeated[alg] = await mintOne(issuer, alg);
    const t = performance.now();
    const all = await mintMany(issuer, alg, slice * (SETTINGS.reps + 1) + warmupSlice);
    pools[alg] = Array.from({ length: SETTINGS.reps + 1 }, (_, r) => all.slice(r * slice, (r + 1) * slice));
    warmupPools[alg] = all.slice(slice * (SETTINGS.reps + 1));
    log(`  minted ${fmt(all.length)} ${alg} tokens in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  const pinned = HAS_TASKSET && pin(process.pid, LOADGEN_CPUS);
  const floorCrypto = await cryptoFloor(issuer, repeated);
  const guardAlone = await measureGuardAlone(
    issuer,
    RESOURCE,
    Object.fromEntries(ALGS.map((alg) => [alg, { repeated: repeated[alg], pools: pools[alg] }])) as Record<
      Alg,
      { repeated: string; pools: string[][] }
    >,
  );
  log(`  McpAuthGuard alone measured, ${elapsed()}`);
  const telemetryAlone = await measureTelemetryAlone(issuer, RESOURCE, repeated.RS256);
  log(`  telemetry alone measured, ${elapsed()}`);
  const pipelineAlone = await measurePipelineAlone(issuer, RESOURCE, repeated.RS256);
  log(`  Nest's pipeline alone measured, ${elapsed()}`);

  const stacks = [...new Set(SCENARIOS.flatMap((s) => s.stacks))];
  const servers = new Map<StackName, ServerProcess[]>();
  for (const stack of stacks) {
    const processes: ServerProcess[] = [];
    for (let p = 0; p < SETTINGS.processes; p++) {
      processes.push(await startServer(stack, config, { cpus: SERVER_CPUS }));
    }
    servers.set(stack, processes);
  }
  for (const [stack, processes] of servers) {
    for (const server of processes)
      for (const alg of ALGS) await smoke(server, STACK_KIND[stack], repeated[alg]);
  }
  log(
    `  ${servers.size} stacks × ${SETTINGS.processes} server processes up (${pinned ? 'taskset: load generator on CPU 0, servers on CPU 1' : 'not pinned'}), ${elapsed()}`,
  );

  const results = new Map<string, Round[]>();
  for (const scenario of SCENARIOS) {
    // Every stack of the scenario warmed up on the scenario's own path just before its rounds, not once at boot:
    // a server left idle for minutes while other scenarios ran answered its next round up to 1.5× slower than one
    // that had just run (the telemetry scenario's discarded round), and a path a server never took (never-seen
    // tokens: parse, signature, cache insertion) is cold however long it ran another. A full run with the boot-time
    // warm-up measured both as gaps that were not the code's: the pipeline's tool +186 µs per call, never-seen RS256
    // 0.79× the signature-only guard (0.94× in an A/B warmed on the never-seen path, same machine).
    for (const stack of scenario.stacks) {
      for (const server of servers.get(stack)!) {
        await load({
          port: server.port,
          ...requestFor(STACK_KIND[stack]),
          connections: SETTINGS.connections,
          ...(scenario.mode === 'repeated'
            ? { token: repeated[scenario.alg], amount: SETTINGS.warmup }
            : { tokens: warmupPools[scenario.alg], amount: SETTINGS.warmup }),
        });
      }
    }
    const rounds: Round[] = [];
    for (let rep = 0; rep <= scenario.reps; rep++) {
      // Interleaved, the order rotated every repetition and reversed every other one: A B C, A C B, C A B, C B A…
      // (a pair of neighbours is measured in both orders, so a drift of the machine within a repetition cancels).
      const sequence = scenario.sequence ?? scenario.stacks;
      const rotated = sequence.map((_, i) => sequence[(i + rep) % sequence.length]);
      const order = rep % 2 === 1 ? rotated.reverse() : rotated;
      for (const stack of order) {
        const r = await round(scenario, processOf(servers, stack, rep), rep, {
          repeated: repeated[scenario.alg],
          pool: pools[scenario.alg][rep],
        });
        if (r.failures > 0) log(`  ! ${scenario.key} ${stack} rep ${rep}: ${r.failures} failed requests`);
        rounds.push(r);
      }
    }
    results.set(scenario.key, rounds);
    log(`  ${scenario.key} done, ${elapsed()}`);
  }
  for (const processes of servers.values()) for (const server of processes) await server.stop();

  // Issue 14's repeated-token ratios once more, inside one process at a time (same-process.ts).
  const sameProcess: SameProcessResult[] = [];
  for (const [adapter, stack] of Object.entries(SAME_PROCESS_STACKS)) {
    sameProcess.push(
      await runSameProcess({
        stack,
        adapter,
        config,
        token: repeated.RS256,
        slices: SETTINGS.sameProcessSlices,
        amount: SETTINGS.sameProcessAmount,
        warmup: SETTINGS.warmup,
        connections: SETTINGS.connections,
        cpus: SERVER_CPUS,
      }),
    );
  }
  log(`  same-process slices done, ${elapsed()}`);
  // Never-seen and telemetry ratios, inside one process at a time too (same-process.ts PAIRS).
  const pairs = await runPairs(PAIRS, {
    config,
    token: repeated.RS256,
    mint: (count) => mintMany(issuer, 'RS256', count),
    slices: SETTINGS.pairSlices,
    amount: SETTINGS.pairAmount,
    warmup: SETTINGS.warmup,
    connections: SETTINGS.connections,
    cpus: SERVER_CPUS,
  });
  log(`  one-process pairs done, ${elapsed()}`);

  const lazy = await runLazyDiscovery(RESOURCE, SETTINGS.lazyRequests, SERVER_CPUS);
  log(`  lazy discovery done, ${elapsed()}`);
  await issuer.close();

  log(`  memory: streaming ${fmt(SETTINGS.memoryTokens)} distinct ES256 tokens through the verifier…`);
  const memory = await runMemoryChild(SETTINGS.memoryTokens);
  log(`  memory done, ${elapsed()}`);

  const report = buildReport({
    results,
    sameProcess,
    pairs,
    lazy,
    memory,
    pinned,
    floorCrypto,
    guardAlone,
    telemetryAlone,
    pipelineAlone,
  });
  console.log(`\n${report}`);
  writeFileSync(RESULTS, report);
  log(`\nWritten to bench/${RESULTS_FILE} (${elapsed()} in all).`);
}

function buildReport(input: {
  results: Map<string, Round[]>;
  sameProcess: SameProcessResult[];
  pairs: PairResult[];
  lazy: LazyDiscoveryResult;
  memory: MemoryResult;
  pinned: boolean;
  floorCrypto: Record<Alg, number>;
  guardAlone: GuardAloneResult;
  pipelineAlone: PipelineAloneResult;
  telemetryAlone: TelemetryAloneResult;
}): string {
  const {
    results,
    sameProcess,
    pairs,
    lazy,
    memory,
    pinned,
    floorCrypto,
    guardAlone,
    telemetryAlone,
    pipelineAlone,
  } = input;
  const summaries = new Map(SCENARIOS.map((s) => [s.key, summarise(s, results.get(s.key)!)]));
  const ours = (key: string) => {
    const scenario = SCENARIOS.find((s) => s.key === key)!;
    return summaries.get(key)!.find((s) => s.stack === scenario.ours)!;
  };
  const targets: Target[] = [];
  const of = (key: string, stack: StackName) => summaries.get(key)!.find((s) => s.stack === stack)!;
  const range = (r: Summary) => `rounds ${fmt(r.overFloorRange[0], 0)} to ${fmt(r.overFloorRange[1], 0)}`;
  // Issue 14: ratios to floors measured in the same interleaved rounds, median of the per-round ratios.
  const ratio = (key: string, other: StackName, f: (r: Round) => number = (r) => r.rps) => {
    const scenario = SCENARIOS.find((s) => s.key === key)!;
    const ratios = perRound(results.get(key)!, scenario.ours, other, f);
    return { median: median(ratios), rounds: ratios.map((v) => fmt(v, 2)).join(', ') };
  };
  const ratioTarget = (name: string, key: string, other: StackName, minimum: number) => {
    const r = ratio(key, other);
    targets.push({
      name,
      by: 'HTTP',
      value: `${fmt(r.median, 2)}× (rounds ${r.rounds})`,
      pass: r.median >= minimum,
    });
  };
  for (const alg of ALGS) {
    const key = `repeated-${alg}`;
    ratioTarget(`Repeated token, ${alg}: ≥ 0.95× the no-op guard's req/s`, key, 'floor-guard', 0.95);
    ratioTarget(`Repeated token, ${alg}: ≥ 0.90× no auth's req/s`, key, 'floor', 0.9);
    ratioTarget(`Repeated token, ${alg}: ≥ 2.0× the passport recipe's req/s`, key, 'passport', 2.0);
    const bytes = ratio(key, 'floor-guard', (r) => r.bytes);
    targets.push({
      name: `Repeated token, ${alg}: heap bytes allocated per request within 10 % of the no-op guard's`,
      by: 'HTTP',
      value: `${fmt(bytes.median, 2)}× (${fmt(ours(key).bytes)} vs ${fmt(of(key, 'floor-guard').bytes)} B; rounds ${bytes.rounds})`,
      pass: bytes.median <= 1.1,
    });
  }
  for (const r of sameProcess) {
    for (const [what, ratios, minimum] of [
      ['the no-op guard', r.vsNoop, 0.95],
      ['no auth', r.vsFloor, 0.9],
    ] as const) {
      targets.push({
        name: `Repeated token, RS256, ${r.adapter}, one process: ≥ ${fmt(minimum, 2)}× ${what}'s throughput`,
        by: 'HTTP, one process',
        value: `${fmt(median(ratios), 3)}× (CPU per request ÷ ours, median of ${ratios.length} slice triplets, ${ONE_PROCESS_DEFAULTS.processes} processes)`,
        pass: median(ratios) >= minimum,
      });
    }
  }
  for (const r of pairs) {
    targets.push({
      name: `${r.label}, one process: ≥ ${fmt(r.minimum, 2)}× ${r.base === 'signature-only' ? 'the signature-only guard' : 'telemetry off'}'s throughput`,
      by: 'HTTP, one process',
      value: `${fmt(median(r.ratios), 3)}× (95 % CI ${interval(r.ratios)}; CPU per request ÷ ours, median of ${r.ratios.length} slice pairs, ${ONE_PROCESS_DEFAULTS.processes} processes)`,
      pass: median(r.ratios) >= r.minimum,
    });
  }
  for (const alg of ALGS) {
    const key = `never-seen-${alg}`;
    ratioTarget(
      `Never-seen tokens, ${alg}: ≥ 0.90× the signature-only guard's req/s`,
      key,
      'signature-only',
      0.9,
    );
    const r = ratio(key, 'passport');
    const sig = of(key, 'signature-only');
    targets.push({
      name: `Never-seen tokens, ${alg}: × the passport recipe (informative: bounded by the signature-only ratio)`,
      by: 'HTTP',
      value: `${fmt(r.median, 2)}× (rounds ${r.rounds}); the signature-only guard: ${fmt(sig.xPassport, 2)}×`,
      pass: true,
    });
  }
  const mcpRounds = results.get('mcp-RS256')!.filter((r) => r.rep > 0);
  const share = median(
    mcpRounds
      .filter((r) => r.stack === 'mcp-tools-auth')
      .flatMap((a) => {
        const b = mcpRounds.find((o) => o.stack === 'mcp-noauth' && o.rep === a.rep);
        return b ? [(a.cpu - b.cpu) / a.cpu] : [];
      }),
  );
  const mcpTarget = 'Full MCP tools/call: auth is ≤ 5 % of the request’s CPU';
  targets.push({ name: mcpTarget, by: 'HTTP', value: `${fmt(share * 100, 1)} %`, pass: share <= 0.05 });
  const mcpCpu = of('mcp-RS256', 'mcp-tools-auth').cpu;
  const mcpShare = guardAlone.mcpRepeated / mcpCpu;
  targets.push({
    name: mcpTarget,
    by: 'in-process',
    value: `${fmt(mcpShare * 100, 1)} % (McpEndpointGuard ${fmt(guardAlone.mcpRepeated, 1)} µs of ${fmt(mcpCpu, 0)} µs)`,
    pass: mcpShare <= 0.05,
  });
  const pipelineRounds = results.get('pipeline-RS256')!.filter((r) => r.rep > 0);
  const added = (stack: StackName, base: StackName, f: (r: Round) => number = (r) => r.cpu) =>
    median(
      pipelineRounds
        .filter((r) => r.stack === stack)
        .flatMap((a) => {
          const b = pipelineRounds.find((o) => o.stack === base && o.rep === a.rep);
          return b ? [f(a) - f(b)] : [];
        }),
    );
  const onTool = added('mcp-tools-pipeline', 'mcp-tools-auth');
  const onRoute = added('rest-pipeline', 'mcp-auth');
  targets.push({
    name: 'Nest’s pipeline on an MCP tool adds no more CPU than on the equivalent REST route (± 5 µs)',
    by: 'HTTP',
    value: `tool +${fmt(onTool, 1)} µs, route +${fmt(onRoute, 1)} µs`,
    pass: onTool <= onRoute + 5,
  });
  // In-process: the tool through McpHandlerPipeline, the route through the handler Nest's router builds, each with
  // and without the guard and the interceptor (a stateless tools/call spreads by ±300 µs per HTTP round).
  targets.push({
    name: 'Nest’s pipeline on an MCP tool adds no more CPU than on the equivalent REST route (± 5 µs)',
    by: 'in-process',
    value: `tool +${fmt(pipelineAlone.onTool, 1)} µs, route +${fmt(pipelineAlone.onRoute, 1)} µs`,
    pass: pipelineAlone.onTool <= pipelineAlone.onRoute + 5,
  });
  // The same question in heap bytes per request: independent of the machine's load, unlike the CPU rows above.
  const bytesOnTool = added('mcp-tools-pipeline', 'mcp-tools-auth', (r) => r.bytes);
  const bytesOnRoute = added('rest-pipeline', 'mcp-auth', (r) => r.bytes);
  targets.push({
    name: 'Nest’s pipeline on an MCP tool allocates no more than on the equivalent REST route (+ 5 %)',
    by: 'HTTP',
    value: `tool +${fmt(bytesOnTool)} B, route +${fmt(bytesOnRoute)} B per request`,
    pass: bytesOnTool <= bytesOnRoute * 1.05,
  });
  targets.push({
    name: `${fmt(lazy.requests)} concurrent first requests after boot (lazy discovery): exactly 1 discovery fetch and 1 JWKS fetch`,
    by: 'HTTP',
    value: `${lazy.discovery} discovery, ${lazy.jwks} JWKS (at boot: ${lazy.discoveryAtBoot}, ${lazy.jwksAtBoot}); ${fmt(lazy.ok)}/${fmt(lazy.requests)} answered 200`,
    pass: lazy.discovery === 1 && lazy.jwks === 1 && lazy.ok === lazy.requests,
  });
  const offCpu = of('telemetry-RS256', 'mcp-auth-telemetry-off').cpu;
  for (const [stack, variant, minimum, what] of [
    ['mcp-auth-otel-sdk', 'SDK', 0.97, 'the OpenTelemetry SDK installed (in-memory exporters)'],
    ['mcp-auth', 'no SDK', 0.99, '@opentelemetry/api without an SDK (the default)'],
  ] as const) {
    const r = of('telemetry-RS256', stack);
    const name = `Repeated token, RS256, ${what}: ≥ ${minimum}× the throughput of telemetry off`;
    targets.push({
      name,
      by: 'HTTP',
      value: `${fmt(r.xFloor, 3)}× (${fmt(r.overFloor, 1)} µs CPU per request over telemetry off, ${range(r)})`,
      pass: r.xFloor >= minimum,
    });
    // In-process: the guard's extra CPU with this variant, against a whole telemetry-off request's CPU (HTTP).
    const extra = telemetryAlone[variant] - telemetryAlone.off;
    const ratio = offCpu / (offCpu + Math.max(0, extra));
    targets.push({
      name,
      by: 'in-process',
      value: `${fmt(ratio, 3)}× (McpAuthGuard ${fmt(telemetryAlone[variant], 2)} µs vs ${fmt(telemetryAlone.off, 2)} µs off, of a ${fmt(offCpu, 0)} µs request)`,
      pass: ratio >= minimum,
    });
  }
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  targets.push({
    name: `Memory: ${fmt(memory.tokens)} distinct valid tokens, each used twice (cached), heapUsed after GC ≤ baseline + 10 000 × 4 KiB`,
    by: 'in-process',
    value: `max ${mib(memory.maxHeapUsed)} ≤ ${mib(memory.bound)} (baseline ${mib(memory.baseline)}, ${fmt(memory.bytesPerEntry)} B per cached token${memory.failures ? `, ${memory.failures} REFUSED` : ''})`,
    pass: memory.maxHeapUsed <= memory.bound && memory.failures === 0,
  });

  const lines: string[] = [];
  lines.push('# nest-mcp-auth benchmark results', '');
  lines.push(
    `${new Date().toISOString()} · Node ${process.version} · ${cpuModel()} × ${(() => {
      try {
        return readFileSync('/proc/cpuinfo', 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('processor')).length;
      } catch {
        return '?';
      }
    })()} · ${pinned ? 'taskset: autocannon on CPU 0, each server on CPU 1' : 'no CPU pinning (taskset unavailable)'}` +
      `${QUICK ? ' · BENCH_QUICK' : ''}`,
    '',
    `Nest 12 on Express (and the \`fastify-*\` stacks: the same apps on @nestjs/platform-fastify), \`GET ${ROUTE}\` needing \`read:todos\`, autocannon ${SETTINGS.connections} connections, pipelining 1. ` +
      `Each stack in ${SETTINGS.processes} processes of its own, taking the rounds in turn (a per-round pair is two ` +
      `processes of the same rank); every server with a fixed young generation (\`${SERVER_FLAGS.join(' ')}\`: V8 ` +
      `sizes it per process otherwise, and identical servers settled 0.7 and 8.1 scavenges per 1 000 requests apart); ` +
      `rounds interleaved, rotated and every other repetition reversed (A B C, A C B, C A B, C B A, …; each stack ` +
      `measured next to the stacks its targets compare it with), 1 warm-up round discarded, ` +
      `${SETTINGS.reps} measured rounds per stack (repeated token and telemetry: ${SETTINGS.reps + SETTINGS.extraReps}; MCP: ${SETTINGS.reps + SETTINGS.mcpExtraReps}), each scenario's stacks warmed up with ${fmt(SETTINGS.warmup)} requests on its path first, medians shown. Ratios and “over floor” are medians of per-round pairs ` +
      `(same repetition), so machine-wide noise cancels. Server CPU = process.cpuUsage() (all threads) read inside ` +
      `the server before and after each round ÷ requests completed. Repeated-token rounds last ${SETTINGS.duration} s; ` +
      `never-seen rounds send ${fmt(SETTINGS.amount)} requests, each with a token minted for it by the local issuer ` +
      `(never sent to that server before; the verified-token cache stays on). Heap bytes per request: what V8 ` +
      `allocated in the server over the round (v8.GCProfiler: used heap before each collection minus after the ` +
      `previous one, summed, plus the growth since), collected objects included, ÷ requests — independent of the ` +
      `machine's load.`,
    '',
  );
  for (const scenario of SCENARIOS) {
    lines.push(
      `## ${scenario.title}`,
      '',
      scenarioTable(scenario, summaries.get(scenario.key)!),
      '',
      `Per round (${scenario.ours} ÷ each):`,
      '',
      ratiosTable(scenario, results.get(scenario.key)!),
      '',
    );
    if (hasAdapterPairs(scenario)) {
      lines.push(
        'Per adapter (medians of per-round pairs; the “× floor” column above is against the Express floor):',
        '',
        adapterTable(scenario, results.get(scenario.key)!),
        '',
      );
    }
  }
  lines.push(
    '## Repeated token, RS256, in one process: no auth, the no-op guard and McpAuthGuard on three routes of one app',
    '',
    `A server process serving the same handler three times (\`same-process\` stacks), loaded in alternating ` +
      `slices of ${fmt(SETTINGS.sameProcessAmount)} requests (A B C, C B A, B C A, …; the first triplet discarded), ` +
      `the server's CPU read around each slice; ${fmt(SETTINGS.sameProcessSlices)} triplets from each of ${ONE_PROCESS_DEFAULTS.processes} processes ` +
      `per adapter, pooled, each process registering the routes in another order (each route is the one Express ` +
      `tries last in one of them). One process shares its JIT and memory-layout luck and, slices a fraction of a ` +
      `second apart, the machine's slow phases; three keep one process's luck from deciding. ` +
      `At saturation throughput is the inverse of CPU per request: the ratios are the other route's CPU per request ` +
      `÷ ours, per triplet (median and quartiles); the measured req/s ratios are beside them.`,
    '',
    sameProcessTable(sameProcess),
    '',
    '## In one process as well: never-seen tokens (RS256) and telemetry (repeated token, RS256)',
    '',
    `The same instrument with two routes per app: the signature-only guard beside McpAuthGuard, each slice pair ` +
      `sending one fresh pool of never-seen tokens to both (McpAuthGuard sees each once; the signature-only guard ` +
      `keeps nothing); and McpAuthGuard of two feature modules, each importing its own McpAuthModule ` +
      `(\`isGlobal: false\`) — telemetry off (\`openTelemetry: false, audit: false\`) beside the defaults — in a ` +
      `process without the OpenTelemetry SDK and in one with it (in-memory exporters). Slices of ` +
      `${fmt(SETTINGS.pairAmount)} requests, ${fmt(SETTINGS.pairSlices)} pairs from each of ${ONE_PROCESS_DEFAULTS.processes} processes, pooled. ` +
      `The 95 % interval of the median is distribution-free (order statistics): a target inside it is within what ` +
      `this machine can tell apart.`,
    '',
    pairTable(pairs),
    '',
  );
  lines.push('## Targets', '');
  lines.push(
    table(
      [
        ['', 'target', 'measured by', 'measured'],
        ...targets.map((t) => [t.pass ? '✓' : '✗', t.name, t.by, t.value]),
      ],
      ['l', 'l', 'l', 'l'],
    ),
    '',
  );
  lines.push(
    `Raw signature check (node:crypto, synchronous, key object reused) on this machine: RS256 ${fmt(floorCrypto.RS256, 1)} µs, ES256 ${fmt(floorCrypto.ES256, 1)} µs CPU.`,
    '',
  );
  lines.push('## The guards alone (in-process, no HTTP)', '');
  lines.push(
    'Each call runs the guard through Nest’s own `GuardsConsumer` (what the router does for a guarded route) with a ' +
      'fresh `IncomingMessage`, whose construction is measured without the guard and subtracted; default options; ' +
      'in the bench process, nothing else running. This is what auth costs by itself, without the noise of the HTTP ' +
      'rounds (on this shared machine their per-round differences spread over tens of µs, see the ranges above). ' +
      'Inside a loaded server the same code runs slower (cold caches: the signature-only stack shows it for the ' +
      `signature). Median of 5 rounds of 50 000 calls (repeated) and of ${SETTINGS.reps} rounds of ` +
      `${fmt(SETTINGS.amount + 4 * SETTINGS.connections)} tokens (never-seen, each token once).`,
    '',
    table(
      [
        ['', 'CPU µs per request', 'of which the signature (raw check, hot)', 'the rest'],
        ...ALGS.map((alg) => [
          `McpAuthGuard, repeated token, ${alg}`,
          fmt(guardAlone.repeated[alg], 1),
          '–',
          fmt(guardAlone.repeated[alg], 1),
        ]),
        ...ALGS.map((alg) => [
          `McpAuthGuard, never-seen tokens, ${alg}`,
          fmt(guardAlone.neverSeen[alg], 1),
          fmt(floorCrypto[alg], 1),
          fmt(guardAlone.neverSeen[alg] - floorCrypto[alg], 1),
        ]),
        [
          'McpEndpointGuard, `tools/call`, repeated token, RS256',
          fmt(guardAlone.mcpRepeated, 1),
          '–',
          fmt(guardAlone.mcpRepeated, 1),
        ],
      ],
      ['l'],
    ),
    '',
  );
  lines.push('## Memory', '');
  lines.push(
    table(
      [
        ['tokens verified', 'heapUsed after GC', 'cached tokens'],
        ...memory.checkpoints.map((c) => [fmt(c.tokens), mib(c.heapUsed), fmt(c.cacheSize)]),
      ],
      ['r', 'r', 'r'],
    ),
    '',
    `${fmt(memory.tokens)} distinct ${memory.alg} tokens through McpAuthenticator (default cache: ${fmt(memory.maxEntries)} entries) in ${memory.seconds.toFixed(0)} s.`,
    '',
  );
  lines.push('<details><summary>Every round</summary>', '');
  for (const scenario of SCENARIOS) {
    lines.push(`**${scenario.key}**`, '', roundsDetail(scenario, results.get(scenario.key)!), '');
  }
  lines.push('</details>', '');
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
