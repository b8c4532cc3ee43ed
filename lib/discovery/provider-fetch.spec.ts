import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { providerFetch, ProviderFetchError, readProviderText } from './provider-fetch.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('providerFetch: the one rule for requests to a provider', () => {
  let server: Server;
  let base: string;
  let handler: Handler;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    paths.length = 0;
  });

  const rejection = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderFetchError);
    return error as ProviderFetchError;
  };

  it.each([301, 302, 303, 307, 308])('R36: a %i is not followed', async (status) => {
    handler = (req, res) =>
      req.url === '/start'
        ? res.writeHead(status, { location: '/next?secret=1' }).end()
        : res.writeHead(200).end('{}');
    const error = await rejection(providerFetch(`${base}/start`, { method: 'POST', body: 'token=t' }));
    expect(error).toMatchObject({ kind: 'redirect', status, location: `${base}/next?secret=1` });
    expect(error.message).toBe(`answered HTTP ${status} redirecting to ${base}; redirects are not followed`);
    expect(paths).toEqual(['/start']);
  });

  it('R36: a redirect without a Location is reported as such', async () => {
    handler = (_req, res) => res.writeHead(302).end();
    const error = await rejection(providerFetch(`${base}/x`));
    expect(error).toMatchObject({ kind: 'redirect', status: 302, location: undefined });
    expect(error.message).toContain('no Location');
  });

  it('any other answer is the caller’s to judge', async () => {
    handler = (_req, res) => res.writeHead(404).end('nope');
    const response = await providerFetch(`${base}/x`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('nope');
  });

  it('a closed port → unreachable; no answer in time → timeout', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await rejection(providerFetch(`http://127.0.0.1:${port}/x`));
    expect(unreachable.kind).toBe('unreachable');
    expect(unreachable.message).toMatch(/ECONNREFUSED/);
    handler = () => undefined; // never answers
    const slow = await rejection(providerFetch(`${base}/slow`, { signal: AbortSignal.timeout(50) }));
    expect(slow.kind).toBe('timeout');
  });

  it('uses the given fetch implementation, always with redirect: manual', async () => {
    const seen: RequestInit[] = [];
    const fake = async (_url: string, init: RequestInit) => {
      seen.push(init);
      return new Response('{}', { status: 200 });
    };
    await providerFetch('https://as.example/x', { fetch: fake, method: 'GET' });
    expect(seen[0]).toMatchObject({ method: 'GET', redirect: 'manual' });
  });

  it('readProviderText: at most maxBytes are read (a longer body is cut, the stream cancelled)', async () => {
    handler = (_req, res) => res.writeHead(200).end('x'.repeat(64 * 1024));
    expect(await readProviderText(await providerFetch(`${base}/big`), 1024)).toBe('');
    handler = (_req, res) => res.writeHead(200).end('{"a":"é"}');
    expect(await readProviderText(await providerFetch(`${base}/small`))).toBe('{"a":"é"}');
  });

  it('readProviderText: the timeout and a reset while the body is read are ProviderFetchErrors too', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-length': '100' }).write('{"partial":'); // never ends
    const slow = await providerFetch(`${base}/slow-body`, { signal: AbortSignal.timeout(100) });
    expect((await rejection(readProviderText(slow))).kind).toBe('timeout');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' }).write('{"partial":');
      setTimeout(() => res.destroy(), 20);
    };
    const reset = await providerFetch(`${base}/reset`);
    expect((await rejection(readProviderText(reset))).kind).toBe('unreachable');
  });
});
