/**
 * `npm run test:inspector`: the MCP Inspector 2.x in CLI mode against the running sample, through its own OAuth
 * flow, headlessly.
 *
 * 1. Installs the Inspector on demand into a cache directory outside this repository's node_modules (it is a large
 *    install: ~110 MB) — `npm install --prefix <cache> @modelcontextprotocol/inspector@<version>` — unless that
 *    version is there already.
 * 2. Compiles and starts the sample (`node dist-sample/sample/main.js`, its embedded development provider included)
 *    on free ports.
 * 3. Runs `inspector --cli <url> --method … --callback-url http://127.0.0.1:<port>/oauth/callback` with `$BROWSER`
 *    set to browser.mjs (the development provider logs in and consents by itself; the script then calls the
 *    Inspector's loopback callback) and the Inspector's state in a throw-away directory: tools/list, tools/call
 *    whoami, a scoped tool (create-todo), get-todos. The first login declines delete:todos, so tools/list must hide
 *    delete-todo and the token must carry only the other scopes.
 * 4. Stops the sample (by its pid) and exits 0 when every check passed, 1 otherwise.
 *
 * Environment: INSPECTOR_VERSION (default 2.12.0), INSPECTOR_CACHE_DIR (default
 * ${XDG_CACHE_HOME:-~/.cache}/nest-mcp-auth-inspector), INSPECTOR_TIMEOUT_MS (per Inspector run, default 60000).
 *
 * Needs a Unix-like system where `open` falls back to xdg-open's $BROWSER (Linux, BSD; not macOS/Windows: there
 * the Inspector opens the system browser and $BROWSER is not read). The Inspector declares Node >= 22.19; 2.12.0
 * works on Node 20.19+ for what is used here (npm prints EBADENGINE warnings while installing).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, repo, startSample } from '../support/sample-process.mjs';

const version = process.env.INSPECTOR_VERSION ?? '2.12.0';
const cacheDir = resolve(
  process.env.INSPECTOR_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nest-mcp-auth-inspector'),
);
const timeoutMs = Number(process.env.INSPECTOR_TIMEOUT_MS ?? 60_000);
const say = (line = '') => process.stdout.write(`${line}\n`);

let failures = 0;
function check(label, ok, detail) {
  say(`  ${ok ? 'ok  ' : 'FAIL'} ${label}${!ok && detail !== undefined ? ` — ${detail}` : ''}`);
  if (!ok) failures++;
  return ok;
}

/** Installs the Inspector into the cache directory when that version is not there; returns its launcher. */
function ensureInspector() {
  const pkg = join(cacheDir, 'node_modules/@modelcontextprotocol/inspector/package.json');
  const installed = existsSync(pkg) ? JSON.parse(readFileSync(pkg, 'utf8')).version : undefined;
  if (installed !== version) {
    say(`Installing @modelcontextprotocol/inspector@${version} into ${cacheDir} (once)…`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(
      npm,
      [
        'install',
        '--prefix',
        cacheDir,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `@modelcontextprotocol/inspector@${version}`,
      ],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) throw new Error(`npm install of the Inspector failed (exit ${result.status})`);
  }
  say(`Inspector ${version}: ${cacheDir}`);
  return join(cacheDir, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');
}

/** One Inspector CLI run; resolves with its exit code, stdout and stderr. */
function inspector(launcher, args, env, stdin = '') {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [launcher, '--cli', ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[run-inspector] timed out after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The JSON a tool returned as its text content (the sample's tools answer JSON). */
function toolJson(run) {
  const text = parseJson(run.stdout)?.result?.content?.find((c) => c.type === 'text')?.text;
  return text === undefined ? undefined : parseJson(text);
}

function browserLog(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function main() {
  const launcher = ensureInspector();
  const [port, providerPort, callbackPort] = [await freePort(), await freePort(), await freePort()];
  const resource = `http://127.0.0.1:${port}/mcp`;
  const issuer = `http://127.0.0.1:${providerPort}`;
  const callbackUrl = `http://127.0.0.1:${callbackPort}/oauth/callback`;

  // The Inspector's catalog, OAuth state and secrets go to a throw-away home, never to ~/.mcp-inspector or the
  // OS keychain.
  const work = mkdtempSync(join(tmpdir(), 'nest-mcp-auth-inspector-'));
  const browserLogFile = join(work, 'browser.log');
  const browser = join(work, 'browser.sh');
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    browser,
    `#!/bin/sh\nexec ${q(process.execPath)} ${q(join(repo, 'test/inspector/browser.mjs'))} "$1"\n`,
  );
  chmodSync(browser, 0o755);
  const env = { ...process.env };
  // No desktop: xdg-open then opens the URL with $BROWSER.
  for (const key of [
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'XDG_CURRENT_DESKTOP',
    'DESKTOP_SESSION',
    'KDE_FULL_SESSION',
  ]) {
    delete env[key];
  }
  Object.assign(env, {
    HOME: join(work, 'home'),
    MCP_STORAGE_DIR: join(work, 'home/storage'),
    MCP_INSPECTOR_SECRET_STORE: 'file',
    MCP_AUTO_OPEN_ENABLED: 'true', // open the browser although stdin/stderr are no TTY
    BROWSER: browser,
    INSPECTOR_BROWSER_LOG: browserLogFile,
    NO_COLOR: '1',
  });

  const sample = await startSample(port, providerPort, { say });
  const common = [resource, '--callback-url', callbackUrl, '--format', 'json'];
  const runs = [];
  const run = async (label, args, extraEnv = {}) => {
    say(`\n$ inspector --cli ${resource} ${args.join(' ')} --callback-url ${callbackUrl} --format json`);
    const result = await inspector(launcher, [...common, ...args], { ...env, ...extraEnv });
    runs.push({ label, ...result });
    say(`  exit ${result.code}; stdout: ${result.stdout.trim().slice(0, 400)}`);
    const stderr = result.stderr
      .split('\n')
      .filter(
        (l) => l && !l.startsWith('[mcp-inspector] Secrets are stored') && !l.includes('secret-storage.md'),
      );
    for (const line of stderr) say(`  stderr: ${line.slice(0, 300)}`);
    return result;
  };

  try {
    // 1. tools/list: 401 → discovery → registration → browser (login, consent declining delete:todos) → token.
    const list = await run('tools/list', ['--method', 'tools/list'], { DEV_LOGIN_DECLINE: 'delete:todos' });
    const tools = (parseJson(list.stdout)?.result?.tools ?? parseJson(list.stdout)?.tools ?? []).map(
      (t) => t.name,
    );
    check('tools/list exits 0', list.code === 0, list.code);
    check(
      'tools/list shows the tools the token may call (delete-todo hidden: delete:todos was declined)',
      JSON.stringify([...tools].sort()) === JSON.stringify(['create-todo', 'get-todos', 'whoami']),
      JSON.stringify(tools),
    );
    const logins = browserLog(browserLogFile);
    check('the Inspector opened $BROWSER once', logins.length === 1, logins.length);
    const first = logins[0] ?? {};
    const authorization = first.authorization ? new URL(first.authorization) : undefined;
    const redirect = first.redirect ? new URL(first.redirect) : undefined;
    check(
      'its authorization request: PKCE S256, resource = the MCP server, redirect_uri = --callback-url',
      authorization?.searchParams.get('code_challenge_method') === 'S256' &&
        authorization.searchParams.get('resource') === resource &&
        authorization.searchParams.get('redirect_uri') === callbackUrl,
      first.authorization ?? first.error,
    );
    say(`       (it asked for scope "${authorization?.searchParams.get('scope') ?? ''}")`);
    check(
      'the provider redirected to the callback with a code and iss (RFC 9207); the callback answered 200',
      redirect?.origin + redirect?.pathname === callbackUrl &&
        redirect.searchParams.has('code') &&
        redirect.searchParams.get('iss') === issuer &&
        first.callbackStatus === 200,
      first.redirect ?? first.error,
    );

    // 2. whoami with the stored token.
    const whoami = await run('whoami', ['--method', 'tools/call', '--tool-name', 'whoami']);
    const me = toolJson(whoami);
    check('tools/call whoami exits 0', whoami.code === 0, whoami.code);
    check(
      'whoami: alice, from the development provider, scopes read:todos create:todos',
      me?.subject === 'alice' &&
        me.issuer === issuer &&
        JSON.stringify([...(me.scopes ?? [])].sort()) === JSON.stringify(['create:todos', 'read:todos']),
      JSON.stringify(me),
    );

    // 3. A scoped tool (create:todos), then get-todos (read:todos).
    const content = `from the Inspector ${Date.now()}`;
    const create = await run('create-todo', [
      '--method',
      'tools/call',
      '--tool-name',
      'create-todo',
      '--tool-arg',
      `content=${content}`,
    ]);
    const created = toolJson(create);
    check('tools/call create-todo exits 0', create.code === 0, create.code);
    check(
      'create-todo created the todo for alice',
      created?.content === content && created.owner === 'alice',
      JSON.stringify(created),
    );
    const get = await run('get-todos', ['--method', 'tools/call', '--tool-name', 'get-todos']);
    const todos = toolJson(get)?.todos ?? [];
    check('tools/call get-todos exits 0', get.code === 0, get.code);
    check(
      'get-todos lists it',
      todos.some((t) => t.content === content),
      JSON.stringify(todos),
    );
    check(
      'no other login: the Inspector reused its stored token',
      browserLog(browserLogFile).length === 1,
      browserLog(browserLogFile).length,
    );
  } catch (error) {
    check('run', false, error instanceof Error ? error.message : String(error));
  } finally {
    await sample.stop();
    if (failures) say(`\nSample output:\n${sample.output()}`);
    rmSync(work, { recursive: true, force: true });
  }
  say(failures ? `\nFAILED: ${failures} check(s).` : '\nAll Inspector checks passed.');
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`run-inspector: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
