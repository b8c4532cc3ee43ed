import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { McpAuthModule, type McpAuthModuleOptions } from '../../lib/index.js';
import { createApp, type AdapterName } from './adapters.js';
import { ProtectedFeatureModule } from './protected-app.js';

/** Every line the app logs, at every level (debug and verbose included). */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private push = (...args: unknown[]) =>
    void this.lines.push(args.map((a) => (a instanceof Error ? a.stack : String(a))).join(' '));
  log = this.push;
  error = this.push;
  warn = this.push;
  debug = this.push;
  verbose = this.push;
  fatal = this.push;
}

/**
 * Like `createProtectedApp`, with every log line captured (the module's own `Logger`s included), on `adapter`
 * (default Express).
 */
export async function createLoggedProtectedApp(
  options: McpAuthModuleOptions,
  adapter: AdapterName = 'express',
): Promise<{ app: INestApplication; logger: CapturingLogger }> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [McpAuthModule.forRoot(options), ProtectedFeatureModule],
  }).compile();
  const app = await createApp(adapter, moduleRef, {
    logger,
    configure: (created) => created.useLogger(logger),
  });
  return { app, logger };
}
