/**
 * The fast slice of the fuzzer (test/support/fuzz.ts): a few hundred generated headers and tokens against a booted
 * app and a real provider. `npm run fuzz` (bench/fuzz.ts) runs the long one. FUZZ_SEED replays a failing run;
 * FUZZ_RUNS changes the slice's size. The slice runs against the app of each HTTP adapter: its guarded REST route
 * (GET) and its MCP endpoint (a JSON-RPC `initialize` POSTed with each generated header).
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { McpAuthModule, McpServerModule } from '../lib/index.js';
import { formatFuzzReport, fuzzPassed, runFuzz, type FuzzOptions } from './support/fuzz.js';
import { startTestProvider, type TestProvider } from './support/oidc-provider.js';
import { ADAPTERS, createApp } from './support/adapters.js';
import { ProtectedFeatureModule } from './support/protected-app.js';
import { ACCEPT } from './support/sample-app.js';

const RESOURCE = 'http://127.0.0.1/api';
const PRM = 'http://127.0.0.1/.well-known/oauth-protected-resource/api';
const CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
const SCOPES = ['read:todos', 'create:todos'];
const SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
});

/** Where the slice sends its requests: the guarded REST route, or the MCP endpoint. */
const TARGETS: Record<string, Pick<FuzzOptions, 'path' | 'request'>> = {
  'the guarded REST route (GET /api/me)': {},
  'the MCP endpoint (POST /api/mcp, initialize)': {
    path: '/api/mcp',
    request: {
      method: 'POST',
      headers: ['Content-Type', 'application/json', 'Accept', ACCEPT],
      body: INITIALIZE,
    },
  },
};

describe.each(ADAPTERS)('on %s', (adapter) => {
  describe('fuzzing the Authorization header and the token (R8, R10, R11, R20, R23, R25)', () => {
    let provider: TestProvider;
    let app: INestApplication;
    let baseUrl: string;
    let validTokens: string[];

    beforeAll(async () => {
      provider = await startTestProvider({
        resources: { [RESOURCE]: { scopes: SCOPES } },
        clients: [{ ...CLIENT, scopes: SCOPES }],
      });
      const moduleRef = await Test.createTestingModule({
        imports: [
          McpAuthModule.forRoot({
            resource: RESOURCE,
            authorizationServers: [{ issuer: provider.issuer, type: 'oidc' }],
            scopesSupported: SCOPES,
          }),
          ProtectedFeatureModule,
          // JSON answers: an SSE answer keeps the connection alive.
          McpServerModule.forRoot({ name: 'fuzz', version: '1', path: '/api/mcp', enableJsonResponse: true }),
        ],
      }).compile();
      app = await createApp(adapter, moduleRef);
      await app.listen(0, '127.0.0.1');
      baseUrl = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
      validTokens = [
        await provider.clientCredentialsToken({
          ...CLIENT,
          scope: 'read:todos create:todos',
          resource: RESOURCE,
        }),
        await provider.clientCredentialsToken({ ...CLIENT, scope: 'read:todos', resource: RESOURCE }),
      ];
    });
    afterAll(async () => {
      await app?.close();
      await provider?.close();
    });

    it.each(Object.entries(TARGETS))(
      `R8, R10, R20: ${RUNS} random and mutated requests to %s: never 2xx unless exactly valid, never 5xx, always a parsable challenge, the app keeps serving`,
      async (_target, target) => {
        const report = await runFuzz({
          baseUrl,
          ...target,
          validTokens,
          trustedSign: (claims) => provider.signToken(claims),
          resourceMetadata: PRM,
          providerKids: provider.jwks.keys.map((k) => k.kid!),
          numRuns: RUNS,
          seed: SEED,
          concurrency: 4,
        });
        if (!fuzzPassed(report)) {
          // The seed replays the run: FUZZ_SEED=<seed> npm run test:e2e -- test/fuzz.e2e-spec.ts
          throw new Error(
            `fuzz invariants violated (replay with FUZZ_SEED=${report.seed}):\n${formatFuzzReport(report)}\n` +
              report.violations
                .map((v) => `- ${v.count}× ${v.signature} (${v.status}): ${v.description}`)
                .join('\n'),
          );
        }
        expect(report.cases).toBe(RUNS);
        // The controls prove the oracle and the harness can accept.
        expect(report.controls).toBeGreaterThan(0);
        expect(report.accepted).toBe(report.controls);
      },
      60_000,
    );
  });
});
