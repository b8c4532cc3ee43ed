/**
 * The long fuzzing run (`npm run fuzz`): boots a real OpenID provider and a Nest app with McpAuthModule and a
 * guarded route on 127.0.0.1, sends FUZZ_CASES (default 100 000) generated requests with FUZZ_CONCURRENCY
 * (default 32) in flight, prints one summary line and exits non-zero on any violation of the invariants
 * (see test/support/fuzz.ts).
 *
 *   npx tsc -p tsconfig.scripts.json && node dist-scripts/bench/fuzz.js
 *
 * Environment: FUZZ_CASES, FUZZ_SEED (replays a run), FUZZ_CONCURRENCY, FUZZ_PROGRESS=1 (a line every 10 000 cases
 * on stderr), FUZZ_VERBOSE=1 (statuses and case kinds on stderr). The valid tokens live one hour: a run must end
 * within it (100 000 cases take about 1.5 min here), or its controls are refused.
 */
import 'reflect-metadata';

import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { AuthInfo, McpAuthGuard, McpAuthModule, type McpAuthInfo } from '../lib/index.js';
import { startTestProvider } from '../test/support/oidc-provider.js';
import { formatFuzzReport, fuzzPassed, runFuzz } from '../test/support/fuzz.js';

const RESOURCE = 'http://127.0.0.1/api';
const PRM = 'http://127.0.0.1/.well-known/oauth-protected-resource/api';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
const SCOPES = ['read:todos', 'create:todos'];

@Controller('api')
@UseGuards(McpAuthGuard)
class FuzzTargetController {
  @Get('me')
  me(@AuthInfo() auth: McpAuthInfo) {
    return { subject: auth.subject ?? null, scopes: auth.scopes };
  }
}

async function main(): Promise<number> {
  const cases = Number(process.env.FUZZ_CASES ?? 100_000);
  const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 32);
  const seed = process.env.FUZZ_SEED
    ? Number(process.env.FUZZ_SEED)
    : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;

  const provider = await startTestProvider({
    resources: { [RESOURCE]: { scopes: SCOPES } },
    clients: [{ ...CLIENT, scopes: SCOPES }],
  });
  @Module({
    imports: [
      McpAuthModule.forRoot({
        resource: RESOURCE,
        authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
        scopesSupported: SCOPES,
      }),
    ],
    controllers: [FuzzTargetController],
  })
  class FuzzAppModule {}
  const app = await NestFactory.create(FuzzAppModule, { logger: ['error', 'warn'] });
  try {
    await app.listen(0, '127.0.0.1');
    const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
    const validTokens = [
      await provider.clientCredentialsToken({
        ...CLIENT,
        scope: 'read:todos create:todos',
        resource: RESOURCE,
      }),
      await provider.clientCredentialsToken({ ...CLIENT, scope: 'read:todos', resource: RESOURCE }),
    ];
    const report = await runFuzz({
      baseUrl: `http://127.0.0.1:${port}`,
      validTokens,
      trustedSign: (claims) => provider.signToken(claims),
      resourceMetadata: PRM,
      providerKids: provider.jwks.keys.map((k) => k.kid!),
      numRuns: cases,
      seed,
      concurrency,
      onProgress: process.env.FUZZ_PROGRESS ? (r) => console.error(formatFuzzReport(r)) : undefined,
    });
    console.log(formatFuzzReport(report));
    if (process.env.FUZZ_VERBOSE)
      console.error(JSON.stringify({ statuses: report.statuses, byKind: report.byKind }));
    if (fuzzPassed(report)) return 0;
    console.error(`violations, one example per class; replay with FUZZ_SEED=${report.seed}:`);
    for (const v of report.violations) {
      console.error(
        `- ${v.count}× ${v.signature} (${v.status}), e.g. ${v.description}${v.detail ? ` — ${v.detail}` : ''}`,
      );
    }
    return 1;
  } finally {
    await app.close();
    await provider.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
