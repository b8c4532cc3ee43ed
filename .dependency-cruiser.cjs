// @ts-check
// The layers of lib/, lowest first: a folder may import only from the folders listed for it (and itself). The
// request's path reads bottom-up: core → discovery → options → verification → authentication → guard → mcp.
// `npm run lint` fails on an import cycle or on an import that goes up (or sideways) a layer.
/** @type {Record<string, string[]>} */
const LAYERS = {
  core: [],
  // telemetry: events, metrics, spans, audit, health state. Every layer reports to it, so it sits just above core.
  telemetry: ['core'],
  discovery: ['core', 'telemetry'],
  options: ['core', 'discovery'],
  verification: ['core', 'discovery', 'options', 'telemetry'],
  context: ['core'],
  decorators: ['core'],
  'protected-resource': ['core', 'discovery', 'options'],
  authentication: ['core', 'options', 'verification', 'context', 'telemetry'],
  guard: ['core', 'options', 'verification', 'authentication', 'decorators', 'context'],
  // verification: the bounded token cache (TokenCache) is reused for downstream tokens.
  downstream: ['core', 'discovery', 'options', 'verification', 'authentication', 'context', 'telemetry'],
  mcp: [
    'core',
    'options',
    'verification',
    'authentication',
    'guard',
    'decorators',
    'context',
    'downstream',
    'telemetry',
  ],
  testing: ['core'],
  // downstream: `doctor` reports the grants and client authentication methods DownstreamTokens uses.
  cli: ['core', 'discovery', 'options', 'verification', 'downstream'],
};

const folders = Object.keys(LAYERS).join('|');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make the layers meaningless.',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    ...Object.entries(LAYERS).map(([layer, allowed]) => ({
      name: `layer-${layer}`,
      severity: /** @type {const} */ ('error'),
      comment: `lib/${layer} may import only from ${allowed.length ? allowed.map((l) => `lib/${l}`).join(', ') : 'nothing else in lib/'}.`,
      from: { path: `^lib/${layer}/` },
      to: {
        path: `^lib/(${folders})/`,
        pathNot: [`^lib/${layer}/`, ...allowed.map((l) => `^lib/${l}/`)],
      },
    })),
    {
      name: 'no-root-from-layers',
      severity: 'error',
      comment: 'The module files and index.ts at the top of lib/ wire the layers; no layer imports them.',
      from: { path: `^lib/(${folders})/` },
      to: { path: '^lib/[^/]+\\.ts$' },
    },
    {
      name: 'no-unknown-folder',
      severity: 'error',
      comment: 'Every folder of lib/ has a place in LAYERS (.dependency-cruiser.cjs).',
      from: { path: '^lib/[^/]+/', pathNot: `^lib/(${folders})/` },
      to: {},
    },
    {
      name: 'no-static-mcp-sdk',
      severity: 'error',
      comment:
        'Both MCP SDK lines are optional peers, loaded at boot by dynamic import (mcp-protocol-line.loader.ts): ' +
        'only lib/mcp/sdk-v1 (@modelcontextprotocol/sdk) and lib/mcp/sdk-v2 (@modelcontextprotocol/server, /node) ' +
        'import an SDK — types included, so the published types compile with either line.',
      from: { path: '^lib/', pathNot: '^lib/mcp/sdk-v[12]/' },
      to: { path: '@modelcontextprotocol/' },
    },
    {
      name: 'sdk-lines-apart',
      severity: 'error',
      comment: 'Each SDK line imports its own SDK only, and never the other line.',
      from: { path: '^lib/mcp/sdk-v1/' },
      to: { path: ['@modelcontextprotocol/(server|node|core)', '^lib/mcp/sdk-v2/'] },
    },
    {
      name: 'sdk-lines-apart-v2',
      severity: 'error',
      comment: 'Each SDK line imports its own SDK only, and never the other line.',
      from: { path: '^lib/mcp/sdk-v2/' },
      to: { path: ['@modelcontextprotocol/sdk', '^lib/mcp/sdk-v1/'] },
    },
    {
      name: 'sdk-lines-loaded-dynamically',
      severity: 'error',
      comment: 'A line (and so its SDK) is reached only through a dynamic import() at boot.',
      from: { path: '^lib/', pathNot: '^lib/mcp/sdk-v[12]/' },
      to: { path: '^lib/mcp/sdk-v[12]/', dynamic: false },
    },
    {
      name: 'no-tests-from-lib',
      severity: 'error',
      comment: 'lib/ never imports specs, test/ or sample/.',
      from: { path: '^lib/', pathNot: '\\.spec\\.ts$' },
      to: { path: '(\\.spec\\.ts$|^test/|^sample/|^bench/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
