import { startLocalIssuer } from '../lib/testing/index.js';
import { MCP_ROUTE, ROUTE, STACK_KIND, STACKS, TOOLS_CALL_BODY, type Alg, type StackName } from './common.js';
import { load, measureRound, type LoadSpec, type MeasuredRound } from './load.js';
import { HAS_TASKSET, pin, startServer } from './processes.js';
import { fmt, median, table } from './stats.js';
import { mintMany, mintOne } from './tokens.js';

/**
 * A/B of any stacks, same method as run.js (interleaved rotated rounds, one warm-up, CPU read inside the servers),
 * repeated RS256 token: for diagnostics such as “what does the AsyncLocalStorage middleware alone cost?”.
 * Usage: node dist-scripts/bench/ab.js <stack>[+nocache] <stack> [more stacks…] [--reps=5] [--duration=3] [--warmup=3000]
 *          [--never-seen [--amount=4000]] [--alg=RS256|ES256] [--server-flags='<node flags>']
 * `--server-flags` replaces the servers' V8 flags (default: SERVER_FLAGS of processes.ts; empty: V8's own defaults).
 * `+nocache` boots the stack with `tokenCache: false`; a `#tag` suffix runs one more process of a stack named
 * already (`floor-guard#2`: the spread between processes); `--never-seen` gives every request its own token.
 * e.g.   node dist-scripts/bench/ab.js floor floor-als mcp-auth
 *        node dist-scripts/bench/ab.js mcp-noauth mcp-noauth-als mcp-tools-auth
 *        node dist-scripts/bench/ab.js floor mcp-auth mcp-auth+nocache --never-seen
 */
const RESOURCE = 'http://127.0.0.1/api';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const names = args.filter((a) => !a.startsWith('--'));
  const stacks = names.map((n) => n.replace(/#\w+$/, '').replace(/\+nocache$/, '') as StackName);
  const reps = option('reps', 5);
  const duration = option('duration', 3);
  const amount = option('amount', 4_000);
  const neverSeen = args.includes('--never-seen');
  const execArgv = args
    .find((a) => a.startsWith('--server-flags='))
    ?.slice('--server-flags='.length)
    .split(' ')
    .filter(Boolean);
  const alg = (args.find((a) => a.startsWith('--alg='))?.split('=')[1] ?? 'RS256') as Alg;
  for (const s of stacks) if (!STACKS.includes(s)) throw new Error(`stack: one of ${STACKS.join(', ')}`);
  if (stacks.length < 2) throw new Error('name two stacks or more; the first is the baseline');

  const issuer = await startLocalIssuer({ audience: RESOURCE, algorithms: [alg] });
  const token = await mintOne(issuer, alg);
  // Never-seen: one pool of fresh tokens per round (each server sees each token once).
  const pools = neverSeen
    ? await mintMany(issuer, alg, (reps + 1) * (amount + 128)).then((all) =>
        Array.from({ length: reps + 1 }, (_, r) => all.slice(r * (amount + 128), (r + 1) * (amount + 128))),
      )
    : [];
  if (HAS_TASKSET) pin(process.pid, '0');
  const config = {
    resource: RESOURCE,
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    algorithms: [alg],
  };
  const servers = await Promise.all(
    names.map((n, i) =>
      startServer(
        stacks[i],
        { ...config, tokenCacheOff: n.replace(/#\w+$/, '').endsWith('+nocache') },
        { cpus: HAS_TASKSET ? '1' : undefined, execArgv },
      ),
    ),
  );
  const spec = (port: number, stack: StackName, rep: number): LoadSpec => {
    const tokens = neverSeen ? { tokens: pools[rep], amount } : { token, duration };
    return STACK_KIND[stack] === 'mcp'
      ? {
          port,
          method: 'POST',
          path: MCP_ROUTE,
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: TOOLS_CALL_BODY,
          connections: 32,
          ...tokens,
        }
      : { port, method: 'GET', path: ROUTE, connections: 32, ...tokens };
  };
  // Every server warmed up first (`--warmup` requests, repeated token): the JIT settles before the rounds.
  const warmup = option('warmup', 3_000);
  for (let k = 0; k < servers.length; k++) {
    await load({
      ...spec(servers[k].port, stacks[k], 0),
      token,
      tokens: undefined,
      duration: undefined,
      amount: warmup,
    });
  }
  const rounds = new Map<string, MeasuredRound[]>(names.map((n) => [n, []]));
  for (let rep = 0; rep <= reps; rep++) {
    for (let i = 0; i < stacks.length; i++) {
      const k = (i + rep) % stacks.length;
      const result = await measureRound(servers[k], spec(servers[k].port, stacks[k], rep));
      if (result.failures) throw new Error(`${names[k]}: ${result.failures} failed requests`);
      if (rep > 0) rounds.get(names[k])!.push(result);
    }
  }
  for (const server of servers) await server.stop();
  await issuer.close();

  const base = rounds.get(names[0])!;
  console.log(
    table(
      [
        [
          'stack',
          'req/s',
          'CPU µs/req',
          `Δ CPU vs ${names[0]}`,
          `× ${names[0]} req/s`,
          'bytes/req',
          'GCs/1k req',
        ],
        ...names.map((s) => {
          const r = rounds.get(s)!;
          return [
            s,
            fmt(median(r.map((x) => x.rps))),
            fmt(median(r.map((x) => x.cpu)), 1),
            fmt(median(r.map((x, i) => x.cpu - base[i].cpu)), 1),
            fmt(median(r.map((x, i) => x.rps / base[i].rps)), 2),
            fmt(median(r.map((x) => x.bytes))),
            fmt(median(r.map((x) => x.minorGcs + x.majorGcs)), 2),
          ];
        }),
      ],
      ['l'],
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
