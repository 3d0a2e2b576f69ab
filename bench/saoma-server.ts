/**
 * Child-process entry for the Saoma scenarios: a complete Saoma (HTTP API, request signatures, sandbox
 * wallet in-process over loopback HTTP, group-committed store, ledger, outbox) plus a loopback
 * merchant webhook receiver, so the outbox relay runs during the measurement as it would in production.
 *   node --import tsx bench/saoma-server.ts <sqlite|pg>
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { Runtime } from '../src/runtime.ts';
import { buildApp } from '../src/http/app.ts';
import { ensureDemo } from '../src/cli/demo.ts';
import { checkLedger } from '../src/store/ledger-repo.ts';
import { failToParent, serveParent } from './child.ts';

const store = process.argv[2];
const pgUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function main(): Promise<void> {
  if (store !== 'sqlite' && store !== 'pg') throw new Error('usage: saoma-server.ts <sqlite|pg>');
  const dir = mkdtempSync(join(tmpdir(), 'saoma-bench-'));
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  let databaseUrl = `sqlite:${join(dir, 'saoma.db')}`;
  if (store === 'pg') {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.end();
    databaseUrl = `${pgUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }

  let webhooks = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      webhooks++;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hookPort = (receiver.address() as { port: number }).port;

  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const config = loadConfig({ SAOMA_ENV: 'test' } as NodeJS.ProcessEnv, { dataDir: dir, databaseUrl, port, host: '127.0.0.1', sandbox: true });
  const rt = new Runtime(config);
  await rt.start();
  const app = await buildApp(rt);
  await app.listen({ port, host: '127.0.0.1' });
  const demo = await ensureDemo(rt);
  await rt.merchants.updateWebhook(demo.merchantId, `http://127.0.0.1:${hookPort}/hook`, false);

  serveParent(`http://127.0.0.1:${port}`, {
    async creds() {
      return { keyId: demo.apiKey.id, secret: demo.apiKey.secret, terminalId: demo.terminalId, terminalToken: demo.terminalToken };
    },
    async check() {
      const db = rt.store.db;
      const count = async (state?: string) => Number((await db.selectFrom('payments').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
        .$if(state !== undefined, (q) => q.where('state', '=', state!)).executeTakeFirstOrThrow()).n);
      const rows = await count();
      const succeeded = await count('succeeded');
      const ledger = await checkLedger(rt.store);
      const pending = Number((await db.selectFrom('outbox').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')).where('state', '!=', 'delivered').executeTakeFirstOrThrow()).n);
      return { rows, succeeded, ledgerOk: ledger.ok, ledgerSum: ledger.sums, webhooksReceived: webhooks, outboxUndelivered: pending, ok: ledger.ok && rows === succeeded };
    },
    async stop() {
      await app.close();
      await rt.stop();
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
      if (store === 'pg') {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
    },
  });
}

main().catch(failToParent);
