/**
 * `npm run soak`: minutes of mixed traffic at full speed against the sample MCP server, run as its own process —
 * valid calls, step-up 403s, missing/expired/foreign/garbage tokens, create+delete pairs — checking every answer.
 * Prints requests, wrong decisions (must be 0), 5xx (must be 0) and the server's RSS once warm and at the end
 * (must be flat). Exits 1 on any violation.
 *
 * Environment: SOAK_SECONDS (default 180), SOAK_CONCURRENCY (default 32).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.js';
import { startTestProvider, type TestProvider } from '../test/support/oidc-provider.js';
import { TODO_SCOPES } from '../sample/app.module.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 32);
const WARMUP_SECONDS = Math.min(15, SECONDS / 4);
const CLIENT = { clientId: 'soak', clientSecret: 'soak-secret-0123456789abcdef' };

type Outcome = { status: number; body: string; headers: Headers };
type Scenario = { name: string; run: () => Promise<Outcome>; ok: (o: Outcome) => boolean };

const rssOf = (child: ChildProcess): number => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const other = `http://127.0.0.1:${port}/other`;
  const provider: TestProvider = await startTestProvider({
    resources: { [resource]: { scopes: TODO_SCOPES }, [other]: { scopes: TODO_SCOPES } },
    clients: [CLIENT],
  });
  const server = fork(fileURLToPath(new URL('../sample/main.js', import.meta.url)), [], {
    env: { ...process.env, PORT: String(port), ISSUER: provider.issuer, ISSUER_TYPE: 'oidc' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const stop = async () => {
    server.kill('SIGTERM');
    await provider.close();
  };
  try {
    await waitFor(`${resource.replace('/mcp', '')}/.well-known/oauth-protected-resource/mcp`);
    const token = (scope: string, target = resource) =>
      provider.clientCredentialsToken({ ...CLIENT, scope, resource: target });
    const now = () => Math.floor(Date.now() / 1000);
    const tokens = {
      read: await token('read:todos'),
      write: await token('read:todos create:todos delete:todos'),
      foreign: await token('read:todos', other),
      expired: await provider.signToken({
        iss: provider.issuer,
        aud: resource,
        sub: 'x',
        scope: 'read:todos',
        iat: now() - 600,
        exp: now() - 60,
      }),
    };
    // Fresh tokens now and then, so that the verified-token cache churns as in real life.
    const refresh = setInterval(() => {
      void token('read:todos').then(
        (t) => (tokens.read = t),
        () => undefined,
      );
    }, 2_000);

    let id = 0;
    const rpc = async (body: unknown, bearer?: string): Promise<Outcome> => {
      const res = await fetch(resource, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.text(), headers: res.headers };
    };
    const call = (name: string, args: Record<string, unknown> = {}) => ({
      jsonrpc: '2.0',
      id: ++id,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    const challenge = (o: Outcome) => o.headers.get('www-authenticate') ?? '';
    const scenarios: Scenario[] = [
      {
        name: 'get-todos',
        run: () => rpc(call('get-todos'), tokens.read),
        ok: (o) => o.status === 200 && o.body.includes('todos') && !o.body.includes('"isError":true'),
      },
      {
        name: 'tools/list',
        run: () => rpc({ jsonrpc: '2.0', id: ++id, method: 'tools/list' }, tokens.read),
        ok: (o) => o.status === 200 && o.body.includes('get-todos') && !o.body.includes('create-todo'),
      },
      {
        name: 'step-up 403',
        run: () => rpc(call('create-todo', { content: 'x' }), tokens.read),
        ok: (o) =>
          o.status === 403 &&
          challenge(o).includes('error="insufficient_scope"') &&
          challenge(o).includes('scope="read:todos create:todos"'),
      },
      {
        name: 'create+delete',
        run: async () => {
          const created = await rpc(call('create-todo', { content: 'soak' }), tokens.write);
          const todoId = /\\"id\\":\\"([0-9a-f-]{36})\\"/.exec(created.body)?.[1];
          if (created.status !== 200 || !todoId) return created;
          return rpc(call('delete-todo', { id: todoId }), tokens.write);
        },
        ok: (o) => o.status === 200 && o.body.includes('soak') && !o.body.includes('"isError":true'),
      },
      {
        name: 'no token',
        run: () => rpc(call('get-todos')),
        ok: (o) => o.status === 401 && !challenge(o).includes('error='),
      },
      {
        name: 'expired',
        run: () => rpc(call('get-todos'), tokens.expired),
        ok: (o) => o.status === 401 && challenge(o).includes('error="invalid_token"'),
      },
      {
        name: 'foreign resource',
        run: () => rpc(call('get-todos'), tokens.foreign),
        ok: (o) => o.status === 401 && challenge(o).includes('error="invalid_token"'),
      },
      {
        name: 'garbage',
        run: () => rpc(call('get-todos'), `${tokens.read.slice(0, -4)}AAAA`),
        ok: (o) => o.status === 401,
      },
    ];

    const stats = { requests: 0, wrong: 0, fivexx: 0, errors: 0 };
    const wrongBy = new Map<string, number>();
    let rssWarm = 0;
    const started = Date.now();
    const end = started + SECONDS * 1000;
    const warmAt = started + WARMUP_SECONDS * 1000;
    const worker = async (w: number) => {
      for (let i = w; Date.now() < end; i++) {
        const scenario = scenarios[i % scenarios.length];
        try {
          const outcome = await scenario.run();
          stats.requests++;
          if (outcome.status >= 500) stats.fivexx++;
          if (!scenario.ok(outcome)) {
            stats.wrong++;
            wrongBy.set(scenario.name, (wrongBy.get(scenario.name) ?? 0) + 1);
          }
        } catch {
          stats.errors++;
        }
        if (!rssWarm && Date.now() >= warmAt) rssWarm = rssOf(server);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    clearInterval(refresh);
    const rssEnd = rssOf(server);
    const seconds = (Date.now() - started) / 1000;
    const growth = rssEnd / rssWarm;
    console.log(
      `soak: ${seconds.toFixed(0)} s, ${stats.requests} requests (${(stats.requests / seconds).toFixed(0)}/s), ` +
        `wrong decisions ${stats.wrong}, 5xx ${stats.fivexx}, client errors ${stats.errors}, ` +
        `RSS warm ${mb(rssWarm)} → end ${mb(rssEnd)} (×${growth.toFixed(2)})`,
    );
    if (wrongBy.size) console.log(`wrong by scenario: ${JSON.stringify(Object.fromEntries(wrongBy))}`);
    const flat = growth <= 1.3;
    if (stats.wrong || stats.fivexx || stats.errors || !flat) {
      console.error(`soak FAILED${flat ? '' : ' (RSS not flat)'}`);
      process.exitCode = 1;
    }
  } finally {
    await stop();
  }
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the sample did not start (${url})`);
}

void main();
