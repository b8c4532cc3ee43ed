import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalIssuer } from '../lib/testing/index.js';
import { MCP_ROUTE, ROUTE, STACK_KIND, STACKS, TOOLS_CALL_BODY, type Alg, type StackName } from './common.js';
import { load, type LoadSpec } from './load.js';
import { HAS_TASKSET, pin, startServer } from './processes.js';
import { fmt, table } from './stats.js';
import { mintMany, mintOne } from './tokens.js';

/**
 * CPU profiles of a server stack and of its floor under the same load, taken inside the servers with the V8
 * sampling profiler (node:inspector — what `node --cpu-prof` uses — started after boot and warm-up, so only the
 * measured window is profiled). Prints CPU µs per request by code group for both (the difference is the cost of
 * auth, by where it is spent), the top self-time frames of the stack, and those in the auth path.
 * Usage: node dist-scripts/bench/profile.js [stack=mcp-auth] [repeated|never-seen] [RS256|ES256] [seconds=8]
 *          [--base=<stack>] [--heap]
 * `--base` names the stack to compare with (default: the no-auth floor of the stack's kind); `--heap` profiles
 * allocation instead of CPU (V8's sampling heap profiler, objects already collected included: bytes allocated
 * per request by code group and function).
 * Profiles are kept in bench/.profiles/ (open them in Chrome DevTools or speedscope).
 */
/** Never-seen tokens each server answers before it is profiled. */
const WARMUP_TOKENS = 5_000;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

const RESOURCE = 'http://127.0.0.1/api';
/** Bytes between two heap samples on average (`--heap`): small enough to place a few hundred bytes per request. */
const HEAP_INTERVAL = 32;
const PROFILE_DIR = fileURLToPath(new URL('../../bench/.profiles/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const GROUPS: Array<[string, (url: string, name: string) => boolean]> = [
  ['nest-mcp-auth (lib/)', (u) => u.includes('/dist-scripts/lib/')],
  ['jose', (u) => u.includes('/node_modules/jose/')],
  [
    'passport, passport-jwt, jsonwebtoken, jwks-rsa',
    (u) =>
      /\/node_modules\/(passport|passport-jwt|passport-strategy|jsonwebtoken|jwks-rsa|jws|jwa|lru-memoizer|@nestjs\/passport)\//.test(
        u,
      ),
  ],
  ['@nestjs/*', (u) => u.includes('/node_modules/@nestjs/')],
  ['MCP SDK, zod, ajv', (u) => /\/node_modules\/(@modelcontextprotocol|zod|ajv)/.test(u)],
  ['express, router, body-parser, …', (u) => u.includes('/node_modules/')],
  ['async_hooks (AsyncLocalStorage)', (u) => /async_hooks|async_local_storage/.test(u)],
  ['node:crypto', (u) => u.startsWith('node:internal/crypto') || u === 'node:crypto'],
  ['node: http, net, streams, events, …', (u) => u.startsWith('node:')],
  ['garbage collector', (_u, n) => n === '(garbage collector)'],
  ['native, (program)', () => true],
];

function where(frame: ProfileNode['callFrame']): string {
  const url = frame.url.replace(/^file:\/\//, '').replace(ROOT, '');
  const short = url.replace(/^node_modules\//, '').replace(/^dist-scripts\//, '');
  return short ? `${short}:${frame.lineNumber + 1}` : '(native)';
}

interface Analysis {
  /** CPU µs per request by group. */
  groups: Map<string, number>;
  /** Self µs per request by frame. */
  frames: Array<{ name: string; where: string; url: string; us: number }>;
  busyPerRequest: number;
}

function analyse(profile: CpuProfile, requests: number): Analysis {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const groups = new Map<string, number>(GROUPS.map(([g]) => [g, 0]));
  const frames = new Map<string, { name: string; where: string; url: string; us: number }>();
  let busy = 0;
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id)!;
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    busy += us;
    const group = GROUPS.find(([, test]) => test(callFrame.url, name))![0];
    groups.set(group, groups.get(group)! + us / requests);
    const key = `${name} ${callFrame.url}:${callFrame.lineNumber}`;
    const frame = frames.get(key) ?? { name, where: where(callFrame), url: callFrame.url, us: 0 };
    frame.us += us / requests;
    frames.set(key, frame);
  }
  return {
    groups,
    frames: [...frames.values()].sort((a, b) => b.us - a.us),
    busyPerRequest: busy / requests,
  };
}

/** Bytes allocated per request by group and by function (self), from a sampling heap profile. */
function analyseHeap(profile: HeapProfile, requests: number): Analysis {
  const groups = new Map<string, number>(GROUPS.map(([g]) => [g, 0]));
  const frames = new Map<string, { name: string; where: string; url: string; us: number }>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const { callFrame, selfSize } = node;
    if (selfSize > 0) {
      const name = callFrame.functionName || '(anonymous)';
      total += selfSize;
      const group = GROUPS.find(([, test]) => test(callFrame.url, name))![0];
      groups.set(group, groups.get(group)! + selfSize / requests);
      const key = `${name} ${callFrame.url}:${callFrame.lineNumber}`;
      const frame = frames.get(key) ?? { name, where: where(callFrame), url: callFrame.url, us: 0 };
      frame.us += selfSize / requests;
      frames.set(key, frame);
    }
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  return {
    groups,
    frames: [...frames.values()].sort((a, b) => b.us - a.us),
    busyPerRequest: total / requests,
  };
}

async function profileStack(
  stack: StackName,
  mode: 'repeated' | 'never-seen',
  token: string,
  tokens: string[] | undefined,
  seconds: number,
  issuer: { issuer: string; jwksUri: string },
  heap: boolean,
): Promise<{ analysis: Analysis; rps: number; file: string }> {
  const server = await startServer(
    stack,
    { resource: RESOURCE, issuer: issuer.issuer, jwksUri: issuer.jwksUri, algorithms: ['RS256', 'ES256'] },
    // BENCH_SERVER_ARGS: V8/Node flags for the servers, e.g. `--no-turbo-inlining` to attribute what inlined
    // callees allocate to themselves.
    {
      cpus: HAS_TASKSET ? '1' : undefined,
      execArgv: process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean),
    },
  );
  const mcp = STACK_KIND[stack] === 'mcp';
  const request: Omit<LoadSpec, 'token' | 'tokens'> = {
    port: server.port,
    method: mcp ? 'POST' : 'GET',
    path: mcp ? MCP_ROUTE : ROUTE,
    headers: mcp ? { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } : {},
    body: mcp ? TOOLS_CALL_BODY : undefined,
    connections: 32,
  };
  // Warm-up on the profiled path, not profiled (never-seen: tokens this server has not seen, so the parse,
  // signature and cache insertion are warm too, not only the cache hit).
  await load(
    mode === 'never-seen'
      ? { ...request, tokens: tokens!.slice(0, WARMUP_TOKENS), amount: WARMUP_TOKENS - 200 }
      : { ...request, token, duration: 3 },
  );
  if (heap) await server.heapStart(HEAP_INTERVAL);
  else await server.profileStart(100);
  const result = await load(
    mode === 'never-seen'
      ? { ...request, tokens: tokens!.slice(WARMUP_TOKENS), amount: tokens!.length - WARMUP_TOKENS - 200 }
      : { ...request, token, duration: seconds },
  );
  const file = `${PROFILE_DIR}${stack}-${mode}.${heap ? 'heapprofile' : 'cpuprofile'}`;
  if (heap) await server.heapStop(file);
  else await server.profileStop(file);
  await server.stop();
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile & HeapProfile;
  const analysis = heap ? analyseHeap(profile, result.requests) : analyse(profile, result.requests);
  return { analysis, rps: result.rps, file };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const positional = args.filter((a) => !a.startsWith('--'));
  const stack = (positional[0] ?? 'mcp-auth') as StackName;
  const mode = (positional[1] ?? 'repeated') as 'repeated' | 'never-seen';
  const alg = (positional[2] ?? 'RS256') as Alg;
  const seconds = Number(positional[3] ?? 8);
  const heap = args.includes('--heap');
  const base = args.find((a) => a.startsWith('--base='))?.slice(7) as StackName | undefined;
  const floor: StackName = base ?? (STACK_KIND[stack] === 'mcp' ? 'mcp-noauth' : 'floor');
  for (const s of [stack, floor])
    if (!STACKS.includes(s)) throw new Error(`stack: one of ${STACKS.join(', ')}`);
  const issuer = await startLocalIssuer({ audience: RESOURCE, algorithms: ['RS256', 'ES256'] });
  const token = await mintOne(issuer, alg);
  const pools =
    mode === 'never-seen'
      ? [
          await mintMany(issuer, alg, 10_000 + WARMUP_TOKENS),
          await mintMany(issuer, alg, 10_000 + WARMUP_TOKENS),
        ]
      : [];
  mkdirSync(PROFILE_DIR, { recursive: true });
  if (HAS_TASKSET) pin(process.pid, '0');
  const baseline = await profileStack(floor, mode, token, pools[0], seconds, issuer, heap);
  const ours = await profileStack(stack, mode, token, pools[1], seconds, issuer, heap);
  await issuer.close();
  report(stack, floor, mode, alg, heap, baseline, ours);
}

function report(
  stack: StackName,
  floor: StackName,
  mode: string,
  alg: Alg,
  heap: boolean,
  base: { analysis: Analysis; rps: number },
  ours: { analysis: Analysis; rps: number },
): void {
  const us = (v: number) => fmt(v, heap ? 0 : 1);
  const unit = heap ? 'bytes allocated' : 'µs CPU';
  console.log(`# ${heap ? 'Allocation' : 'CPU'} profile: ${stack} vs ${floor}, ${mode} token, ${alg}\n`);
  console.log(
    `${floor}: ${fmt(base.rps)} req/s, ${us(base.analysis.busyPerRequest)} ${unit}/req (main thread) · ` +
      `${stack}: ${fmt(ours.rps)} req/s, ${us(ours.analysis.busyPerRequest)} ${unit}/req · profiles in bench/.profiles/\n`,
  );
  console.log(`${unit} per request by code group (main thread, self):\n`);
  console.log(
    table(
      [
        ['group', floor, stack, 'Δ'],
        ...GROUPS.map(([g]) => {
          const a = base.analysis.groups.get(g)!;
          const b = ours.analysis.groups.get(g)!;
          return [g, us(a), us(b), `${b - a >= 0 ? '+' : ''}${us(b - a)}`];
        }),
        [
          'total',
          us(base.analysis.busyPerRequest),
          us(ours.analysis.busyPerRequest),
          `+${us(ours.analysis.busyPerRequest - base.analysis.busyPerRequest)}`,
        ],
      ],
      ['l'],
    ),
  );
  const frameRows = (frames: Analysis['frames']) =>
    frames.slice(0, 25).map((f) => [f.name, f.where, us(f.us)]);
  console.log(`\nTop self frames of ${stack} (${unit} per request):\n`);
  console.log(table([['function', 'where', 'per req'], ...frameRows(ours.analysis.frames)], ['l', 'l']));
  const baseFrames = new Map(base.analysis.frames.map((f) => [`${f.name} ${f.where}`, f.us]));
  const oursFrames = new Map(ours.analysis.frames.map((f) => [`${f.name} ${f.where}`, f.us]));
  const deltas = [...new Set([...baseFrames.keys(), ...oursFrames.keys()])]
    .map((k) => ({ k, a: baseFrames.get(k) ?? 0, b: oursFrames.get(k) ?? 0 }))
    .sort((x, y) => y.b - y.a - (x.b - x.a))
    .slice(0, 25);
  console.log(`\nLargest self increases over ${floor} (${unit} per request):\n`);
  console.log(
    table(
      [
        ['function · where', floor, stack, 'Δ'],
        ...deltas.map(({ k, a, b }) => [k.replace(' ', ' · '), us(a), us(b), us(b - a)]),
      ],
      ['l'],
    ),
  );
  console.log(`\nAuth path frames (lib/, jose, async_hooks, node:crypto, passport…), ${unit} per request:\n`);
  console.log(
    table(
      [
        ['function', 'where', 'per req'],
        ...frameRows(
          ours.analysis.frames.filter((f) =>
            /\/dist-scripts\/lib\/|\/jose\/|async_hooks|async_local_storage|internal\/crypto|passport|jsonwebtoken|jwks-rsa|\/jws\/|\/jwa\//.test(
              f.url,
            ),
          ),
        ),
      ],
      ['l', 'l'],
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
