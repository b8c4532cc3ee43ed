/**
 * The sample as a separate process, for the scripts that drive real clients against it (`npm run test:inspector`,
 * `npm run test:browser`): compiles it as `npm run sample` does, starts `node dist-sample/sample/main.js` with its
 * embedded development provider, waits until its metadata answers, and stops it by its pid.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** The sample with its embedded development provider: no ISSUER, RESOURCE or ISSUER_TYPE from the caller. */
function sampleEnv(port, providerPort, extra) {
  const env = {
    ...process.env,
    PORT: String(port),
    DEV_PROVIDER_PORT: String(providerPort),
    HOST: '127.0.0.1',
  };
  for (const key of ['ISSUER', 'ISSUER_TYPE', 'RESOURCE', 'ALLOWED_ORIGINS']) delete env[key];
  return { ...env, ...extra };
}

/**
 * Compiles the sample and starts it; resolves once its metadata answers. `env` adds variables (e.g.
 * `ALLOWED_ORIGINS`); `say` prints progress.
 */
export async function startSample(port, providerPort, { env = {}, say = () => {} } = {}) {
  say('Compiling the sample (tsc -p tsconfig.sample.json)…');
  const tsc = spawnSync(
    process.execPath,
    [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.sample.json'],
    { cwd: repo, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error('the sample does not compile');
  const child = spawn(process.execPath, ['dist-sample/sample/main.js'], {
    cwd: repo,
    env: sampleEnv(port, providerPort, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const prm = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the sample exited (${child.exitCode}):\n${output}`);
    const ok = await fetch(prm)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the sample did not start within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  say(
    `Sample started (pid ${child.pid}): http://127.0.0.1:${port}/mcp, provider http://127.0.0.1:${providerPort}`,
  );
  return {
    pid: child.pid,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
      const { code, signal } = await exited;
      clearTimeout(timer);
      say(`Sample stopped (pid ${child.pid}, ${signal ?? `exit ${code}`}).`);
    },
  };
}
