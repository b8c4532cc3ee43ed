import type { ServerResponse } from 'node:http';

/** Answers a request the provider serves itself (not oidc-provider): never cached; ends a response already begun. */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}
