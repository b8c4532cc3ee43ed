// Type-checks the ```ts code blocks of the documentation against the library, as a user's code would be: each block
// is its own module, `from 'nest-mcp-auth'` and `from 'nest-mcp-auth/testing'` point at the local entry points
// (lib/index.ts, lib/testing/index.ts), compiled with the project's compiler options (strict, skipLibCheck).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the block's first code line (the line after the opening fence). */
  line: number;
  /** The fence's info string: `ts`, `sh`, `json`… (`''` when the fence has none). */
  lang: string;
  code: string;
}

/** A problem found in a block: `README.md:120: TS2345 …`. */
export interface BlockProblem {
  file: string;
  line: number;
  message: string;
}

/** The fenced code blocks of a Markdown text (``` or ~~~ fences, at most three spaces of indentation). */
export function codeBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let open: { fence: string; lang: string; start: number; indent: number } | undefined;
  let body: string[] = [];
  lines.forEach((text, index) => {
    if (!open) {
      const match = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)/.exec(text);
      if (match) {
        open = { fence: match[2], lang: match[3], start: index + 2, indent: match[1].length };
        body = [];
      }
      return;
    }
    if (new RegExp(`^ {0,3}${open.fence[0]}{${open.fence.length},}\\s*$`).test(text)) {
      blocks.push({ file, line: open.start, lang: open.lang, code: body.join('\n') + '\n' });
      open = undefined;
      return;
    }
    const { indent } = open;
    body.push(text.replace(new RegExp(`^ {0,${indent}}`), ''));
  });
  if (open) blocks.push({ file, line: open.start, lang: open.lang, code: body.join('\n') + '\n' });
  return blocks;
}

/** README.md and every Markdown file under docs/, relative to `root`. */
export function documentationFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? [join(dir, entry.name)]
          : [],
    );
  return ['README.md', ...walk('docs').sort()];
}

/** Fences that hide TypeScript from the check, or say nothing of what they hold. */
export function fenceProblems(blocks: readonly CodeBlock[]): BlockProblem[] {
  return blocks.flatMap(({ file, line, lang }) => {
    if (lang === '')
      return [{ file, line, message: 'a fence without a language: use ```ts, ```sh, ```json, ```text…' }];
    if (/^(typescript|tsx|mts|cts)$/i.test(lang))
      return [
        {
          file,
          line,
          message: `\`\`\`${lang}: spell TypeScript \`\`\`ts, so that the block is type-checked`,
        },
      ];
    return [];
  });
}

/** The library's entry points a documentation import names. */
const ENTRY_POINTS: Record<string, string> = {
  'nest-mcp-auth': 'lib/index.js',
  'nest-mcp-auth/testing': 'lib/testing/index.js',
};

/**
 * The module the compiler sees for a block: imports of the package rewritten to the local entry points, and an
 * empty export so that every block is a module of its own (top-level `await` allowed, no name shared between
 * blocks).
 */
export function blockModule(code: string, virtualFile: string, root: string): string {
  const rewritten = code.replace(
    /(from\s+|import\s*\(\s*)(['"])(nest-mcp-auth(?:\/testing)?)\2/g,
    (_, head, quote, name) => {
      let target = relative(dirname(virtualFile), join(root, ENTRY_POINTS[name])).replaceAll('\\', '/');
      if (!target.startsWith('.')) target = `./${target}`;
      return `${head}${quote}${target}${quote}`;
    },
  );
  return `${rewritten}\nexport {};\n`;
}

/** The project's compiler options (tsconfig.json), for type-checking only. */
function compilerOptions(root: string): ts.CompilerOptions {
  const configFile = join(root, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configFile);
  return {
    ...parsed.options,
    noEmit: true,
    skipLibCheck: true,
    strict: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
  };
}

/**
 * Type-checks every ```ts block; a problem names the Markdown file and the line of the block where the compiler
 * found it.
 */
export function typeCheckBlocks(blocks: readonly CodeBlock[], root: string): BlockProblem[] {
  const virtualDir = join(root, 'test', 'docs', '__blocks__');
  const sources = new Map<string, CodeBlock>();
  const texts = new Map<string, string>();
  blocks
    .filter((b) => b.lang === 'ts')
    .forEach((block, index) => {
      const name = resolve(virtualDir, `block-${index}.ts`);
      sources.set(name, block);
      texts.set(name, blockModule(block.code, name, root));
    });
  const options = compilerOptions(root);
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => texts.has(resolve(name)) || fileExists.call(host, name);
  host.readFile = (name) => texts.get(resolve(name)) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, shouldCreate) => {
    const text = texts.get(resolve(name));
    return text !== undefined
      ? ts.createSourceFile(name, text, language, true)
      : getSourceFile.call(host, name, language, onError, shouldCreate);
  };
  // The library's own ambient declarations (lib/**/*.d.ts), as in the project's compilation.
  const ambient = ts.sys.readDirectory(join(root, 'lib'), ['.d.ts']);
  const program = ts.createProgram({ rootNames: [...texts.keys(), ...ambient], options, host });
  const problems: BlockProblem[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const block = diagnostic.file && sources.get(resolve(diagnostic.file.fileName));
    if (!diagnostic.file || !block) {
      problems.push({
        file: diagnostic.file ? relative(root, diagnostic.file.fileName) : '(program)',
        line: 0,
        message: `TS${diagnostic.code} ${message}`,
      });
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    problems.push({ file: block.file, line: block.line + line, message: `TS${diagnostic.code} ${message}` });
  }
  return problems;
}

/** Every block of the documentation under `root` (README.md and docs/**). */
export function documentationBlocks(root: string): CodeBlock[] {
  return documentationFiles(root).flatMap((file) => codeBlocks(file, readFileSync(join(root, file), 'utf8')));
}

/** `README.md:120: TS2345 …` lines, for an assertion message. */
export const formatProblems = (problems: readonly BlockProblem[]) =>
  problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
