import { Reflector } from '@nestjs/core';

/** Describes an MCP resource (one fixed URI) or resource template (RFC 6570) implemented by a method. */
export interface McpResourceOptions {
  /** Unique resource name (for the lists). */
  name: string;
  /** A fixed URI (`config://app`), listed by `resources/list`. Exactly one of `uri` and `uriTemplate`. */
  uri?: string;
  /**
   * An RFC 6570 URI template (`todo://{id}`), listed by `resources/templates/list`; the handler receives the
   * variables (`@McpArgs()`, or `@McpArgs('id')`) and the URI (`@McpUri()`).
   */
  uriTemplate?: string;
  /** Display title. */
  title?: string;
  /** What the resource holds, for the model. */
  description?: string;
  /** MIME type of its contents (`text/plain`, `application/json`, …). */
  mimeType?: string;
}

const McpResourceMetadata = Reflector.createDecorator<McpResourceOptions>();

/**
 * Makes a provider or controller method an MCP resource (`resources/read`) — a Nest handler like `@McpTool`,
 * scoped with `@RequireScopes` (a read beyond the token answers HTTP 403 `insufficient_scope` before it runs).
 * It returns the contents: a string (text), a `Buffer`/`Uint8Array` (blob), an object (its JSON text), or a
 * `ReadResourceResult` (`{ contents: […] }`) as is.
 *
 * ```ts
 * @McpResource({ uriTemplate: 'todo://{id}', name: 'todo', mimeType: 'application/json' })
 * @RequireScopes('read:todos')
 * read(@McpArgs('id') id: string) { return this.todos.get(id); }
 * ```
 */
export function McpResource(options: McpResourceOptions): MethodDecorator {
  if (!options || typeof options.name !== 'string' || options.name.length === 0) {
    throw new TypeError(`@McpResource(): a name is required, got ${JSON.stringify(options?.name)}`);
  }
  if ((options.uri === undefined) === (options.uriTemplate === undefined)) {
    throw new TypeError(`@McpResource({ name: "${options.name}" }): give exactly one of uri and uriTemplate`);
  }
  return McpResourceMetadata(options);
}
McpResource.KEY = McpResourceMetadata;
