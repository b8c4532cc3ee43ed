import type { IncomingMessage } from 'node:http';
import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import type { McpAuthInfo } from '../core/mcp-auth-info.js';
import type { McpHandlerKind, McpInvocation, McpRequestExtra } from '../core/mcp-invocation.js';
import {
  McpErrorCode,
  McpRpcError,
  promptResult,
  publicMessage,
  resourceResult,
  rpcErrorOf,
  toolError,
  toolResult,
} from './mcp-answers.js';
import { missingHandlerScopes, type McpEndpointAuthenticator } from './mcp-endpoint-auth.js';
import type { McpHandler, McpPromptHandler, McpToolHandler } from './mcp-handler.js';
import { McpHandlerPipeline } from './mcp-handler-pipeline.js';
import { McpHandlerRegistry } from './mcp-handler-registry.js';
import type {
  McpCallToolResult as CallToolResult,
  McpGetPromptResult as GetPromptResult,
  McpListPromptsResult as ListPromptsResult,
  McpListResourcesResult as ListResourcesResult,
  McpListResourceTemplatesResult as ListResourceTemplatesResult,
  McpListToolsResult as ListToolsResult,
  McpReadResourceResult as ReadResourceResult,
} from './mcp-results.js';
import { EMPTY_OBJECT_SCHEMA, isInvalid, type McpSchema } from './mcp-schema-input.js';
import { MCP_ENDPOINT_AUTHENTICATOR, MCP_SERVER_MODULE_OPTIONS } from './mcp-server.tokens.js';
import type { McpServerModuleOptions } from './mcp-server-options.interface.js';
import { checkServerOptions } from './mcp-server-options.check.js';

/**
 * One MCP request as the SDK line's adapter hands it to the dispatcher: the SDK's own per-request object (passed on
 * to handlers), the caller the transport received, the request's abort signal, and the HTTP request that carried it
 * (`McpRequestBinding`).
 */
export interface McpRequestScope {
  readonly extra: McpRequestExtra;
  readonly auth?: McpAuthInfo;
  readonly signal: AbortSignal;
  readonly request?: IncomingMessage;
}

const callerOf = (scope: McpRequestScope) => scope.auth;
const invalidArguments = (kind: string, name: string, issues: readonly string[]) =>
  `Invalid arguments for ${kind} "${name}":\n${issues.map((i) => `- ${i}`).join('\n')}`;

/**
 * The MCP primitives the app's handlers implement, independent of the SDK's server class: lists (every handler,
 * or with `visibility: 'callable'` only those the caller's token may invoke) and invocations (scope check,
 * validation, Nest pipeline, the answer mapped — never a stack trace, never an unhandled error).
 */
@Injectable()
export class McpDispatcher {
  private readonly logger = new Logger('McpServerModule');
  private readonly callableOnly: boolean;

  constructor(
    private readonly registry: McpHandlerRegistry,
    private readonly pipeline: McpHandlerPipeline,
    @Inject(MCP_ENDPOINT_AUTHENTICATOR) private readonly authenticator: McpEndpointAuthenticator,
    @Inject(MCP_SERVER_MODULE_OPTIONS) options: McpServerModuleOptions,
  ) {
    checkServerOptions(options);
    this.callableOnly = options.visibility === 'callable';
  }

  /** Whether the lists depend on the caller (`visibility: 'callable'` on a protected endpoint). */
  get listsVaryByCaller(): boolean {
    return this.callableOnly && this.authenticator !== null;
  }

  /** Whether `handler` appears in the caller's lists. */
  listed(handler: McpHandler, auth: McpAuthInfo | undefined): boolean {
    return !this.listsVaryByCaller || this.missing(handler, auth).length === 0;
  }

  listTools(scope: McpRequestScope): ListToolsResult {
    const auth = callerOf(scope);
    const tools = this.registry.tools.filter((h) => this.listed(h, auth));
    return {
      tools: tools.map(({ name, options: { title, description, annotations }, input, output }) => ({
        name,
        title,
        description,
        inputSchema: input?.jsonSchema ?? EMPTY_OBJECT_SCHEMA,
        outputSchema: output?.jsonSchema,
        annotations,
      })),
    };
  }

  listResources(scope: McpRequestScope): ListResourcesResult {
    const auth = callerOf(scope);
    const fixed = this.registry.resources.filter((h) => h.uri !== undefined && this.listed(h, auth));
    return {
      resources: fixed.map(({ uri, options: { name, title, description, mimeType } }) => ({
        uri: uri!,
        name,
        title,
        description,
        mimeType,
      })),
    };
  }

  listResourceTemplates(scope: McpRequestScope): ListResourceTemplatesResult {
    const auth = callerOf(scope);
    const templates = this.registry.resources.filter((h) => h.template && this.listed(h, auth));
    return {
      resourceTemplates: templates.map(({ template, options: { name, title, description, mimeType } }) => ({
        uriTemplate: template!.text,
        name,
        title,
        description,
        mimeType,
      })),
    };
  }

  listPrompts(scope: McpRequestScope): ListPromptsResult {
    const auth = callerOf(scope);
    const prompts = this.registry.prompts.filter((h) => this.listed(h, auth));
    return {
      prompts: prompts.map(({ name, options: { title, description }, input }) => ({
        name,
        title,
        description,
        arguments: input && promptArguments(input),
      })),
    };
  }

  /** `tools/call`: an unknown tool is a JSON-RPC error; every failure of a known one is a tool error result. */
  async callTool(name: string, args: unknown, scope: McpRequestScope): Promise<CallToolResult> {
    const handler = this.registry.tool(name);
    if (!handler) throw new McpRpcError(McpErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const denied = this.refusal(handler, callerOf(scope));
    if (denied) return toolError(denied);
    const validated = await this.validate(handler, args);
    if (isInvalid(validated)) return toolError(invalidArguments('tool', name, validated.issues));
    let value: unknown;
    try {
      value = await this.pipeline.invoke(handler, this.invocation(handler, validated.value, scope));
    } catch (error) {
      this.report(handler, error);
      return toolError(publicMessage(error));
    }
    return this.checkOutput(handler, toolResult(value, handler.output !== undefined));
  }

  /** `resources/read`: every failure is a JSON-RPC error (`-32002` for a URI no handler serves). */
  async readResource(uri: string, scope: McpRequestScope): Promise<ReadResourceResult> {
    const read = this.registry.resolveResource(uri);
    if (!read) throw new McpRpcError(McpErrorCode.ResourceNotFound, `Resource not found: ${uri}`);
    const { handler } = read;
    const denied = this.refusal(handler, callerOf(scope));
    if (denied) throw new McpRpcError(McpErrorCode.Forbidden, denied);
    const invocation = { ...this.invocation(handler, read.variables, scope), uri: new URL(read.uri) };
    try {
      const value = await this.pipeline.invoke(handler, invocation);
      return resourceResult(value, read.uri, handler.options.mimeType);
    } catch (error) {
      this.report(handler, error);
      throw rpcErrorOf(error, 'resource');
    }
  }

  /** `prompts/get`: every failure is a JSON-RPC error (`-32602` for an unknown prompt or invalid arguments). */
  async getPrompt(name: string, args: unknown, scope: McpRequestScope): Promise<GetPromptResult> {
    const handler = this.registry.prompt(name);
    if (!handler) throw new McpRpcError(McpErrorCode.InvalidParams, `Unknown prompt: ${name}`);
    const denied = this.refusal(handler, callerOf(scope));
    if (denied) throw new McpRpcError(McpErrorCode.Forbidden, denied);
    const validated = await this.validate(handler, args);
    if (isInvalid(validated)) {
      throw new McpRpcError(McpErrorCode.InvalidParams, invalidArguments('prompt', name, validated.issues));
    }
    try {
      const value = await this.pipeline.invoke(handler, this.invocation(handler, validated.value, scope));
      return promptResult(value, handler.options.description);
    } catch (error) {
      this.report(handler, error);
      throw rpcErrorOf(error, 'prompt');
    }
  }

  /** The names each list shows `auth`, for noticing when a session's lists change. */
  listedNames(auth: McpAuthInfo | undefined): Record<McpHandlerKind, string> {
    const names = (handlers: readonly McpHandler[]) =>
      handlers
        .filter((h) => this.listed(h, auth))
        .map((h) => h.name)
        .join('\n');
    const { tools, resources, prompts } = this.registry;
    return { tool: names(tools), resource: names(resources), prompt: names(prompts) };
  }

  private missing(handler: McpHandler, auth: McpAuthInfo | undefined): readonly string[] {
    return missingHandlerScopes(handler, auth, this.authenticator);
  }

  /**
   * Defence in depth behind the endpoint's HTTP 403 step-up: a handler never runs for a caller without its scopes,
   * whatever the HTTP layer decided.
   */
  private refusal(handler: McpHandler, auth: McpAuthInfo | undefined): string | undefined {
    const missing = this.missing(handler, auth);
    if (missing.length === 0) return undefined;
    return `insufficient_scope: the token lacks the scope(s) ${missing.join(' ')} of ${handler.kind} "${handler.name}"`;
  }

  /** Arguments validated before the pipeline (fail closed): none declared, none passed on. */
  private validate(handler: McpToolHandler | McpPromptHandler, args: unknown) {
    return handler.input ? handler.input.validate(args) : Promise.resolve({ value: {} });
  }

  private invocation(handler: McpHandler, args: unknown, scope: McpRequestScope): McpInvocation {
    const { kind, name } = handler;
    const { extra, auth, signal, request } = scope;
    return { kind, name, args, extra, signal, auth, request };
  }

  /** MCP 2025-06-18: a tool with an output schema must return structured content that conforms to it. */
  private async checkOutput(handler: McpToolHandler, result: CallToolResult): Promise<CallToolResult> {
    if (!handler.output || result.isError) return result;
    const checked =
      result.structuredContent === undefined
        ? { issues: ['(output): the tool returned no structured content'] }
        : await handler.output.validate(result.structuredContent);
    if (!isInvalid(checked)) return result;
    this.logger.error(
      `${handler.where} returned output that does not match its output schema: ${checked.issues.join('; ')}`,
    );
    return toolError(`Tool "${handler.name}" returned output that does not match its output schema`);
  }

  /** Errors that are not `HttpException`s are the app's bugs: logged (never sent to the client). */
  private report(handler: McpHandler, error: unknown): void {
    if (error instanceof McpRpcError || error instanceof HttpException) return;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.logger.error(`${handler.kind} "${handler.name}" (${handler.where}) failed: ${what}`);
  }
}

/** A prompt's `arguments` list from its schema's properties (MCP prompt arguments are strings). */
function promptArguments(schema: McpSchema) {
  const { properties = {}, required = [] } = schema.jsonSchema as {
    properties?: Record<string, { description?: string }>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, property]) => ({
    name,
    description: property.description,
    required: required.includes(name),
  }));
}
