import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { McpProtocolLine } from '../mcp-protocol-line.js';
import { V1Endpoint } from './v1-endpoint.js';
import { v1ZodSchema } from './v1-zod-schema.js';

/**
 * The SDK 1.x line (`@modelcontextprotocol/sdk`): MCP 2024-11-05 to 2025-11-25 over Streamable HTTP (stateless or
 * stateful) and HTTP+SSE. A 2026-07-28 request is answered HTTP 400 by its transport (unsupported
 * `MCP-Protocol-Version`), which is what makes probing clients fall back to `initialize`.
 */
export const SDK_V1_LINE: McpProtocolLine = {
  line: 'v1',
  packages: '@modelcontextprotocol/sdk',
  protocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
  UriTemplate,
  zodSchema: v1ZodSchema,
  createEndpoint: (context) => new V1Endpoint(context),
};
