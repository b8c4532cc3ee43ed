import type { ServerResponse } from 'node:http';

/** A JSON-RPC error object with no id: it concerns the HTTP request, not one message. */
export function jsonRpcError(code: number, message: string) {
  return { jsonrpc: '2.0' as const, error: { code, message }, id: null };
}

/** Answers with a JSON-RPC error object (no id: it concerns the HTTP request, not one message). */
export function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return void res.end();
  const body = JSON.stringify(jsonRpcError(code, message));
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
}
