import { createServer, type AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config.ts';
import { Runtime } from '../../src/runtime.ts';
import { buildApp, type App } from '../../src/http/app.ts';
import { ensureDemo, type DemoCredentials } from '../../src/cli/demo.ts';
import { signedHeaders } from '../../src/security/request-signing.ts';
import { freshDatabase, type TestDatabase } from './store.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface TestServer {
  url: string;
  rt: Runtime;
  app: App;
  db: TestDatabase;
  demo: DemoCredentials;
  /** fetch with the demo terminal's token. */
  terminal(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** fetch signed with the demo merchant API key (or another key). */
  signed(method: string, path: string, body?: unknown, opts?: { key?: { id: string; secret: string }; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  raw(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
  /** Stop the server; `keepDatabase` leaves the database (and data folder) for another server to reuse. */
  close(opts?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * A real Saoma on a real port over a fresh database of the store under test, with the sandbox wallet
 * mounted and the demo merchant seeded. The worker runs fast so tests wait little.
 * `database` reuses the database (and data folder: master key, demo credentials, sandbox wallet) of a
 * server closed with `close({ keepDatabase: true })`, as a restart would.
 */
export async function startServer(overrides: Partial<Config> = {}, opts: { worker?: boolean; database?: TestDatabase; port?: number } = {}): Promise<TestServer> {
  const db = opts.database ?? await freshDatabase();
  // `port`: a restart on the address a browser already uses (the POS reconnects to the same origin).
  const port = opts.port ?? await freePort();
  const config = loadConfig({ SAOMA_ENV: 'test' } as NodeJS.ProcessEnv, {
    dataDir: db.dataDir, databaseUrl: db.url, port, host: '127.0.0.1', sandbox: true,
    queryIntervalMs: 200, workerIntervalMs: 50, payCodeGiveUpMs: 3000, ...overrides,
  });
  const rt = new Runtime(config);
  await rt.store.migrate();
  if (opts.worker !== false) await rt.start();
  const app = await buildApp(rt);
  await app.listen({ port, host: '127.0.0.1' });
  const demo = await ensureDemo(rt);
  const url = `http://127.0.0.1:${port}`;

  async function raw(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
    const res = await fetch(`${url}${path}`, { method, headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
    const text = await res.text();
    let body: unknown = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = text; }
    return { status: res.status, body, text };
  }
  return {
    url, rt, app, db, demo, raw,
    async terminal(method, path, body, headers = {}) {
      const text = body === undefined ? undefined : JSON.stringify(body);
      return raw(method, path, {
        ...(text !== undefined ? { body: text } : {}),
        headers: { authorization: `Bearer ${demo.terminalToken}`, ...(text !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      });
    },
    async signed(method, path, body, o = {}) {
      const text = body === undefined ? '' : JSON.stringify(body);
      const key = o.key ?? demo.apiKey;
      return raw(method, path, {
        ...(text ? { body: text } : {}),
        headers: { ...signedHeaders(key.id, key.secret, method, path, text), ...(text ? { 'content-type': 'application/json' } : {}), ...(o.headers ?? {}) },
      });
    },
    async close(o = {}) {
      await app.close();
      await rt.stop();
      if (!o.keepDatabase) await db.drop();
    },
  };
}

/** Poll until `fn` returns a truthy value (tests wait on the worker this way; no timing is asserted). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, limitMs = 20_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
