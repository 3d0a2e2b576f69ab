import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A network receipt printer on 127.0.0.1: every connection is one job, kept byte for byte when the
 * client closes. `mode` makes it misbehave as printers do: `offline` refuses connections (the port is
 * closed), `silent` accepts and never reads (out of paper with a full buffer), `online` prints.
 */
export interface FakePrinter {
  url: string;
  port: number;
  jobs: Buffer[];
  setMode(mode: 'online' | 'silent'): void;
  /** Take the printer off the network (connections refused) and bring it back on the same port. */
  offline(): Promise<void>;
  online(): Promise<void>;
  waitForJobs(n: number, timeoutMs?: number): Promise<Buffer[]>;
  close(): Promise<void>;
}

export async function startFakePrinter(): Promise<FakePrinter> {
  const jobs: Buffer[] = [];
  let mode: 'online' | 'silent' = 'online';
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];
  const make = (): Server => createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    if (mode === 'silent') { sock.pause(); return; }
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => {
      jobs.push(Buffer.concat(chunks));
      sock.end();
      for (const w of waiters.splice(0)) w();
    });
    sock.on('error', () => undefined);
  });
  let server = make();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const stop = () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return {
    url: `tcp://127.0.0.1:${port}`,
    port,
    jobs,
    setMode(m) { mode = m; },
    offline: stop,
    async online() {
      server = make();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    },
    async waitForJobs(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (jobs.length < n) {
        if (Date.now() > until) throw new Error(`the printer got ${jobs.length} jobs, expected ${n}`);
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 100); });
      }
      return jobs;
    },
    close: stop,
  };
}
