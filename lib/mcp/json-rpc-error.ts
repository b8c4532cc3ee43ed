import type { ServerResponse } from 'node:http';

/** A JSON-RPC error response about the HTTP request itself (no `id`: it concerns no single message). */
export function jsonRpcErrorBody(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null } as const;
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
  const body = JSON.stringify(jsonRpcErrorBody(code, message));
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
}
