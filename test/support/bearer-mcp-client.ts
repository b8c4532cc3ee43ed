import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type GetPromptResult,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';

/** `'2026-07-28'`: the v2 client pinned to MCP 2026-07-28 (`server/discover`, no `initialize`, no session). */
export type ClientLine = 'v1' | 'v2' | '2026-07-28';

/** The v2 client's option that makes it a 2026-07-28 client. */
export const MODERN = { versionNegotiation: { mode: { pin: '2026-07-28' } } } as const;
export type ListKind = 'tools' | 'resources' | 'prompts';

/** The calls the suites make, the same for both SDK client lines. */
export interface McpTestClient {
  callTool(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  listTools(): Promise<string[]>;
  listResources(): Promise<string[]>;
  listResourceTemplates(): Promise<string[]>;
  listPrompts(): Promise<Array<{ name: string; arguments?: unknown }>>;
  readResource(uri: string): Promise<ReadResourceResult>;
  getPrompt(name: string, args?: Record<string, string>): Promise<GetPromptResult>;
  close(): Promise<void>;
}

const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

/**
 * A result without the MCP 2026-07-28 envelope every result carries there (`_meta` serverInfo, `ttlMs`,
 * `cacheScope`), so the suites compare the same content whatever the era; the envelope itself is asserted by
 * `mcp-2026-07-28.e2e-spec.ts` (R43, R45). Any other `_meta` is kept.
 */
export function withoutEnvelope<T>(result: T): T {
  const { ttlMs: _ttl, cacheScope: _scope, _meta, ...rest } = result as Record<string, unknown>;
  const meta = { ...(_meta as Record<string, unknown> | undefined) };
  delete meta[SERVER_INFO];
  return (Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest) as T;
}

/** Wraps a connected SDK client (either line: their request methods have the same shape). */
export function testClient(client: ClientV1 | ClientV2): McpTestClient {
  const c = client as ClientV1;
  return {
    callTool: async (name, args = {}) =>
      withoutEnvelope((await c.callTool({ name, arguments: args })) as CallToolResult),
    listTools: async () => (await c.listTools()).tools.map((t) => t.name),
    listResources: async () => (await c.listResources()).resources.map((r) => r.uri),
    listResourceTemplates: async () =>
      (await c.listResourceTemplates()).resourceTemplates.map((r) => r.uriTemplate),
    listPrompts: async () => (await c.listPrompts()).prompts,
    readResource: async (uri) => withoutEnvelope(await c.readResource({ uri })),
    getPrompt: async (name, args) => withoutEnvelope(await c.getPrompt({ name, arguments: args })),
    close: () => c.close(),
  };
}

/** Records the list_changed notifications a client receives. */
export function recordListChanges(line: ClientLine, client: ClientV1 | ClientV2): ListKind[] {
  const seen: ListKind[] = [];
  if (line === 'v1') {
    const c = client as ClientV1;
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.push('tools'));
    c.setNotificationHandler(ResourceListChangedNotificationSchema, () => void seen.push('resources'));
    c.setNotificationHandler(PromptListChangedNotificationSchema, () => void seen.push('prompts'));
  } else {
    const c = client as ClientV2;
    c.setNotificationHandler('notifications/tools/list_changed', () => void seen.push('tools'));
    c.setNotificationHandler('notifications/resources/list_changed', () => void seen.push('resources'));
    c.setNotificationHandler('notifications/prompts/list_changed', () => void seen.push('prompts'));
  }
  return seen;
}

/** An SDK client of `line` connected to `url` with a fixed bearer token. */
export async function bearerClient(line: ClientLine, url: string, bearer: string): Promise<McpTestClient> {
  const requestInit = { headers: { Authorization: `Bearer ${bearer}` } };
  if (line === 'v1') {
    const client = new ClientV1({ name: 'bearer-v1', version: '1' });
    await client.connect(new TransportV1(new URL(url), { requestInit }));
    return testClient(client);
  }
  const client = new ClientV2({ name: 'bearer-v2', version: '1' }, line === '2026-07-28' ? MODERN : {});
  await client.connect(new TransportV2(new URL(url), { requestInit }));
  return testClient(client);
}
