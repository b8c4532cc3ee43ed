import { ESLint } from 'eslint';
// @ts-expect-error -- the project's ESLint flat config, a plain ESM file
import config from '../eslint.config.js';

// The two code-style rules `npm run lint` (eslint .) enforces on lib/ and sample/ beyond the recommended sets:
// no function longer than 80 lines, and no requirement id (R13…) in comments or strings — those ids are for test
// titles; JSDoc and messages cite the RFC / MCP specification section.
const MAX_LINES = 'max-lines-per-function';
const REQUIREMENT_IDS = 'nest-mcp-auth/no-requirement-ids';

const eslint = new ESLint({ overrideConfigFile: true, baseConfig: config });

/** The rules reported for `code` as if it were the file at `filePath` (relative to the repository). */
async function reported(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

/** A function of `lines` counted lines (signature, statements, closing brace), with blank lines and comments between. */
function functionOf(lines: number): string {
  const statements = Array.from({ length: lines - 4 }, (_, i) => `  total += ${i};\n\n  // step ${i}`);
  return `export function long(): number {\n  let total = 0;\n${statements.join('\n')}\n  return total;\n}\n`;
}

describe('the code-style rules of npm run lint (eslint.config.js)', () => {
  it('lib/ and sample/ break neither rule', async () => {
    const results = await eslint.lintFiles(['lib', 'sample']);
    const broken = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === MAX_LINES || m.ruleId === REQUIREMENT_IDS)
        .map((m) => `${r.filePath}:${m.line} ${m.message}`),
    );
    expect(broken).toEqual([]);
  });

  it('a requirement id in a comment, a string or a template is reported; RS256, ERR_…, R2D2 are not', async () => {
    expect(await reported('lib/core/x.ts', '/** Audience (R18). */\nexport const x = 1;\n')).toEqual([
      REQUIREMENT_IDS,
    ]);
    expect(await reported('lib/core/x.ts', '// R26–R30\nexport const x = 1;\n')).toEqual([REQUIREMENT_IDS]);
    expect(await reported('lib/core/x.ts', "export const x = 'HS* tokens are refused (R20)';\n")).toEqual([
      REQUIREMENT_IDS,
    ]);
    expect(await reported('sample/x.ts', 'export const x = (n: number) => `R${n} and R7`;\n')).toEqual([
      REQUIREMENT_IDS,
    ]);
    const clean = "/** RS256, ERR_TOKEN_AUDIENCE, R2D2, RFC 9068 §4. */\nexport const x = 'PR42 ER7';\n";
    expect(await reported('lib/core/x.ts', clean)).toEqual([]);
  });

  it('a function (or an IIFE) of 81 lines is reported, one of 80 is not; blank lines and comments do not count', async () => {
    expect(await reported('lib/core/x.ts', functionOf(81))).toEqual([MAX_LINES]);
    expect(await reported('sample/dev-provider/x.ts', functionOf(81))).toEqual([MAX_LINES]);
    expect(await reported('lib/core/x.ts', functionOf(80))).toEqual([]);
    const iife = (lines: number) =>
      functionOf(lines)
        .replace('export function long(): number {', 'export const x = (() => {')
        .replace(/}\n$/, '})();\n');
    expect(await reported('lib/core/x.ts', iife(81))).toEqual([MAX_LINES]);
    expect(await reported('lib/core/x.ts', iife(80))).toEqual([]);
  });

  it('specs and tests are not held to either rule', async () => {
    const both = `// R13\n${functionOf(81)}`;
    expect(await reported('lib/core/x.spec.ts', both)).toEqual([]);
    expect(await reported('test/x.e2e-spec.ts', both)).toEqual([]);
    expect(await reported('test/support/x.ts', both)).toEqual([]);
  });

  it.each([
    'lib/mcp/x.ts',
    'lib/decorators/x.ts',
    'sample/todo/x.ts',
    'sample/client/x.ts',
    'sample/app.module.ts',
    'lib/mcp-auth.module.ts',
    'sample/client.ts',
    'sample/main.ts',
  ])('no file of lib/ or sample/ is excluded: %s is checked', async (filePath) => {
    const rules = await reported(filePath, `// R13\n${functionOf(81)}`);
    expect(rules.sort()).toEqual([MAX_LINES, REQUIREMENT_IDS]);
  });
});
