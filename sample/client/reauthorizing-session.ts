/** What both SDK client lines (v1 `@modelcontextprotocol/sdk`, v2 `@modelcontextprotocol/client`) offer here. */
interface McpClientLike<T> {
  connect(transport: T): Promise<void>;
  close(): Promise<void>;
}

/**
 * The host-application loop both headless clients share: connect; when the SDK had to send the user to authorize
 * (`UnauthorizedError` after our headless browser ran), hand it the result (`finish`) and connect again on a fresh
 * client and transport — a transport cannot be started twice — at most `maxRounds` times. Afterwards,
 * `withReauthorization(op)` runs an operation and, after a step-up or 401 the SDK sent the user through, finishes it
 * and runs the operation once more.
 */
export async function reauthorizingSession<C extends McpClientLike<T>, T>(options: {
  open: () => { client: C; transport: T };
  isUnauthorized: (error: unknown) => boolean;
  finish: (transport: T) => Promise<void>;
  maxRounds: number;
}): Promise<{ client: C; transport: T; withReauthorization<R>(operation: () => Promise<R>): Promise<R> }> {
  let { client, transport } = options.open();
  for (let round = 1; ; round++) {
    try {
      await client.connect(transport);
      break;
    } catch (error) {
      if (!options.isUnauthorized(error) || round >= options.maxRounds) throw error;
      await options.finish(transport);
      await client.close();
      ({ client, transport } = options.open());
    }
  }
  return {
    client,
    transport,
    async withReauthorization(operation) {
      try {
        return await operation();
      } catch (error) {
        if (!options.isUnauthorized(error)) throw error;
        await options.finish(transport);
        return operation();
      }
    },
  };
}
