import { createServer } from 'node:net';

// Ports are taken below Linux's ephemeral range (32768–60999, where outgoing connections and `listen(0)` draw
// theirs) and in a band of their own per jest worker, so that the port found here is still free when the app
// listens on it a moment later: no other worker and no outgoing connection picks from the same band.
const BAND = 2_000;
const FIRST = 20_000;

/** Whether `port` can be bound on 127.0.0.1 right now. */
function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 right now (for apps whose resource identifier must name their own port). */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID ?? 0) % 6;
  const start = FIRST + worker * BAND;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = start + Math.floor(Math.random() * BAND);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${start}–${start + BAND - 1}`);
}
