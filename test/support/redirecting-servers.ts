import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test server received, whole: what would have leaked had it been sent there. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A server on 127.0.0.1 that records every request it receives and answers with `answer`. */
export interface RecordingServer {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly received: RecordedRequest[];
  /** The answer to every request (mutable): status and JSON body. */
  answer: { status: number; body: unknown };
  close(): Promise<void>;
}

/** A server on 127.0.0.1 that answers every request with a redirect to `target` + the request's path. */
export interface RedirectingServer {
  readonly origin: string;
  /** The redirect status (mutable). Default 307. */
  status: number;
  target: string;
  /** Requests received (method and path). */
  readonly received: Array<{ method: string; url: string }>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Starts a {@link RecordingServer}: the host a redirect points to, which must never hear from the library. */
export async function startRecorder(answer: RecordingServer['answer']): Promise<RecordingServer> {
  const received: RecordedRequest[] = [];
  const state = { answer };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(state.answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(state.answer.body));
    });
  });
  const origin = await listen(server);
  return {
    origin,
    received,
    get answer() {
      return state.answer;
    },
    set answer(value) {
      state.answer = value;
    },
    close: closer(server),
  };
}

/** Starts a {@link RedirectingServer} pointing at `target` (an origin, optionally with a path prefix). */
export async function startRedirector(target: string, status = 307): Promise<RedirectingServer> {
  const state = { status, target };
  const received: RedirectingServer['received'] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    res.writeHead(state.status, { location: `${state.target}${req.url ?? '/'}` }).end();
  });
  const origin = await listen(server);
  return {
    origin,
    received,
    get status() {
      return state.status;
    },
    set status(value) {
      state.status = value;
    },
    get target() {
      return state.target;
    },
    set target(value) {
      state.target = value;
    },
    close: closer(server),
  };
}
