/**
 * The JWT fast path equals the reference: `JwtTokenVerifier`'s accept/refuse verdict equals `jose.jwtVerify`'s with
 * the same keys and the equivalent options, for every token of the attack corpus and for a slice of generated
 * tokens (`npm run fuzz:differential` runs 100 000), except where the library is deliberately stricter — each such
 * rule stated once in `stricterThanJose` (test/support/jwt-differential.ts). DIFF_SEED replays a slice; DIFF_RUNS
 * changes its size.
 */
import { DEFAULT_ALGORITHMS } from '../lib/core/algorithms.js';
import { fetchServerConfig } from '../lib/discovery/fetch-server-config.js';
import {
  ATTACK_RESOURCE as RESOURCE,
  startAttackWorld,
  type AttackCase,
  type AttackWorld,
} from './support/attack-corpus.js';
import {
  differentialPassed,
  emptyReport,
  formatDifferentialReport,
  startDifferential,
  type DifferentialIssuer,
  type DifferentialReport,
} from './support/jwt-differential.js';
import { runDifferentialFuzz } from './support/jwt-differential-tokens.js';

const SEED = process.env.DIFF_SEED
  ? Number(process.env.DIFF_SEED)
  : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const RUNS = Number(process.env.DIFF_RUNS ?? 3000);

/** The token a case sends, when it sends exactly one `Authorization: Bearer <token>` and nothing else. */
function bearerToken(c: AttackCase): string | undefined {
  const { headers, path } = c.request;
  if (path?.includes('access_token') || headers.length !== 2) return undefined;
  if (headers[0].toLowerCase() !== 'authorization') return undefined;
  return /^bearer +([^ ]+)$/i.exec(headers[1])?.[1];
}

const explain = (report: DifferentialReport) =>
  `${formatDifferentialReport(report)}\n` +
  report.violations
    .map((v) => `- ${v.count}× ${v.kind} [${v.config}] ${v.detail}: ${v.token.slice(0, 300)}`)
    .join('\n');

describe('R18 R19 R20 R21: the JWT fast path and jose.jwtVerify agree on the attack corpus', () => {
  let world: AttackWorld;

  beforeAll(async () => {
    world = await startAttackWorld();
  });
  afterAll(() => world?.close());

  it('every token of the corpus gets the same verdict from both, or is refused by a stricter-than-jose rule', async () => {
    const issuers: DifferentialIssuer[] = await Promise.all(
      [world.provider, world.secondProvider].map(async (p) => ({
        issuer: p.issuer,
        jwks: p.jwks,
        jwksUri: (await fetchServerConfig(p.issuer, { type: 'oidc' })).metadata.jwks_uri!,
      })),
    );
    // The apps of test/attacks.e2e-spec.ts: both issuers, default options; and the strict RFC 9068 one.
    const diff = startDifferential(issuers, [
      { name: 'main', issuers: issuers.map((i) => i.issuer), resource: RESOURCE, clockTolerance: 5 },
      {
        name: 'strict',
        issuers: [world.provider.issuer],
        resource: RESOURCE,
        clockTolerance: 5,
        strictJwtType: true,
      },
    ]);
    const report = emptyReport();
    let controls = 0;
    try {
      for (const c of world.cases) {
        const token = bearerToken(c);
        if (token === undefined) continue;
        const outcome = await diff.record(report, token, c.request.target === 'strict' ? 1 : 0);
        if (c.expect.status === 200 || c.expect.status === 403) {
          controls++;
          expect([c.name, outcome.ours, outcome.jose]).toEqual([c.name, 'accept', 'accept']);
        }
      }
    } finally {
      diff.close();
    }
    if (!differentialPassed(report)) throw new Error(explain(report));
    expect(report.cases).toBeGreaterThanOrEqual(80);
    expect(controls).toBeGreaterThanOrEqual(5);
    expect(report.acceptedByBoth).toBe(controls);
    // The corpus holds tokens jose accepts and the stricter rules refuse: a padded or re-spelled signature, exp
    // 1e16 / 1e400, a future iat, claims of the wrong type (its crit cases are refused by jose too).
    for (const rule of [
      'non-canonical-base64url',
      'time-claim-out-of-range',
      'iat-in-future',
      'claim-type',
    ] as const)
      expect([rule, report.stricter[rule]]).toEqual([rule, expect.any(Number)]);
    expect(report.stricter['time-claim-out-of-range']).toBeGreaterThan(0);
    expect(report.stricter['non-canonical-base64url']).toBeGreaterThan(0);
    expect(report.stricter['iat-in-future']).toBeGreaterThan(0);
    expect(report.stricter['claim-type']).toBeGreaterThan(0);
  });
});

describe('R18 R19 R20 R21: the JWT fast path and jose.jwtVerify agree on generated tokens', () => {
  it(`${RUNS} tokens (every algorithm, kid or not, time edges, aud and iss variants, mutations): never accepted when jose refuses; every refusal jose does not make is a stricter-than-jose rule`, async () => {
    const report = await runDifferentialFuzz({ numRuns: RUNS, seed: SEED });
    if (!differentialPassed(report)) {
      throw new Error(`replay with DIFF_SEED=${report.seed}\n${explain(report)}`);
    }
    expect(report.cases).toBe(RUNS);
    // Acceptance is exercised: a high share accepted by both, by every algorithm of the table.
    expect(report.acceptedByBoth).toBeGreaterThan(RUNS * 0.3);
    expect(report.refusedByBoth).toBeGreaterThan(RUNS * 0.2);
    expect(Object.keys(report.acceptedByAlgorithm).sort()).toEqual([...DEFAULT_ALGORITHMS].sort());
    // Every stricter-than-jose rule is exercised: jose accepted tokens that the rule made us refuse.
    for (const [rule, count] of Object.entries(report.stricter))
      expect([rule, count > 0]).toEqual([rule, true]);
  }, 120_000);
});
