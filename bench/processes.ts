import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AllocationTotals } from './allocation.js';
import type { ServerCommand, ServerConfig, ServerMessage, StackName } from './common.js';

/** Whether `taskset` is available (Linux, util-linux). */
export const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins every thread of `pid` (and the threads it creates later) to `cpus` (e.g. '0'). Returns false if it could not. */
export function pin(pid: number, cpus: string): boolean {
  if (!HAS_TASKSET) return false;
  try {
    execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A running server child. */
export interface ServerProcess {
  readonly stack: StackName;
  readonly port: number;
  readonly pid: number;
  /** Process CPU time (user + system, every thread) in µs, read inside the server. */
  cpu(): Promise<{ micros: number; heapUsed: number; rss: number; allocation: AllocationTotals }>;
  /** Starts the V8 sampling profiler inside the server (`interval` µs between samples). */
  profileStart(interval: number): Promise<void>;
  /** Stops it and writes the .cpuprofile to `file`. */
  profileStop(file: string): Promise<void>;
  /** Starts the sampling heap profiler inside the server (a sample every `interval` bytes, collected ones too). */
  heapStart(interval: number): Promise<void>;
  /** Stops it and writes the .heapprofile to `file`. */
  heapStop(file: string): Promise<void>;
  /** Asks for a clean exit and waits for it. */
  stop(): Promise<void>;
}

const SERVER_JS = fileURLToPath(new URL('./server.js', import.meta.url));

/**
 * V8 flags of every server (unless `execArgv` says otherwise): a fixed young generation. V8 sizes it adaptively,
 * and identical servers settled apart — 0.7 and 8.1 scavenges per 1 000 requests for the same ~20 KB allocated per
 * request (Node 24: a no-op guard with and without the module imported, which differ in nothing per request), ±5 µs
 * CPU per request — so a ratio measured which process had grown its new space. 16 MiB semi-spaces for every
 * stack, floors included.
 */
export const SERVER_FLAGS: readonly string[] = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

/**
 * Forks `dist-scripts/bench/server.js <stack>` (node flags: `execArgv`, else {@link SERVER_FLAGS}), pinned to `cpus`
 * when taskset exists, and waits until it listens.
 */
export async function startServer(
  stack: StackName,
  config: ServerConfig,
  options: { cpus?: string; execArgv?: string[]; wrapper?: { command: string; args: string[] } } = {},
): Promise<ServerProcess> {
  // A wrapper (e.g. valgrind) runs `node <execArgv> server.js …` as its command.
  const wrapper = options.wrapper;
  const child: ChildProcess = fork(SERVER_JS, [stack, JSON.stringify(config)], {
    execPath: wrapper?.command,
    execArgv: wrapper
      ? [...wrapper.args, process.execPath, ...(options.execArgv ?? SERVER_FLAGS)]
      : [...(options.execArgv ?? SERVER_FLAGS)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (options.cpus !== undefined) pin(child.pid!, options.cpus);
  const pending: Array<(m: ServerMessage & { type: 'cpu' }) => void> = [];
  const profiled: Array<() => void> = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server ${stack} exited (${code}) before ready`)));
    child.on('message', (message: ServerMessage) => {
      if (message.type === 'ready') resolve(message.port);
      else if (message.type === 'error') reject(new Error(`server ${stack}: ${message.message}`));
      else if (message.type === 'cpu') pending.shift()?.(message);
      else if (message.type === 'profiled') profiled.shift()?.();
    });
  });
  child.removeAllListeners('exit');
  const send = (command: ServerCommand) => child.send(command);
  return {
    stack,
    port,
    pid: child.pid!,
    cpu: () =>
      new Promise((resolve) => {
        pending.push(resolve);
        send({ type: 'cpu' });
      }),
    profileStart: (interval) =>
      new Promise((resolve) => {
        profiled.push(resolve);
        send({ type: 'profile-start', interval });
      }),
    profileStop: (file) =>
      new Promise((resolve) => {
        profiled.push(resolve);
        send({ type: 'profile-stop', file });
      }),
    heapStart: (interval) =>
      new Promise((resolve) => {
        profiled.push(resolve);
        send({ type: 'heap-start', interval });
      }),
    heapStop: (file) =>
      new Promise((resolve) => {
        profiled.push(resolve);
        send({ type: 'heap-stop', file });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        send({ type: 'exit' });
      }),
  };
}
