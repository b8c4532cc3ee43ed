import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentationFiles } from './code-blocks.js';

// The README is a map into docs/: every relative link of README.md and docs/** must reach a file, and a `#anchor`
// a heading of that page (GitHub's slugs: lower case, punctuation dropped, spaces as hyphens).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Markdown without its fenced code blocks (links and headings inside them are code). */
function prose(markdown: string): string {
  return markdown.replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, '');
}

/** GitHub's anchor of a heading. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = prose(readFileSync(join(ROOT, file), 'utf8')).match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((h) => slug(h.replace(/^#+ /, ''))));
}

/** `file: link (why)` for every relative link that reaches no file or no heading. */
function brokenLinks(file: string): string[] {
  const links = [...prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map(
    (m) => m[1],
  );
  return links.flatMap((link) => {
    if (/^[a-z]+:/i.test(link)) return [];
    const [path, anchor] = link.split('#', 2);
    const target = path ? normalize(join(dirname(file), path)) : file;
    if (!existsSync(join(ROOT, target))) return [`${file}: ${link} (no such file)`];
    if (anchor && target.endsWith('.md') && !anchorsOf(target).has(anchor))
      return [`${file}: ${link} (no such heading in ${target})`];
    return [];
  });
}

describe('the links of README.md and docs/**', () => {
  it('slugs headings as GitHub does', () => {
    expect(slug('`invalid_token` audience')).toBe('invalid_token-audience');
    expect(slug("Nest's pipeline in the `'mcp'` context")).toBe('nests-pipeline-in-the-mcp-context');
    expect(slug('Opaque tokens (RFC 7662 introspection)')).toBe('opaque-tokens-rfc-7662-introspection');
  });

  it('the README links every page of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const pages = documentationFiles(ROOT).filter(
      (f) => /^docs\/[^/]+\.md$/.test(f) || f === 'docs/downstream/README.md',
    );
    expect(pages.filter((page) => !readme.includes(`](${page}`))).toEqual([]);
  });

  it('every relative link reaches a file and, with an anchor, a heading of it', () => {
    expect(documentationFiles(ROOT).flatMap(brokenLinks)).toEqual([]);
  });
});
