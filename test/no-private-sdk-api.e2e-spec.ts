/**
 * No private MCP SDK API in lib/ (issue 12): the SDK's peer range is then what the suites prove, and no renamed
 * private field of a later SDK can turn requests into 500s. Underscore members (`server._requestHandlers`,
 * `obj['_x']`, `{ _x?: … }` casts) are refused everywhere in lib/ (the protocol field `_meta` is public); the MCP
 * layers also import no Nest entry point but the packages' roots.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LIB = new URL('../lib/', import.meta.url).pathname;
const PUBLIC_UNDERSCORE = new Set(['_meta']);
const MCP_LAYERS = ['mcp/', 'decorators/', 'guard/', 'core/'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `file:line: text` for every private-looking member access or cast, and (`nestInternals`) deep Nest import. */
function privateAccesses(file: string, text: string, nestInternals = true): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    const names = [...code.matchAll(/(?:\.\s*|\[\s*['"`]|\{\s*)(_[A-Za-z]\w*)/g)].map((m) => m[1]);
    const deepNest = nestInternals && /from\s+['"]@nestjs\/(core|common)\//.test(code);
    if (deepNest || names.some((n) => !PUBLIC_UNDERSCORE.has(n)))
      found.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return found;
}

describe('no private SDK API', () => {
  it('the scan finds the kinds of access it must refuse', () => {
    const sample = [
      'const h = (server as unknown as { _requestHandlers?: Map<string, unknown> })._requestHandlers;',
      "const t = client['_transport'];",
      "import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';",
      'const m = extra._meta?.progressToken;',
      'use(req: object, _res: unknown) {}',
    ].join('\n');
    expect(privateAccesses('x.ts', sample)).toEqual([
      expect.stringContaining('x.ts:1:'),
      expect.stringContaining('x.ts:2:'),
      expect.stringContaining('x.ts:3:'),
    ]);
  });

  it('lib/ uses no underscore member of the SDK; the MCP layers import no internal Nest entry point', () => {
    const found = sources(LIB).flatMap((file) => {
      const relative = file.slice(LIB.length);
      const nestInternals = MCP_LAYERS.some((layer) => relative.startsWith(layer));
      return privateAccesses(relative, readFileSync(file, 'utf8'), nestInternals);
    });
    expect(found).toEqual([]);
  });
});
