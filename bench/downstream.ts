// `npm run bench:downstream` (never part of npm test): the CPU cost of a tool call that obtains a downstream token
// (a DownstreamTokens cache hit: the exchange itself happens once) against the same tool call without it, on the
// same server child, alternating rounds. Target (issue 16): at most 5 % more CPU per call. Run it on a quiet
// machine; BENCH_QUICK=1 for a smoke run.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ARCHIVE_SCOPES } from '../sample/archive/archive.config.js';
import { startTestProvider, TOKEN_EXCHANGE } from '../test/support/oidc-provider.js';
import { userToken } from '../test/support/user-token.js';
import { freePort } from '../test/support/free-port.js';
import { MCP_ROUTE, SCOPE } from './common.js';
import type { DownstreamServerConfig } from './downstream-server.js';
import { measureRound, type MeasuredRound } from './load.js';
import { HAS_TASKSET, pin } from './processes.js';
import { fmt, median, table } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const REPS = Number(process.env.BENCH_REPS ?? (QUICK ? 2 : 12));
const DURATION = Number(process.env.BENCH_DURATION ?? (QUICK ? 1 : 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SERVER_JS = fileURLToPath(new URL('./downstream-server.js', import.meta.url));
const TOOLS = ['get-todos', 'get-todos-exchanging'] as const;

const body = (name: string) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

function startChild(config: DownstreamServerConfig) {
  const child: ChildProcess = fork(SERVER_JS, [JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // BENCH_SERVER_ARGS: Node/V8 flags for the server, e.g. `--cpu-prof --cpu-prof-dir=bench/.profiles`.
    execArgv: process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean),
  });
  if (HAS_TASKSET) pin(child.pid!, '1');
  const waiting: Array<(micros: number) => void> = [];
  const ready = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before ready`)));
    child.on('message', (m: { type: string; port?: number; micros?: number; message?: string }) => {
      if (m.type === 'ready') resolve(m.port!);
      else if (m.type === 'cpu') waiting.shift()?.(m.micros!);
      else if (m.type === 'error') reject(new Error(m.message));
    });
  });
  return {
    ready,
    cpu: () =>
      new Promise<{ micros: number }>((resolve) => {
        waiting.push((micros) => resolve({ micros }));
        child.send({ type: 'cpu' });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'exit' });
      }),
  };
}

async function main(): Promise<void> {
  if (HAS_TASKSET) pin(process.pid, '0');
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}${MCP_ROUTE}`;
  const archive = `http://127.0.0.1:${port}/archive`;
  const client = { clientId: 'bench-mcp', clientSecret: 'bench-secret-0123456789abcdef' };
  const provider = await startTestProvider({
    resources: { [resource]: { scopes: [SCOPE] }, [archive]: { scopes: ARCHIVE_SCOPES } },
    clients: [{ ...client, grantTypes: [TOKEN_EXCHANGE], exchangeAudiences: [resource] }],
  });
  const token = await userToken(provider, { accountId: 'alice', resource, scope: SCOPE });
  // The child listens on a free port of its own; the resource's port only names the identifier (never dialled).
  const server = startChild({ resource, archive, issuer: provider.issuer, client });
  try {
    const serverPort = await server.ready;
    const spec = (tool: string) => ({
      port: serverPort,
      method: 'POST' as const,
      path: MCP_ROUTE,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        host: `127.0.0.1:${port}`,
      },
      body: body(tool),
      token,
      connections: CONNECTIONS,
      duration: DURATION,
    });
    // Warm-up (and the one exchange): two rounds per tool, alternating, before anything is measured.
    for (const tool of [...TOOLS, ...TOOLS]) await measureRound(server, spec(tool));
    const exchangesAfterWarmUp = provider.requestCount('/token');
    const rounds: Record<string, MeasuredRound[]> = { [TOOLS[0]]: [], [TOOLS[1]]: [] };
    for (let rep = 0; rep < REPS; rep++) {
      for (const tool of rep % 2 === 0 ? TOOLS : [...TOOLS].reverse()) {
        const round = await measureRound(server, spec(tool));
        if (round.failures > 0) throw new Error(`${tool}: ${round.failures} failed requests`);
        rounds[tool].push(round);
      }
    }
    const cpu = (tool: string) => median(rounds[tool].map((r) => r.cpu));
    const rps = (tool: string) => median(rounds[tool].map((r) => r.rps));
    // Per round pair (the two tools measured back to back), as `npm run bench` does: machine-wide drift cancels.
    // The round measured second in a pair costs more (~20 %, whichever tool it is; likely the first one's garbage
    // collected during it), and the order alternates, so the ratio is taken per two consecutive pairs — one in each
    // order — as the geometric mean of their ratios, then the median over those.
    const ratios = rounds[TOOLS[1]].map((r, i) => r.cpu / rounds[TOOLS[0]][i].cpu);
    const balanced = ratios.flatMap((r, i) => (i % 2 === 1 ? [Math.sqrt(r * ratios[i - 1])] : []));
    const ratio = median(balanced);
    console.log(
      table([
        ['tool call', 'server CPU µs/call (median)', 'req/s (median)', 'rounds'],
        ...TOOLS.map((tool) => [tool, fmt(cpu(tool)), fmt(rps(tool)), String(rounds[tool].length)]),
      ]),
    );
    console.log(
      `\nexchanging (cached) / plain CPU per call, order-balanced median: ${ratio.toFixed(3)} (per pair of rounds ` +
        `${balanced.map((r) => r.toFixed(3)).join(', ')}; per round ${ratios.map((r) => r.toFixed(2)).join(', ')}; ` +
        `target ≤ 1.05): ${ratio <= 1.05 ? 'met' : 'NOT met'}` +
        `\nexchanges during the measured rounds: ${provider.requestCount('/token') - exchangesAfterWarmUp} (expected 0)` +
        `${HAS_TASKSET ? '' : '\n(taskset not found: server and load generator were not pinned to separate CPUs)'}`,
    );
  } finally {
    await server.stop();
    await provider.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
