import type { McpHandlerKind } from '../core/mcp-invocation.js';

/** What both SDK lines' low-level `Server` offers to announce list changes (MCP `notifications/*\/list_changed`). */
export interface ListChangeSender {
  sendToolListChanged(): Promise<void>;
  sendResourceListChanged(): Promise<void>;
  sendPromptListChanged(): Promise<void>;
}

/** Tells a session's client that these lists changed (a closed stream: nothing to tell). */
export function sendListChanges(server: ListChangeSender, kinds: readonly McpHandlerKind[]): void {
  const quietly = (sent: Promise<void>) => void sent.catch(() => undefined);
  for (const kind of kinds) {
    if (kind === 'tool') quietly(server.sendToolListChanged());
    else if (kind === 'resource') quietly(server.sendResourceListChanged());
    else quietly(server.sendPromptListChanged());
  }
}
