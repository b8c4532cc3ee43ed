import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A real `redis-server` (Debian package `redis-server`) on 127.0.0.1, for the shared-cache tests. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server by its pid and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 with a temporary directory, no persistence, and waits until it
 * answers PING.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'nest-mcp-auth-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => child.once('error', reject));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForPing(port), failed]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}

/** Sends one command (RESP) and returns the raw reply text, e.g. `redisCommand(port, 'KEYS', '*')`. */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (data) => {
      reply += data.toString();
      clearTimeout(timer);
      timer = setTimeout(() => {
        socket.destroy();
        resolve(reply);
      }, 50);
    });
    let timer = setTimeout(() => {
      socket.destroy();
      resolve(reply);
    }, 2_000);
  });
}
