/**
 * `npm run test:pack`, repository side: a fresh app installed from the packed tarball (its compiled `server.js`,
 * given as the first argument) is started against the real development OpenID provider, and the official MCP SDK
 * client completes the whole OAuth flow against it — 401 → protected resource metadata → authorization server
 * metadata → dynamic registration → authorization (PKCE + resource, headless user) → token → `tools/call` — with
 * the v1 client (`@modelcontextprotocol/sdk`) or the v2 client (`@modelcontextprotocol/client`), second argument.
 * The app takes its issuer, resource and port from `ISSUER`, `RESOURCE`, `PORT`; further arguments are passed to
 * `node` before the script (e.g. `--import ./block-express.mjs`). Prints one JSON line; exits non-zero on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { freePort } from '../support/free-port.js';
import { connectWithOAuthV2 } from '../support/headless-oauth-client-v2.js';
import { connectWithOAuth } from '../support/mcp-oauth-client.js';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.js';

const BOOT_TIMEOUT_MS = 30_000;

/** Starts the fresh app and resolves once it printed `listening`; rejects with its output if it exits first. */
function startApp(script: string, nodeArgs: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: dirname(dirname(script)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('did not listen in time'), BOOT_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`the fresh app ${why}:\n${output}`));
    };
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening ')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => fail(`exited (${code})`));
  });
}

/** Stops the app by its own pid and waits for it to exit (killed if it has not closed in time). */
async function stopApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The full OAuth flow and one tool call with the named client line. */
async function callWithOAuth(line: string, resource: string, provider: TestProvider) {
  const browser = (url: URL) => provider.authorize(url);
  const mcp =
    line === 'v2'
      ? await connectWithOAuthV2(resource, { browser })
      : await connectWithOAuth(resource, { browser });
  try {
    const result = await mcp.callTool('whoami', {});
    return {
      tool: (result.content as Array<{ text?: string }>)[0]?.text,
      challenges: mcp.oauth.challenges.map((c) => c.status),
      authorizations: mcp.oauth.authorizations.length,
      // Dynamic registration gave the client its id; the token endpoint was reached (code → token).
      registered: typeof mcp.oauth.clientInformation()?.client_id === 'string',
      tokenRequests: provider.requestCount('/token'),
    };
  } finally {
    await mcp.close();
  }
}

async function main(): Promise<void> {
  const [script, line = 'v1', ...nodeArgs] = process.argv.slice(2);
  if (!script) throw new Error('usage: oauth-flow.js <fresh app server.js> [v1|v2] [node args…]');
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const provider = await startTestProvider({ resources: { [resource]: { scopes: ['read'] } } });
  let app: ChildProcess | undefined;
  try {
    app = await startApp(script, nodeArgs, {
      ISSUER: provider.issuer,
      RESOURCE: resource,
      PORT: String(port),
    });
    console.log(JSON.stringify({ client: line, ...(await callWithOAuth(line, resource, provider)) }));
  } finally {
    if (app) await stopApp(app);
    await provider.close();
  }
}

main().catch((error: unknown) => {
  console.error(
    `oauth flow failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
