import { connectWithOAuth } from './client/headless-oauth-client.js';
import { followAuthorization } from './dev-provider/oidc-provider.js';

/**
 * `npm run sample:client`: the official MCP SDK client against the running sample (`npm run sample`), through the
 * whole OAuth flow — 401, metadata discovery, dynamic registration, PKCE + resource, token — then tools, a
 * resource and a prompt, and a step-up when a tool needs a scope the token lacks. The "browser" step is done headlessly: the sample's
 * development provider logs in and consents by itself.
 *
 * Environment: MCP_URL (default http://127.0.0.1:3001/mcp).
 */
async function main(): Promise<void> {
  const url = process.env.MCP_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3001}/mcp`;
  const step = (line: string) => console.log(`  · ${line}`);
  console.log(`Connecting to ${url}`);
  const mcp = await connectWithOAuth(url, {
    browser: (u) => followAuthorization(u),
    clientName: 'nest-mcp-auth sample client',
    log: step,
  });
  try {
    const show = async (name: string, args?: Record<string, unknown>) => {
      console.log(`\n→ tools/call ${name} ${args ? JSON.stringify(args) : ''}`);
      const result = await mcp.callTool(name, args);
      for (const item of result.content)
        console.log(`  ${item.type === 'text' ? item.text : JSON.stringify(item)}`);
      return result;
    };
    const { tools } = await mcp.listTools();
    console.log(`\n→ tools/list: ${tools.map((t) => t.name).join(', ')}`);
    const templates = await mcp.client.listResourceTemplates();
    console.log(
      `→ resources/templates/list: ${templates.resourceTemplates.map((t) => t.uriTemplate).join(', ')}`,
    );
    const { prompts } = await mcp.client.listPrompts();
    console.log(`→ prompts/list: ${prompts.map((p) => p.name).join(', ')}`);
    await show('whoami');
    await show('get-todos');
    const created = await show('create-todo', { content: 'Try nest-mcp-auth' });
    const id = (JSON.parse((created.content[0] as { text: string }).text) as { id: string }).id;
    await show('get-todos');
    console.log(`\n→ resources/read todo://${id}`);
    for (const item of (await mcp.readResource(`todo://${id}`)).contents) {
      console.log(`  ${'text' in item ? item.text : `(${item.mimeType} blob)`}`);
    }
    console.log('\n→ prompts/get summarize-todos {"style":"short"}');
    for (const message of (await mcp.getPrompt('summarize-todos', { style: 'short' })).messages) {
      const content = message.content.type === 'text' ? message.content.text : `(${message.content.type})`;
      console.log(`  ${message.role}: ${content.replaceAll('\n', '\n    ')}`);
    }
    await show('delete-todo', { id });
    console.log(
      `\nDone: ${mcp.oauth.authorizations.length} authorization(s) (the first, then one step-up per new scope).`,
    );
  } finally {
    await mcp.close();
  }
}

main().catch((error: unknown) => {
  console.error(`sample:client failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Is the sample running? Start it with: npm run sample');
  process.exit(1);
});
