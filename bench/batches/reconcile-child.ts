/**
 * One step of the reconciliation benchmark in its own process, so its peak RSS is its own:
 *   seed <dataDir> <channel> <date> <rows>   a merchant and the trades of the generated bill in our books, and the bill file
 *   run  <dataDir> <channel> <date> <file>   a bare parse-and-count of the file, then the reconciliation of it
 * Prints one JSON line.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { Runtime } from '../../src/runtime.ts';
import { billLines, fileBytes } from '../../src/reconcile/bill-file.ts';
import { generatedTrades, writeBill } from '../../src/reconcile/generate.ts';
import type { RunSummary } from '../../src/reconcile/types.ts';
import { checkLedger } from '../../src/store/ledger-repo.ts';
import { paymentEntry, refundEntry } from '../../src/core/ledger.ts';

const [step, dataDir, channel, date, arg] = process.argv.slice(2) as [string, string, string, string, string];
const config = loadConfig({ SAOMA_ENV: 'test' } as NodeJS.ProcessEnv, { dataDir, databaseUrl: `sqlite:${join(dataDir, 'saoma.db')}`, sandbox: false });
const rt = new Runtime(config);
await rt.store.migrate();
const M = 'mch_bench';

if (step === 'seed') {
  const rows = Number(arg);
  const db = rt.store.raw!;
  const at = new Date().toISOString();
  db.prepare('INSERT INTO merchants (id, name, timezone, currency, webhook_url, webhook_secret_enc, created_at) VALUES (?, ?, ?, ?, NULL, ?, ?)').run(M, 'Bench', 'Asia/Shanghai', 'CNY', 'x', at);
  const pay = db.prepare(`INSERT INTO payments (id, merchant_id, store_id, terminal_id, sale_id, out_trade_no, channel, method, amount, currency, state, channel_trade_no, refunded, attempts, created_at, updated_at, final_at)
    VALUES (?, ?, 'sto_b', 'trm_b', NULL, ?, ?, 'dynamic_qr', ?, 'CNY', 'succeeded', ?, 0, 1, ?, ?, ?)`);
  const ref = db.prepare(`INSERT INTO refunds (id, payment_id, merchant_id, out_refund_no, amount, currency, state, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'CNY', 'succeeded', 1, ?, ?)`);
  const jnl = db.prepare('INSERT INTO journals (id, merchant_id, kind, ref, created_at) VALUES (?, ?, ?, ?, ?)');
  const post = db.prepare('INSERT INTO postings (journal_id, merchant_id, account, amount, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  let i = 0;
  const batch = db.transaction((items: ReturnType<typeof generatedTrades>[]) => items);
  void batch;
  db.exec('BEGIN');
  let lastPay = '';
  for (const g of generatedTrades(channel, date, rows)) {
    i++;
    if (g.kind === 'payment') {
      lastPay = `pay_b${i}`;
      pay.run(lastPay, M, g.tradeNo, channel, g.amount, g.channelTradeNo, g.at, g.at, g.at);
      const e = paymentEntry({ id: lastPay, merchantId: M, terminalId: 'trm_b', channel, amount: g.amount, currency: 'CNY' });
      jnl.run(`jnl_p${i}`, M, e.kind, e.ref, g.at);
      for (const p of e.postings) post.run(`jnl_p${i}`, M, p.account, p.amount, p.currency, g.at);
    } else {
      ref.run(`rfd_b${i}`, lastPay, M, g.refundNo, g.amount, g.at, g.at);
      const e = refundEntry('refund', { id: `rfd_b${i}`, merchantId: M, terminalId: 'trm_b', channel, amount: g.amount, currency: 'CNY' });
      jnl.run(`jnl_r${i}`, M, e.kind, e.ref, g.at);
      for (const p of e.postings) post.run(`jnl_r${i}`, M, p.account, p.amount, p.currency, g.at);
    }
    if (i % 100_000 === 0) { db.exec('COMMIT'); db.exec('BEGIN'); }
  }
  db.exec('COMMIT');
  const file = join(dataDir, `bill-${channel}`);
  await writeBill({ channel, date, rows, out: file });
  console.log(JSON.stringify({ seeded: i, file }));
} else {
  const file = arg;
  let t = performance.now();
  let counted = 0;
  for await (const b of billLines(channel, fileBytes(file))) counted += b.length;
  const parseSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const run = await rt.reconciler.run({ merchantId: M, channel, day: date, source: { kind: 'file', name: 'bench', bytes: fileBytes(file) }, actor: { kind: 'system', id: 'bench' } });
  const reconcileSeconds = (performance.now() - t) / 1000;
  const s = JSON.parse(run.summary!) as RunSummary;
  const ledger = await checkLedger(rt.store, M);
  console.log(JSON.stringify({
    lines: counted, parseSeconds, reconcileSeconds, matched: s.matched, open: s.openCount, holding: s.holding, ledgerOk: ledger.ok,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}
await rt.store.close();
process.exit(0);
