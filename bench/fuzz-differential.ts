/**
 * The long differential run (`npm run fuzz:differential`): DIFF_CASES (default 100 000) generated tokens, each
 * verified by `JwtTokenVerifier` and by `jose.jwtVerify` with the same keys and equivalent options; prints one
 * summary line (cases, accepted by both, refused by both, disagreements per stricter-than-jose rule) and exits
 * non-zero on any violation (see test/support/jwt-differential.ts).
 *
 *   npx tsc -p tsconfig.scripts.json && node dist-scripts/bench/fuzz-differential.js
 *
 * Environment: DIFF_CASES, DIFF_SEED (replays a run), DIFF_PROGRESS=1 (a line every 10 000 cases on stderr).
 */
import 'reflect-metadata';

import { differentialPassed, formatDifferentialReport } from '../test/support/jwt-differential.js';
import { runDifferentialFuzz } from '../test/support/jwt-differential-tokens.js';

async function main(): Promise<number> {
  const cases = Number(process.env.DIFF_CASES ?? 100_000);
  const seed = process.env.DIFF_SEED
    ? Number(process.env.DIFF_SEED)
    : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
  const report = await runDifferentialFuzz({
    numRuns: cases,
    seed,
    onProgress: process.env.DIFF_PROGRESS ? (r) => console.error(formatDifferentialReport(r)) : undefined,
  });
  console.log(`${formatDifferentialReport(report)} seed=${report.seed}`);
  console.log(`accepted by both, per alg: ${JSON.stringify(report.acceptedByAlgorithm)}`);
  if (differentialPassed(report)) return 0;
  console.error(`violations, one example per kind; replay with DIFF_SEED=${report.seed}:`);
  for (const v of report.violations) {
    console.error(`- ${v.count}× ${v.kind} [${v.config}] ${v.detail}: ${v.token.slice(0, 400)}`);
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
