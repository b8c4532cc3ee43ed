import { fileURLToPath } from 'node:url';
import {
  blockModule,
  codeBlocks,
  documentationBlocks,
  documentationFiles,
  fenceProblems,
  formatProblems,
  typeCheckBlocks,
} from './code-blocks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A page with a block that compiles, one that does not, and fences the check refuses. */
const SAMPLE_MARKDOWN = [
  '# A page', // 1
  '', // 2
  '```ts', // 3
  "import { McpAuthModule } from 'nest-mcp-auth';", // 4
  "import { startLocalIssuer } from 'nest-mcp-auth/testing';", // 5
  'const issuer = await startLocalIssuer();', // 6
  "McpAuthModule.forRoot({ resource: 'https://todo.example.com/mcp', authorizationServers: [issuer.issuer] });", // 7
  '```', // 8
  '', // 9
  '```ts', // 10
  "import { RequireScopes } from 'nest-mcp-auth';", // 11
  'const scopes: number = RequireScopes;', // 12
  '```', // 13
  '', // 14
  '```sh', // 15
  'npm test', // 16
  '```', // 17
  '', // 18
  '```typescript', // 19
  'const hidden: number = "not checked";', // 20
  '```', // 21
  '```', // 22
  'no language', // 23
  '```', // 24
].join('\n');
const SAMPLE_BLOCKS = codeBlocks('docs/page.md', SAMPLE_MARKDOWN);

/** One program for the documentation's blocks and the sample page's (a program costs seconds). */
let problems: string[];
beforeAll(() => {
  problems = formatProblems(typeCheckBlocks([...documentationBlocks(ROOT), ...SAMPLE_BLOCKS], ROOT));
}, 120_000);

describe('the code blocks of README.md and docs/**', () => {
  const blocks = documentationBlocks(ROOT);

  it('are found in README.md and in docs/, with ts blocks among them', () => {
    const files = documentationFiles(ROOT);
    expect(files[0]).toBe('README.md');
    expect(files.some((f) => f.startsWith('docs/'))).toBe(true);
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThan(20);
  });

  it('every fence names its language, and TypeScript is spelled ts (so it is checked)', () => {
    expect(formatProblems(fenceProblems(blocks))).toEqual([]);
  });

  it('every ts block type-checks against the library (strict, the project options, skipLibCheck)', () => {
    expect(problems.filter((p) => !p.startsWith('docs/page.md:'))).toEqual([]);
  });
});

describe('the code-block checker', () => {
  const blocks = SAMPLE_BLOCKS;

  it('reads each fence with its language and first line', () => {
    expect(blocks.map((b) => [b.lang, b.line])).toEqual([
      ['ts', 4],
      ['ts', 11],
      ['sh', 16],
      ['typescript', 20],
      ['', 23],
    ]);
  });

  it('points the package and its testing entry at lib/', () => {
    const module = blockModule(blocks[0].code, `${ROOT}test/docs/__blocks__/block-0.ts`, ROOT);
    expect(module).toContain("from '../../../lib/index.js'");
    expect(module).toContain("from '../../../lib/testing/index.js'");
    expect(module).toMatch(/export \{\};\n$/);
  });

  it('names the file and line of a block that does not compile, and accepts one that does', () => {
    const own = problems.filter((p) => p.startsWith('docs/page.md:'));
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(/^docs\/page\.md:12: TS2322 /);
  });

  it('refuses fences that would hide TypeScript or say nothing', () => {
    expect(formatProblems(fenceProblems(blocks))).toEqual([
      'docs/page.md:20: ```typescript: spell TypeScript ```ts, so that the block is type-checked',
      'docs/page.md:23: a fence without a language: use ```ts, ```sh, ```json, ```text…',
    ]);
  });
});
