import type { AllocationTotals } from './allocation.js';

// Shared by the bench's parent (run.ts) and its server children (server.ts). Benchmark code only: never shipped.

/** The server stacks, each booted alone in a child process. */
export const STACKS = [
  'floor',
  'mcp-auth',
  'passport',
  'mcp-noauth',
  'mcp-tools-auth',
  // Diagnostics (ab.js, profile.js): the floors plus only an AsyncLocalStorage.run() middleware on every route,
  // as McpAuthModule installs for McpAuthContext.
  'floor-als',
  'mcp-noauth-als',
  // Diagnostic: the floor behind a guard that allows everything (what any Nest guard costs).
  'floor-guard',
  // Diagnostic: the no-op guard's route in an app that imports McpAuthModule (what the module costs a route it does
  // not guard: the well-known documents' handler in front of the router).
  'floor-guard-module',
  // Diagnostic: the no-op guard that also sets `req.auth` (what publishing the caller on the request costs).
  'floor-guard-publish',
  // The crypto floor of never-seen tokens: a guard that only checks the token's signature with node:crypto.
  'signature-only',
  // McpAuthModule with a service reading the caller through McpAuthContext (`context: true`).
  'mcp-auth-context',
  'mcp-tools-auth-context',
  // Nest's pipeline on an MCP tool vs on a REST route: the same method, the same guard and interceptor.
  'mcp-tools-pipeline',
  'rest-pipeline',
  // Telemetry (issue 17): McpAuthModule with telemetry off (no OpenTelemetry, no audit), and with the OpenTelemetry
  // SDK installed (in-memory exporters); `mcp-auth` is the default: @opentelemetry/api installed, no SDK.
  'mcp-auth-telemetry-off',
  'mcp-auth-otel-sdk',
  // One app serving the no-auth route, the no-op guard's route and McpAuthGuard's (SAME_PROCESS_ROUTES): the
  // three measured in one process, in alternating slices (same-process.ts).
  'same-process',
  // One-process twins of two more comparisons (same-process.ts): the signature-only guard's route and McpAuthGuard's
  // (never-seen tokens), and McpAuthGuard with telemetry off and on — two McpAuthModules (`isGlobal: false`) in
  // feature modules of one app — without the OpenTelemetry SDK and with it (`telemetry-sdk-same-process`).
  'never-seen-same-process',
  'telemetry-same-process',
  'telemetry-sdk-same-process',
  // The same apps on @nestjs/platform-fastify (FASTIFY_TWINS): the floor, a guard that returns true, McpAuthGuard,
  // and the signature-only guard.
  'fastify-floor',
  'fastify-floor-guard',
  'fastify-mcp-auth',
  'fastify-signature-only',
  'fastify-same-process',
  'fastify-never-seen-same-process',
] as const;
export type StackName = (typeof STACKS)[number];

/** A stack served on Fastify: the module of its Express twin, created with a FastifyAdapter. */
export type FastifyStack = Extract<StackName, `fastify-${string}`>;
/** A stack of its own module (served on Express, Nest's default platform). */
export type ExpressStack = Exclude<StackName, FastifyStack>;
export const FASTIFY_TWINS: Record<FastifyStack, ExpressStack> = {
  'fastify-floor': 'floor',
  'fastify-floor-guard': 'floor-guard',
  'fastify-mcp-auth': 'mcp-auth',
  'fastify-signature-only': 'signature-only',
  'fastify-same-process': 'same-process',
  'fastify-never-seen-same-process': 'never-seen-same-process',
};

/** The HTTP platform of a stack and the stack whose module it serves. */
export function stackPlatform(stack: StackName): { adapter: 'express' | 'fastify'; module: ExpressStack } {
  return stack in FASTIFY_TWINS
    ? { adapter: 'fastify', module: FASTIFY_TWINS[stack as FastifyStack] }
    : { adapter: 'express', module: stack as ExpressStack };
}

export const STACK_LABELS: Record<StackName, string> = {
  floor: 'no auth (floor)',
  'mcp-auth': 'McpAuthGuard + @RequireScopes',
  passport: 'passport-jwt + jwks-rsa + scopes guard',
  'mcp-noauth': 'MCP tools/call, no auth (floor)',
  'mcp-tools-auth': 'MCP tools/call, McpAuthModule',
  'floor-als': 'no auth + AsyncLocalStorage middleware',
  'floor-guard': 'no auth + a guard that returns true',
  'floor-guard-module': 'no auth + a guard that returns true, McpAuthModule imported',
  'floor-guard-publish': 'no auth + a guard that sets req.auth and returns true',
  'signature-only': 'a guard checking only the signature (node:crypto) and exp/iss/aud/scope',
  'mcp-noauth-als': 'MCP tools/call, no auth + AsyncLocalStorage middleware',
  'mcp-auth-context': 'McpAuthGuard + @RequireScopes + a service reading McpAuthContext',
  'mcp-tools-auth-context': 'MCP tools/call, McpAuthModule + a tool reading McpAuthContext',
  'mcp-tools-pipeline': 'MCP tools/call, McpAuthModule + a guard and an interceptor on the tool',
  'rest-pipeline': 'McpAuthGuard + @RequireScopes + the same guard and interceptor on the route',
  'mcp-auth-telemetry-off': 'McpAuthGuard, telemetry off (openTelemetry: false, audit: false)',
  'mcp-auth-otel-sdk': 'McpAuthGuard, OpenTelemetry SDK installed (in-memory exporters)',
  'same-process': 'one app: no auth, a guard that returns true and McpAuthGuard, each on its own route',
  'fastify-floor': 'Fastify: no auth (floor)',
  'fastify-floor-guard': 'Fastify: no auth + a guard that returns true',
  'fastify-mcp-auth': 'Fastify: McpAuthGuard + @RequireScopes',
  'fastify-signature-only':
    'Fastify: a guard checking only the signature (node:crypto) and exp/iss/aud/scope',
  'fastify-same-process': 'Fastify: one app with the three routes of same-process',
  'never-seen-same-process': 'one app: the signature-only guard and McpAuthGuard, each on its own route',
  'telemetry-same-process': 'one app: McpAuthGuard with telemetry off and on (no SDK), each on its own route',
  'telemetry-sdk-same-process':
    'one app: McpAuthGuard with telemetry off and on, each on its own route, the OpenTelemetry SDK installed',
  'fastify-never-seen-same-process': 'Fastify: one app with the two routes of never-seen-same-process',
};

/** What a stack serves: the REST route or the MCP endpoint. */
export const STACK_KIND: Record<StackName, 'rest' | 'mcp'> = {
  floor: 'rest',
  'mcp-auth': 'rest',
  passport: 'rest',
  'mcp-noauth': 'mcp',
  'mcp-tools-auth': 'mcp',
  'floor-als': 'rest',
  'floor-guard': 'rest',
  'floor-guard-module': 'rest',
  'floor-guard-publish': 'rest',
  'signature-only': 'rest',
  'mcp-noauth-als': 'mcp',
  'mcp-auth-context': 'rest',
  'mcp-tools-auth-context': 'mcp',
  'mcp-tools-pipeline': 'mcp',
  'rest-pipeline': 'rest',
  'mcp-auth-telemetry-off': 'rest',
  'mcp-auth-otel-sdk': 'rest',
  'fastify-floor': 'rest',
  'fastify-floor-guard': 'rest',
  'fastify-mcp-auth': 'rest',
  'fastify-signature-only': 'rest',
  'same-process': 'rest',
  'fastify-same-process': 'rest',
  'never-seen-same-process': 'rest',
  'telemetry-same-process': 'rest',
  'telemetry-sdk-same-process': 'rest',
  'fastify-never-seen-same-process': 'rest',
};

export type Alg = 'RS256' | 'ES256';
export const ALGS: readonly Alg[] = ['RS256', 'ES256'];

/** The protected REST route and the scope it needs. */
export const ROUTE = '/api/todos';
/**
 * The routes of the `same-process` stacks: no auth, a guard that returns true, McpAuthGuard + @RequireScopes — ours
 * registered last, so that the router tries the two others first on each of its requests (any bias is against it).
 */
export const SAME_PROCESS_ROUTES = {
  floor: '/api/todos-open',
  'floor-guard': '/api/todos-noop',
  'mcp-auth': ROUTE,
} as const;
/** The routes of the `never-seen-same-process` stacks: the signature-only guard, McpAuthGuard + @RequireScopes. */
export const NEVER_SEEN_ROUTES = {
  'signature-only': '/api/todos-signature',
  'mcp-auth': ROUTE,
} as const;
/** The routes of the `telemetry-*same-process` stacks: McpAuthGuard with telemetry off, and with the default. */
export const TELEMETRY_ROUTES = {
  'telemetry-off': '/api/todos-telemetry-off',
  'mcp-auth': ROUTE,
} as const;
export const MCP_ROUTE = '/mcp';
export const SCOPE = 'read:todos';

/** What a server child needs to boot: argv[2] is the stack, this JSON is argv[3]. */
export interface ServerConfig {
  /** The resource identifier, also the tokens' `aud`. */
  resource: string;
  issuer: string;
  jwksUri: string;
  algorithms: Alg[];
  /** McpAuthModule `tokenCache: false`. */
  tokenCacheOff?: boolean;
  /** McpAuthModule `discovery: 'lazy'`. */
  lazyDiscovery?: boolean;
  /**
   * The one-process stacks (`*same-process`): register their routes rotated by this many places (0: in the order of
   * their route table, McpAuthGuard's last). Express tries routes in order, so the one registered last pays the
   * others' path matches.
   */
  routeRotation?: number;
}

/** Parent → child. */
export type ServerCommand =
  | { type: 'cpu' }
  | { type: 'exit' }
  /** Starts the V8 sampling profiler (node:inspector), sampling every `interval` µs. */
  | { type: 'profile-start'; interval: number }
  /** Stops it and writes the .cpuprofile to `file`. */
  | { type: 'profile-stop'; file: string }
  /**
   * Starts V8's sampling heap profiler: one sample every `interval` bytes allocated on average, objects collected
   * since included (what a request allocates, not what it keeps).
   */
  | { type: 'heap-start'; interval: number }
  /** Stops it and writes the .heapprofile to `file`. */
  | { type: 'heap-stop'; file: string };

/** Child → parent. */
export type ServerMessage =
  | { type: 'ready'; port: number }
  | { type: 'cpu'; micros: number; heapUsed: number; rss: number; allocation: AllocationTotals }
  | { type: 'profiled'; file: string }
  | { type: 'error'; message: string };

/** The JSON-RPC body of the MCP scenario: one `tools/call` of a tool that needs `read:todos`. */
export const TOOLS_CALL_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get-todos', arguments: {} },
});

export const TODOS = [
  { id: '1', content: 'Write the benchmark', done: true },
  { id: '2', content: 'Read the profile', done: false },
];
