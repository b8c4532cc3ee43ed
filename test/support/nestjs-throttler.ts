/**
 * `@nestjs/throttler` 6 for jest. The package is CommonJS and requires `@nestjs/common`, which Nest 12 ships as ES
 * modules only: Node ≥ 20.19 loads that (require of ES modules), but jest's module system on Node < 24.9 cannot.
 * Its files are evaluated here with a `require` that hands them the very `@nestjs/common` and `@nestjs/core` jest
 * loaded for the test (one copy of each: the guard's `Reflector` and `HttpException` are the app's). Apps need
 * none of this: they import `@nestjs/throttler` directly.
 */
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

type ThrottlerPackage = typeof import('@nestjs/throttler');

const nodeRequire = createRequire(import.meta.url);
const shared: Record<string, unknown> = { '@nestjs/common': common, '@nestjs/core': core };
const loaded = new Map<string, unknown>();

function load(file: string): unknown {
  const path = file.endsWith('.js') ? file : `${file}.js`;
  if (loaded.has(path)) return loaded.get(path);
  const module = { exports: {} as unknown };
  loaded.set(path, module.exports);
  const requireFrom = (id: string) =>
    id in shared ? shared[id] : id.startsWith('.') ? load(resolve(dirname(path), id)) : nodeRequire(id);
  const evaluate = new Function(
    'exports',
    'require',
    'module',
    '__filename',
    '__dirname',
    readFileSync(path, 'utf8'),
  );
  evaluate(module.exports, requireFrom, module, path, dirname(path));
  loaded.set(path, module.exports);
  return module.exports;
}

const throttler = load(nodeRequire.resolve('@nestjs/throttler')) as ThrottlerPackage;

export const { ThrottlerModule, ThrottlerGuard } = throttler;
export const Throttle: ThrottlerPackage['Throttle'] = throttler.Throttle;
export const SkipThrottle: ThrottlerPackage['SkipThrottle'] = throttler.SkipThrottle;
