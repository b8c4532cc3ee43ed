import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { installOpenTelemetry } from '../test/support/otel.js';
import { AllocationMeter } from './allocation.js';
import { stackModule } from './apps.js';
import {
  STACKS,
  stackPlatform,
  type ServerCommand,
  type ServerConfig,
  type ServerMessage,
  type StackName,
} from './common.js';

/**
 * One server stack in its own process (forked by run.ts, pinned to its own core): boots the Nest app on
 * 127.0.0.1 (on Express, or on Fastify for the `fastify-*` stacks), says `ready`, then answers `cpu` (process.cpuUsage(): every thread) and the profiler commands until
 * `exit`. Usage: node dist-scripts/bench/server.js <stack> '<ServerConfig JSON>'
 */
async function main(): Promise<void> {
  const stack = process.argv[2] as StackName;
  if (!STACKS.includes(stack)) throw new Error(`unknown stack ${stack}`);
  const config = JSON.parse(process.argv[3] ?? '{}') as ServerConfig;
  // As an app does: the SDK registered before the app is created (metrics collected every second, spans kept).
  if (stack === 'mcp-auth-otel-sdk' || stack === 'telemetry-sdk-same-process')
    installOpenTelemetry({ exportIntervalMillis: 1_000 });
  const platform = stackPlatform(stack);
  const module = stackModule(platform.module, config);
  const app =
    platform.adapter === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger: ['error'] })
      : await NestFactory.create(module, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const send = (message: ServerMessage) => process.send?.(message);
  let session: Session | undefined;
  const allocation = new AllocationMeter();

  process.on('message', (command: ServerCommand) => {
    void (async () => {
      switch (command.type) {
        case 'cpu': {
          const { user, system } = process.cpuUsage();
          const { heapUsed, rss } = process.memoryUsage();
          return send({ type: 'cpu', micros: user + system, heapUsed, rss, allocation: allocation.read() });
        }
        case 'profile-start':
          session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: command.interval });
          await session.post('Profiler.start');
          return send({ type: 'profiled', file: '' });
        case 'profile-stop': {
          const { profile } = await session!.post('Profiler.stop');
          session!.disconnect();
          writeFileSync(command.file, JSON.stringify(profile));
          return send({ type: 'profiled', file: command.file });
        }
        case 'heap-start':
          session = new Session();
          session.connect();
          await session.post('HeapProfiler.enable');
          await session.post('HeapProfiler.startSampling', {
            samplingInterval: command.interval,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: true,
          });
          return send({ type: 'profiled', file: '' });
        case 'heap-stop': {
          const { profile } = await session!.post('HeapProfiler.stopSampling');
          session!.disconnect();
          writeFileSync(command.file, JSON.stringify(profile));
          return send({ type: 'profiled', file: command.file });
        }
        case 'exit':
          await app.close();
          process.exit(0);
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: (app.getHttpServer().address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
  console.error(error);
  process.exit(1);
});
