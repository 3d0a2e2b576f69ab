/**
 * Child-process entry for the Saoma scenarios: a complete Saoma (HTTP API, request signatures,
 * group-committed store, ledger, outbox, webhook relay) with its surroundings as they are in
 * production, each in a process of its own: the sandbox wallet (a remote service to the gateway, its
 * own SQLite) and the merchant's webhook receiver.
 *   node --import tsx bench/saoma-server.ts <sqlite|pg>
 */
import { spawn, type ChildProcess } from 'node:child_process';
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

  const freePort = () => new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const children: ChildProcess[] = [];
  const launch = (args: string[], ready: RegExp) => new Promise<ChildProcess>((resolve, reject) => {
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(c);
    let out = '';
    c.stdout!.on('data', (d) => {
      out += d;
      if (ready.test(out)) resolve(c);
    });
    c.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  const walletPort = await freePort();
  await launch(['--import', 'tsx', 'src/cli/main.ts', 'sandbox-wallet', '--port', String(walletPort), '--db', join(dir, 'wallet.db')], /sandbox wallet on/);
  const hookPort = await freePort();
  await launch(['-e', `require('node:http').createServer((q,s)=>{q.resume();q.on('end',()=>s.writeHead(200).end())}).listen(${hookPort},'127.0.0.1',()=>console.log('ready'))`], /ready/);

  const port = await freePort();
  const config = loadConfig({ SAOMA_ENV: 'test' } as NodeJS.ProcessEnv, {
    dataDir: dir, databaseUrl, port, host: '127.0.0.1', sandbox: true, sandboxUrl: `http://127.0.0.1:${walletPort}/sandbox/wallet`,
  });
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
    /** Completed cash sales with items, for the receipt-rendering scenario to print. */
    async sales() {
      const ids: string[] = [];
      const auth = { authorization: `Bearer ${demo.terminalToken}`, 'content-type': 'application/json' };
      for (let i = 0; i < 40; i++) {
        const items = [{ name: '珍珠奶茶 Bubble tea', quantity: 1 + (i % 3), unitPrice: 1500 }, { name: '炸鸡 Fried chicken', quantity: 1, unitPrice: 1250 + i }];
        const amount = items.reduce((n, x) => n + x.quantity * x.unitPrice, 0);
        const sale = await (await fetch(`http://127.0.0.1:${port}/v1/sales`, { method: 'POST', headers: auth, body: JSON.stringify({ amount, currency: 'CNY', items }) })).json() as { id: string };
        await fetch(`http://127.0.0.1:${port}/v1/payments`, { method: 'POST', headers: auth, body: JSON.stringify({ saleId: sale.id, outTradeNo: `R${Date.now().toString(36)}${i}`, amount: amount + 500, tendered: amount + 500, currency: 'CNY', method: 'cash', channel: 'cash' }) });
        ids.push(sale.id);
      }
      return { ids, terminalToken: demo.terminalToken };
    },
    async check() {
      const db = rt.store.db;
      const count = async (state?: string) => Number((await db.selectFrom('payments').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
        .$if(state !== undefined, (q) => q.where('state', '=', state!)).executeTakeFirstOrThrow()).n);
      const rows = await count();
      const succeeded = await count('succeeded');
      const ledger = await checkLedger(rt.store);
      const delivered = Number((await db.selectFrom('webhook_deliveries').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')).where('status', '=', 200).executeTakeFirstOrThrow()).n);
      const pending = Number((await db.selectFrom('outbox').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')).where('state', '!=', 'delivered').executeTakeFirstOrThrow()).n);
      return { rows, succeeded, ledgerOk: ledger.ok, ledgerSum: ledger.sums, webhooksDelivered: delivered, outboxUndelivered: pending, ok: ledger.ok && rows === succeeded };
    },
    async stop() {
      await app.close();
      await rt.stop();
      for (const c of children) c.kill('SIGTERM');
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
