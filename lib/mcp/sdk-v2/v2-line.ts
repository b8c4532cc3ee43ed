import { SUPPORTED_PROTOCOL_VERSIONS, UriTemplate } from '@modelcontextprotocol/server';
import { MCP_2026_07_28 } from '../json-rpc-invocations.js';
import type { McpProtocolLine } from '../mcp-protocol-line.js';
import { V2Endpoint } from './v2-endpoint.js';
import { v2ZodSchema } from './v2-zod-schema.js';

/**
 * The SDK 2.x line (`@modelcontextprotocol/server` with `@modelcontextprotocol/core`, and `@modelcontextprotocol/node`
 * for Node's requests): MCP 2026-07-28 and the 2025 revisions on one Streamable HTTP endpoint. It has no HTTP+SSE
 * transport.
 */
export const SDK_V2_LINE: McpProtocolLine = {
  line: 'v2',
  packages: '@modelcontextprotocol/server and @modelcontextprotocol/node',
  protocolVersions: [MCP_2026_07_28, ...SUPPORTED_PROTOCOL_VERSIONS],
  UriTemplate,
  zodSchema: v2ZodSchema,
  createEndpoint: (context) => new V2Endpoint(context),
};
