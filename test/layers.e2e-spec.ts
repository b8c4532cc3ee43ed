import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error -- a plain ESM script, shared with `npm run lint`
import { layerViolations } from './lint/check-layers.mjs';

type Violation = { from: string; to: string; rule: { name: string } };
const check = layerViolations as (paths: string[], options?: object) => Promise<Violation[]>;

describe('the layers of lib/ (dependency-cruiser, npm run lint)', () => {
  it('lib/ has no import cycle and no upward import', async () => {
    expect(await check(['lib'])).toEqual([]);
  });

  it('an upward import and a cycle are reported (the rules can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layers-'));
    const cwd = process.cwd();
    try {
      mkdirSync(join(dir, 'lib/core'), { recursive: true });
      mkdirSync(join(dir, 'lib/guard'), { recursive: true });
      writeFileSync(
        join(dir, 'lib/core/low.ts'),
        "import { high } from '../guard/high.js';\nexport const low = high;\n",
      );
      writeFileSync(
        join(dir, 'lib/guard/high.ts'),
        "import { low } from '../core/low.js';\nexport const high = () => low;\n",
      );
      writeFileSync(
        join(dir, '.dependency-cruiser.cjs'),
        `module.exports = require(${JSON.stringify(join(cwd, '.dependency-cruiser.cjs'))});\n`,
      );
      process.chdir(dir);
      const violations = await check(['lib']);
      const rules = violations.map((v) => `${v.rule.name} ${v.from} → ${v.to}`).sort();
      expect(rules).toEqual(
        expect.arrayContaining([
          'layer-core lib/core/low.ts → lib/guard/high.ts',
          expect.stringMatching(/^no-circular /),
        ]),
      );
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
