import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// docs/options.md is written by hand from the option classes' JSDoc: this keeps it complete — every option declared
// in lib/options/*.settings.ts and in McpServerModule's option interfaces is named on the page.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `Class.property` for every property of every class or interface named by `keep` in a source file. */
function declaredOptions(file: string, keep: (name: string) => boolean): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  source.forEachChild((node) => {
    if (
      (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) &&
      node.name &&
      keep(node.name.text)
    ) {
      for (const member of node.members) {
        if (
          (ts.isPropertyDeclaration(member) || ts.isPropertySignature(member)) &&
          ts.isIdentifier(member.name)
        )
          names.push(`${node.name.text}.${member.name.text}`);
      }
    }
  });
  return names;
}

/** Every identifier written in an inline code span of the page (`a.b`, `{ x, y }`, `'x'`…). */
function namedInCode(markdown: string): Set<string> {
  const spans = markdown.match(/`[^`\n]+`/g) ?? [];
  return new Set(spans.flatMap((span) => span.match(/[A-Za-z_$][\w$]*/g) ?? []));
}

describe('docs/options.md', () => {
  const page = readFileSync(join(ROOT, 'docs/options.md'), 'utf8');
  const named = namedInCode(page);
  const settingsDir = join(ROOT, 'lib/options');
  const auth = readdirSync(settingsDir)
    .filter((f) => f.endsWith('.settings.ts'))
    .flatMap((f) =>
      declaredOptions(
        join(settingsDir, f),
        (name) => name.endsWith('Settings') || name === 'ResourceDefaults',
      ),
    );
  const server = declaredOptions(join(ROOT, 'lib/mcp/mcp-server-options.interface.ts'), (name) =>
    ['McpServerModuleOptions', 'McpServerRoutes'].includes(name),
  );

  it('the option classes and interfaces were found', () => {
    expect(auth).toEqual(
      expect.arrayContaining(['McpAuthSettings.clockTolerance', 'IntrospectionSettings.cacheTtl']),
    );
    expect(server).toEqual(
      expect.arrayContaining(['McpServerModuleOptions.visibility', 'McpServerRoutes.sse']),
    );
  });

  it('names every McpAuthModule and McpServerModule option', () => {
    const missing = [...auth, ...server].filter((option) => !named.has(option.split('.')[1]));
    expect(missing).toEqual([]);
  });
});
