import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalIssuer } from '../lib/testing/index.js';
import { MCP_ROUTE, ROUTE, STACK_KIND, STACKS, TOOLS_CALL_BODY, type Alg, type StackName } from './common.js';
import { load, type LoadSpec } from './load.js';
import { startServer } from './processes.js';
import { fmt, median, table } from './stats.js';
import { mintMany, mintOne } from './tokens.js';

/**
 * Instructions per request of server stacks, counted by valgrind (callgrind) inside each server: unlike CPU time
 * they do not depend on what else the machine runs, so a few µs of difference between two stacks show on a busy
 * machine. Each stack boots under callgrind, takes `--warmup` requests (the JIT settles), then its counters are
 * zeroed, `--requests` requests are sent (`--connections` at a time) and the counters dumped: instructions (Ir) of
 * every thread of the server over those requests ÷ requests. `--rounds` repeats the measured window on the same
 * server (the spread says how repeatable the count is). Slow: valgrind runs the server ~50× slower.
 * Usage: node dist-scripts/bench/instructions.js <stack> <stack>… [--never-seen] [--alg=RS256|ES256]
 *          [--requests=2000] [--warmup=4000] [--rounds=3] [--connections=4] [--top=0]
 * `--top=N` prints the N native functions (V8 builtins, the GC, node, OpenSSL…) with the most inclusive
 * instructions per request, from callgrind_annotate (JIT-compiled JavaScript shows as addresses, not listed).
 */
const RESOURCE = 'http://127.0.0.1/api';
const OUT_DIR = fileURLToPath(new URL('../../bench/.profiles/callgrind/', import.meta.url));

interface Options {
  neverSeen: boolean;
  alg: Alg;
  requests: number;
  warmup: number;
  rounds: number;
  connections: number;
  top: number;
}

/** The instruction total of a callgrind dump (every thread: one file per dump). */
function totalOf(file: string): number {
  const text = readFileSync(file, 'utf8');
  const match = /^(?:summary|totals):\s+(\d+)/m.exec(text);
  if (!match) throw new Error(`no totals in ${file}`);
  return Number(match[1]);
}

function dumpsOf(pid: number): string[] {
  return readdirSync(OUT_DIR)
    .filter((f) => f.startsWith(`callgrind.out.${pid}.`))
    .map((f) => `${OUT_DIR}${f}`);
}

/** The native functions with the most inclusive instructions in a dump, per request. */
function topFunctions(file: string, requests: number, count: number): Array<[string, number]> {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const rows: Array<[string, number]> = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(?:\*\s+)?(.+?)(?:\s+\[.*\])?$/.exec(line);
    if (!m || m[2].startsWith('???') || m[2].startsWith('0x')) continue;
    rows.push([m[2].replace(/^.*:/, ''), Number(m[1].replace(/,/g, '')) / requests]);
    if (rows.length >= count) break;
  }
  return rows;
}

async function measureStack(
  stack: StackName,
  config: { resource: string; issuer: string; jwksUri: string; algorithms: Alg[] },
  token: string,
  pool: string[],
  options: Options,
): Promise<{ perRequest: number[]; top: Array<[string, number]> }> {
  const server = await startServer(stack, config, {
    wrapper: {
      command: 'valgrind',
      args: [
        '--tool=callgrind',
        '--smc-check=all-non-file',
        `--callgrind-out-file=${OUT_DIR}callgrind.out.%p`,
      ],
    },
  });
  const mcp = STACK_KIND[stack] === 'mcp';
  const spec = (amount: number, tokens?: string[]): LoadSpec => ({
    port: server.port,
    method: mcp ? 'POST' : 'GET',
    path: mcp ? MCP_ROUTE : ROUTE,
    headers: mcp ? { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } : {},
    body: mcp ? TOOLS_CALL_BODY : undefined,
    connections: options.connections,
    amount,
    ...(tokens ? { tokens } : { token }),
  });
  let next = 0;
  const take = (n: number) => (options.neverSeen ? pool.slice(next, (next += n + 64)) : undefined);
  await load(spec(options.warmup, take(options.warmup)));
  const control = (...args: string[]) =>
    execFileSync('callgrind_control', [...args, String(server.pid)], { stdio: 'ignore' });
  const perRequest: number[] = [];
  let top: Array<[string, number]> = [];
  for (let r = 0; r < options.rounds; r++) {
    const before = new Set(dumpsOf(server.pid));
    control('--zero');
    const result = await load(spec(options.requests, take(options.requests)));
    if (result.failures) throw new Error(`${stack}: ${result.failures} failed requests`);
    control('--dump');
    const dump = dumpsOf(server.pid).find((f) => !before.has(f));
    if (!dump) throw new Error(`${stack}: callgrind wrote no dump`);
    perRequest.push(totalOf(dump) / result.requests);
    if (options.top > 0 && r === options.rounds - 1) top = topFunctions(dump, result.requests, options.top);
  }
  await server.stop();
  return { perRequest, top };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const stacks = args.filter((a) => !a.startsWith('--')) as StackName[];
  for (const s of stacks) if (!STACKS.includes(s)) throw new Error(`stack: one of ${STACKS.join(', ')}`);
  const options: Options = {
    neverSeen: args.includes('--never-seen'),
    alg: (args.find((a) => a.startsWith('--alg='))?.split('=')[1] ?? 'RS256') as Alg,
    requests: option('requests', 2_000),
    warmup: option('warmup', 4_000),
    rounds: option('rounds', 3),
    connections: option('connections', 4),
    top: option('top', 0),
  };
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const issuer = await startLocalIssuer({ audience: RESOURCE, algorithms: [options.alg] });
  const token = await mintOne(issuer, options.alg);
  const needed = options.warmup + options.rounds * options.requests + 64 * (options.rounds + 1);
  const config = {
    resource: RESOURCE,
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    algorithms: [options.alg],
  };
  const results = new Map<StackName, { perRequest: number[]; top: Array<[string, number]> }>();
  for (const stack of stacks) {
    // Each server sees its own never-seen tokens (minted per stack: none was sent to it before).
    const pool = options.neverSeen ? await mintMany(issuer, options.alg, needed) : [];
    results.set(stack, await measureStack(stack, config, token, pool, options));
    console.error(
      `  ${stack}: ${results
        .get(stack)!
        .perRequest.map((v) => fmt(v))
        .join(', ')}`,
    );
  }
  await issuer.close();
  const base = median(results.get(stacks[0])!.perRequest);
  console.log(
    `\nInstructions per request (callgrind, every server thread), ${options.neverSeen ? 'never-seen tokens' : 'repeated token'}, ${options.alg}, ${options.connections} connections, ${fmt(options.requests)} requests per round after ${fmt(options.warmup)} warm-up:\n`,
  );
  console.log(
    table(
      [
        ['stack', 'median', 'rounds', `Δ vs ${stacks[0]}`],
        ...stacks.map((s) => {
          const r = results.get(s)!.perRequest;
          return [s, fmt(median(r)), r.map((v) => fmt(v)).join(', '), fmt(median(r) - base)];
        }),
      ],
      ['l'],
    ),
  );
  for (const [stack, { top }] of results) {
    if (top.length === 0) continue;
    console.log(`\n${stack}: native functions, inclusive instructions per request\n`);
    console.log(table([['function', 'Ir/req'], ...top.map(([f, v]) => [f, fmt(v)])], ['l']));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
