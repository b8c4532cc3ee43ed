#!/usr/bin/env node
// `npm run lint`: the layers of lib/ (.dependency-cruiser.cjs) through dependency-cruiser's API. Its command line
// refuses Node 20 (its engines field); the API it runs on works there, so every Node this package supports can lint.
import { createRequire } from 'node:module';
import { cruise } from 'dependency-cruiser';

/**
 * Cruises `paths` with the project's rules; resolves to the violations (empty when the layers hold).
 * @param {string[]} paths
 * @param {{ config?: string }} [options]
 */
export async function layerViolations(paths, { config = '.dependency-cruiser.cjs' } = {}) {
  const require = createRequire(import.meta.url);
  const { forbidden, options } = require(`${process.cwd()}/${config}`);
  const result = await cruise(paths, { ...options, ruleSet: { forbidden }, validate: true });
  const output =
    /** @type {{ summary: { violations: Array<{ from: string; to: string; rule: { name: string }; cycle?: Array<{ name: string }> }> } }} */ (
      result.output
    );
  return output.summary.violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = await layerViolations(process.argv.slice(2).length ? process.argv.slice(2) : ['lib']);
  for (const v of violations) {
    const cycle = v.cycle?.length ? ` (cycle: ${v.cycle.map((c) => c.name).join(' → ')})` : '';
    console.error(`${v.rule.name}: ${v.from} → ${v.to}${cycle}`);
  }
  if (violations.length > 0) {
    console.error(`\n${violations.length} layer violation(s): see LAYERS in .dependency-cruiser.cjs`);
    process.exit(1);
  }
  console.log('layers: no cycle, no upward import');
}
