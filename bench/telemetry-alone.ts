import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GuardsConsumer } from '@nestjs/core/guards/guards-consumer.js';
import { McpAuthGuard, McpAuthModule, RequireScopes, type McpAuthModuleOptions } from '../lib/index.js';
import type { LocalIssuer } from '../lib/testing/index.js';
import { installOpenTelemetry } from '../test/support/otel.js';
import { SCOPE } from './common.js';
import { cpu, request } from './guard-alone.js';
import { median } from './stats.js';

/** The telemetry variants measured: off, the default (API installed, no SDK), the SDK installed. */
export const TELEMETRY_VARIANTS = ['off', 'no SDK', 'SDK'] as const;
export type TelemetryVariant = (typeof TELEMETRY_VARIANTS)[number];

/** `McpAuthGuard` CPU µs per request (repeated RS256 token) for each variant, median of interleaved rounds. */
export type TelemetryAloneResult = Record<TelemetryVariant, number>;

@Controller('api')
@UseGuards(McpAuthGuard)
class TodosController {
  @Get('todos')
  @RequireScopes(SCOPE)
  list() {
    return [];
  }
}

async function guardOf(options: McpAuthModuleOptions) {
  @Module({ imports: [McpAuthModule.forRoot(options)], controllers: [TodosController] })
  class TelemetryAloneModule {}
  const app = await NestFactory.createApplicationContext(TelemetryAloneModule, { logger: ['error'] });
  return { app, guard: app.get(McpAuthGuard), controller: app.get(TodosController) };
}

/**
 * What telemetry costs a request by itself, in-process (no HTTP noise): `McpAuthGuard` with a repeated token through
 * Nest's `GuardsConsumer`, in three apps — telemetry off (`openTelemetry: false, audit: false`), the default
 * (`@opentelemetry/api` installed, no SDK), and the SDK installed with in-memory exporters (metrics exported every
 * second) before its app is created. Rounds are interleaved (off, no SDK, SDK, …); each round's request building is
 * measured and subtracted.
 */
export async function measureTelemetryAlone(
  issuer: LocalIssuer,
  resource: string,
  token: string,
  calls = 50_000,
): Promise<TelemetryAloneResult> {
  const base: McpAuthModuleOptions = { resource, authorizationServers: [issuer.authorizationServer] };
  const off = await guardOf({ ...base, openTelemetry: false, audit: false });
  const noSdk = await guardOf(base);
  const otel = installOpenTelemetry({ exportIntervalMillis: 1_000 });
  const sdk = await guardOf(base);
  const apps: Record<TelemetryVariant, Awaited<ReturnType<typeof guardOf>>> = {
    off,
    'no SDK': noSdk,
    SDK: sdk,
  };
  const consumer = new GuardsConsumer();
  const perCall = async ({ guard, controller }: (typeof apps)[TelemetryVariant], n: number) => {
    let t = cpu();
    for (let i = 0; i < n; i++) if (!request(token, false)) throw new Error('unreachable');
    const setup = cpu() - t;
    t = cpu();
    for (let i = 0; i < n; i++) {
      const args = [request(token, false), {}, () => undefined];
      if (!(await consumer.tryActivate([guard], args, controller, controller.list, 'http'))) {
        throw new Error('refused');
      }
    }
    return (cpu() - t - setup) / n;
  };
  try {
    const rounds = new Map<TelemetryVariant, number[]>(TELEMETRY_VARIANTS.map((v) => [v, []]));
    for (const variant of TELEMETRY_VARIANTS) await perCall(apps[variant], 5_000); // warm-up, first verification
    for (let r = 0; r < 5; r++) {
      for (const variant of TELEMETRY_VARIANTS)
        rounds.get(variant)!.push(await perCall(apps[variant], calls));
    }
    return Object.fromEntries(
      TELEMETRY_VARIANTS.map((v) => [v, median(rounds.get(v)!)]),
    ) as TelemetryAloneResult;
  } finally {
    for (const { app } of Object.values(apps)) await app.close();
    await otel.uninstall();
  }
}
