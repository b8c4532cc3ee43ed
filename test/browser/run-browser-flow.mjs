/**
 * `npm run test:browser`: a browser-based MCP client in headless Chromium against the sample, through the whole
 * OAuth flow, with the browser enforcing CORS on every request (R32, R38). Never part of `npm test`.
 *
 * 1. Compiles and starts the sample (its embedded development provider included) on free ports.
 * 2. Serves test/browser/browser-client.html at http://localhost:<CLIENT_PORT>/ — by default 6274, the MCP
 *    Inspector UI's origin, which the sample allows by default; on another port the sample gets
 *    ALLOWED_ORIGINS=http://localhost:<port>.
 * 3. Opens the page in headless Chromium (Debian's `chromium`, or $CHROMIUM): the page reads the 401 challenge,
 *    the RFC 9728 metadata and the provider's metadata, registers, authorizes (PKCE S256 + resource; the development
 *    provider logs in and consents by itself), exchanges the code, calls initialize and tools/call, and posts
 *    each step back to the page's server.
 * 4. Stops Chromium and the sample (by their pids) and exits 0 when every check passed, 1 otherwise.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repo, startSample } from '../support/sample-process.mjs';

const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const timeoutMs = Number(process.env.BROWSER_TIMEOUT_MS ?? 60_000);
const say = (line = '') => process.stdout.write(`${line}\n`);

let failures = 0;
function check(label, ok, detail) {
  say(
    `  ${ok ? 'ok  ' : 'FAIL'} ${label}${!ok && detail !== undefined ? ` — ${JSON.stringify(detail)}` : ''}`,
  );
  if (!ok) failures++;
}

/** Serves the client page (at / and at its redirect URI) and resolves `result` with what the page posts. */
async function startPageServer(port) {
  const page = readFileSync(join(repo, 'test/browser/browser-client.html'));
  let deliver;
  const result = new Promise((resolveResult) => (deliver = resolveResult));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'POST' && path === '/result') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        res.end();
        deliver(JSON.parse(body));
      });
      return;
    }
    if (req.method !== 'GET' || (path !== '/' && path !== '/oauth/callback')) {
      res.statusCode = 404;
      return void res.end();
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page);
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, 'localhost', resolveListen);
  });
  return { result, close: () => new Promise((r) => server.close(r)) };
}

/** Headless Chromium on `url`, in its own process group and a throw-away profile. */
function openChromium(url) {
  const profile = mkdtempSync(join(tmpdir(), 'nest-mcp-auth-chromium-'));
  const child = spawn(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      url,
    ],
    { detached: true, stdio: 'ignore' },
  );
  return {
    stop() {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function checkSteps({ steps, error }, resource, issuer) {
  const step = (name) => steps.find((s) => s.step === name) ?? {};
  if (error) check('the page ran to the end', false, error);
  const first = step('unauthenticated initialize');
  check('401 on the unauthenticated initialize', first.status === 401, first);
  check(
    'the challenge is readable from the page (exposed WWW-Authenticate)',
    /resource_metadata=/.test(first.challenge ?? ''),
    first,
  );
  check('RFC 9728 metadata read cross-origin', step('protected resource metadata').resource === resource);
  check('provider metadata read cross-origin', step('provider metadata').issuer === issuer);
  check(
    'dynamic registration from the page (CORS on /reg)',
    step('registration').status === 201,
    step('registration'),
  );
  check(
    'authorization code received at the page',
    step('authorization').code === 'received',
    step('authorization'),
  );
  check('token endpoint from the page (CORS on /token)', step('token').status === 200, step('token'));
  const init = step('initialize');
  check('MCP initialize with the token', init.status === 200 && init.server === 'todo-manager', init);
  const whoami = step('tools/call whoami');
  check(
    'tools/call whoami answers alice',
    whoami.status === 200 && whoami.result?.subject === 'alice',
    whoami,
  );
  const stepUp = step('tools/call delete-todo');
  check(
    'a tool beyond the token: 403 insufficient_scope readable from the page',
    stepUp.status === 403 && /insufficient_scope/.test(stepUp.challenge ?? ''),
    stepUp,
  );
}

async function main() {
  if (!existsSync(chromium)) {
    say(`No Chromium at ${chromium}: install Debian's chromium (apt-get install chromium) or set CHROMIUM.`);
    return 1;
  }
  const clientPort = Number(process.env.CLIENT_PORT ?? 6274);
  const [port, providerPort] = [await freePort(), await freePort()];
  const origin = `http://localhost:${clientPort}`;
  const env = clientPort === 6274 ? {} : { ALLOWED_ORIGINS: origin };
  const pages = await startPageServer(clientPort);
  const sample = await startSample(port, providerPort, { env, say });
  const resource = `http://127.0.0.1:${port}/mcp`;
  say(`Browser client at ${origin} (Chromium: ${chromium})`);
  const browser = openChromium(`${origin}/?mcp=${encodeURIComponent(resource)}`);
  try {
    const timeout = new Promise((r) =>
      setTimeout(() => r({ steps: [], error: `no result in ${timeoutMs} ms` }), timeoutMs).unref(),
    );
    const result = await Promise.race([pages.result, timeout]);
    check(
      'the page runs on its own origin',
      result.origin === origin || result.error !== undefined,
      result.origin,
    );
    checkSteps(result, resource, `http://127.0.0.1:${providerPort}`);
  } finally {
    browser.stop();
    await sample.stop();
    await pages.close();
  }
  if (failures) say(`\nSample output:\n${sample.output()}`);
  say(failures ? `\n${failures} check(s) failed.` : '\nEvery check passed.');
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say(String(error?.stack ?? error));
    process.exit(1);
  },
);
