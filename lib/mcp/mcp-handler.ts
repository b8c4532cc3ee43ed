import type { InjectionToken } from '@nestjs/common';
import type { McpHandlerKind } from '../core/mcp-invocation.js';
import type { McpPromptOptions } from './mcp-prompt.decorator.js';
import type { McpResourceOptions } from './mcp-resource.decorator.js';
import type { McpSchema } from './mcp-schema-input.js';
import type { McpToolOptions } from './mcp-tool.decorator.js';
import type { ResourceUriTemplate } from './resource-uri.js';

/** Where a handler method lives, and how to get the instance it runs on. */
export interface McpHandlerHost {
  /** The class instance (a placeholder for request-scoped and transient classes: never called). */
  readonly instance: object;
  readonly methodName: string;
  /** The provider token, to resolve a scoped instance per request. */
  readonly token: InjectionToken;
  /** `ExternalContextCreator`'s inquirer id: the host module's provider to find the class's enhancers with. */
  readonly inquirerId: string;
  /** A singleton whose dependencies are all singletons: its Nest handler is built once, at boot. */
  readonly isStatic: boolean;
}

interface HandlerBase {
  readonly kind: McpHandlerKind;
  readonly name: string;
  /** For messages: `TodoTools.create`. */
  readonly where: string;
  /** `@RequireScopes` of the method and its class, merged (all required). */
  readonly scopes: readonly string[];
  readonly host: McpHandlerHost;
}

/** An `@McpTool` method found at boot. */
export interface McpToolHandler extends HandlerBase {
  readonly kind: 'tool';
  readonly options: McpToolOptions;
  readonly input?: McpSchema;
  readonly output?: McpSchema;
}

/** An `@McpResource` method found at boot: a fixed URI or a URI template. */
export interface McpResourceHandler extends HandlerBase {
  readonly kind: 'resource';
  readonly options: McpResourceOptions;
  /** The fixed URI, normalised. */
  readonly uri?: string;
  readonly template?: ResourceUriTemplate;
}

/** An `@McpPrompt` method found at boot. */
export interface McpPromptHandler extends HandlerBase {
  readonly kind: 'prompt';
  readonly options: McpPromptOptions;
  readonly input?: McpSchema;
}

export type McpHandler = McpToolHandler | McpResourceHandler | McpPromptHandler;
