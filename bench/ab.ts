import { startLocalIssuer } from '../lib/testing/index.js';
import { MCP_ROUTE, ROUTE, STACK_KIND, STACKS, TOOLS_CALL_BODY, type StackName } from './common.js';
import { measureRound, type LoadSpec, type MeasuredRound } from './load.js';
import { HAS_TASKSET, pin, startServer } from './processes.js';
import { fmt, median, table } from './stats.js';
import { mintOne } from './tokens.js';

/**
 * A/B of any stacks, same method as run.js (interleaved rotated rounds, one warm-up, CPU read inside the servers),
 * repeated RS256 token: for diagnostics such as “what does the AsyncLocalStorage middleware alone cost?”.
 * Usage: node dist-scripts/bench/ab.js <stack> <stack> [more stacks…] [--reps=5] [--duration=3]
 * e.g.   node dist-scripts/bench/ab.js floor floor-als mcp-auth
 *        node dist-scripts/bench/ab.js mcp-noauth mcp-noauth-als mcp-tools-auth
 */
const RESOURCE = 'http://127.0.0.1/api';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const stacks = args.filter((a) => !a.startsWith('--')) as StackName[];
  const reps = option('reps', 5);
  const duration = option('duration', 3);
  for (const s of stacks) if (!STACKS.includes(s)) throw new Error(`stack: one of ${STACKS.join(', ')}`);
  if (stacks.length < 2) throw new Error('name two stacks or more; the first is the baseline');

  const issuer = await startLocalIssuer({ audience: RESOURCE, algorithms: ['RS256'] });
  const token = await mintOne(issuer, 'RS256');
  if (HAS_TASKSET) pin(process.pid, '0');
  const config = {
    resource: RESOURCE,
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    algorithms: ['RS256' as const],
  };
  const servers = await Promise.all(
    stacks.map((s) => startServer(s, config, { cpus: HAS_TASKSET ? '1' : undefined })),
  );
  const spec = (port: number, stack: StackName): LoadSpec =>
    STACK_KIND[stack] === 'mcp'
      ? {
          port,
          method: 'POST',
          path: MCP_ROUTE,
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: TOOLS_CALL_BODY,
          token,
          connections: 32,
          duration,
        }
      : { port, method: 'GET', path: ROUTE, token, connections: 32, duration };
  const rounds = new Map<StackName, MeasuredRound[]>(stacks.map((s) => [s, []]));
  for (let rep = 0; rep <= reps; rep++) {
    for (let i = 0; i < stacks.length; i++) {
      const k = (i + rep) % stacks.length;
      const result = await measureRound(servers[k], spec(servers[k].port, stacks[k]));
      if (result.failures) throw new Error(`${stacks[k]}: ${result.failures} failed requests`);
      if (rep > 0) rounds.get(stacks[k])!.push(result);
    }
  }
  for (const server of servers) await server.stop();
  await issuer.close();

  const base = rounds.get(stacks[0])!;
  console.log(
    table(
      [
        ['stack', 'req/s', 'CPU µs/req', `Δ CPU vs ${stacks[0]}`, `× ${stacks[0]} req/s`],
        ...stacks.map((s) => {
          const r = rounds.get(s)!;
          return [
            s,
            fmt(median(r.map((x) => x.rps))),
            fmt(median(r.map((x) => x.cpu)), 1),
            fmt(median(r.map((x, i) => x.cpu - base[i].cpu)), 1),
            fmt(median(r.map((x, i) => x.rps / base[i].rps)), 2),
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
