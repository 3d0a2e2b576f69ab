import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { seedDemoHistory } from '../../src/reports/demo-history.ts';
import { checkLedger } from '../../src/store/ledger-repo.ts';
import { writeBill } from '../../src/reconcile/generate.ts';
import { signedHeaders } from '../../src/security/request-signing.ts';
import { RECONCILE_JOB } from '../../src/reconcile/jobs.ts';

/**
 * The report API over the demo stall's history, its CSV, the reconciliation routes' contract (OpenAPI,
 * permissions, upload of a hand-downloaded file), and the daily reconciliation planned as jobs.
 */
describe('reports and reconciliation over the API', () => {
  let s: TestServer;
  const tz = 'Asia/Shanghai';
  const day = (offset: number) => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(Date.now() + offset * 86_400_000));

  before(async () => {
    // The daily planner is off in tests unless asked for; this suite is about it.
    process.env.SAOMA_RECONCILE_AUTO = '1';
    s = await startServer({}, { worker: false });
    await seedDemoHistory(s.rt, s.demo);
  });
  after(async () => s?.close());

  test('the demo history is ~90 days of consistent books: the ledger check passes', async () => {
    const n = await s.rt.store.db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).where('merchant_id', '=', s.demo.merchantId).executeTakeFirstOrThrow();
    assert.ok(Number(n.n) > 90 * 60, `${n.n} payments`);
    const ledger = await checkLedger(s.rt.store);
    assert.equal(ledger.ok, true, JSON.stringify({ ...ledger, unbalancedJournals: ledger.unbalancedJournals.length }));
  });

  test('a day\'s summary adds up: buckets, wallets, stores and terminals each sum to the totals', async () => {
    const r = await s.signed('GET', `/v1/reports/summary?period=day&date=${day(-1)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body;
    const sum = (xs: Array<{ amount: number }>) => xs.reduce((x, y) => x + y.amount, 0);
    assert.equal(b.buckets.length, 24);
    for (const list of [b.buckets, b.byChannel, b.byStore, b.byTerminal]) assert.equal(sum(list), b.totals.gross);
    assert.equal(b.totals.cash + b.totals.wallets, b.totals.gross - b.totals.refunds);
    assert.equal(b.totals.averageTicket, Math.floor(b.totals.gross / b.totals.count));
    assert.equal(b.byStore.length, 2, 'two stalls');
    const db = await s.rt.store.db.selectFrom('payments').select((eb) => eb.fn.sum<number>('amount').as('s')).where('state', '=', 'succeeded')
      .where('created_at', '>=', b.from).where('created_at', '<', b.to).executeTakeFirstOrThrow();
    assert.equal(b.totals.gross, Number(db.s), 'the books\' own sum');
    const month = await s.signed('GET', `/v1/reports/summary?period=month&date=${day(-1)}`);
    assert.ok(month.body.buckets.length >= 28 && month.body.totals.gross >= b.totals.gross);
    const bad = await s.signed('GET', '/v1/reports/summary?period=year&date=2026-01-01');
    assert.equal(bad.status, 400);
  });

  test('the CSV is the same report: BOM, CRLF, Chinese labels, the totals in yuan; GB18030 on request', async () => {
    const path = `/v1/reports/summary.csv?period=day&date=${day(-1)}&lang=zh-Hans`;
    const res = await fetch(`${s.url}${path}`, { headers: signedHeaders(s.demo.apiKey.id, s.demo.apiKey.secret, 'GET', path, '') });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/csv; charset=utf-8/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const json = (await s.signed('GET', `/v1/reports/summary?period=day&date=${day(-1)}`)).body;
    const gross = (json.totals.gross / 100).toFixed(2);
    assert.ok(text.includes(`\r\n合计,收款,${json.totals.count},${gross},`), text.slice(0, 300));
    const gbPath = `${path}&encoding=gb18030`;
    const gb = Buffer.from(await (await fetch(`${s.url}${gbPath}`, { headers: signedHeaders(s.demo.apiKey.id, s.demo.apiKey.secret, 'GET', gbPath, '') })).arrayBuffer());
    assert.notDeepEqual([...gb.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.deepEqual([...gb.subarray(0, 4)], [0xd3, 0xaa, 0xd2, 0xb5], '营业 in GB18030');
  });

  test('the routes are in the OpenAPI document with typed answers and their permissions are enforced', async () => {
    const doc = (await s.raw('GET', '/docs/json')).body;
    for (const p of ['/v1/reconciliations', '/v1/reconciliations/upload', '/v1/reconciliations/{id}/lines', '/v1/reconciliations/mismatches/{id}/resolve', '/v1/reports/summary']) {
      assert.ok(doc.paths[p], p);
      const op = doc.paths[p].get ?? doc.paths[p].post;
      assert.ok(op.responses['200'].content['application/json']?.schema?.properties || op.responses['200'].content['application/json']?.schema?.type, `${p} declares its answer`);
    }
    const asTerminal = await s.terminal('GET', `/v1/reports/summary?period=day&date=${day(0)}`);
    assert.equal(asTerminal.status, 403, 'a terminal does not read the reports');
    const runAsTerminal = await s.terminal('POST', '/v1/reconciliations', { channel: 'wechat', date: day(-1) });
    assert.equal(runAsTerminal.status, 403);
  });

  test('a bill file downloaded by hand is uploaded and reconciled like a downloaded one; its lines and export follow', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'saoma-up-')), 'bill.csv.zip');
    await writeBill({ channel: 'alipay', date: day(-2), rows: 5, out });
    const body = readFileSync(out);
    const path = `/v1/reconciliations/upload?channel=alipay&date=${day(-2)}&fileName=bill.csv.zip`;
    const res = await fetch(`${s.url}${path}`, { method: 'POST', body, headers: { ...signedHeaders(s.demo.apiKey.id, s.demo.apiKey.secret, 'POST', path, body as never), 'content-type': 'application/octet-stream' } });
    const run = await res.json() as { id: string; source: string; summary: { wallet: { lines: number }; open: Record<string, number> } };
    assert.equal(res.status, 200, JSON.stringify(run));
    assert.equal(run.source, 'file');
    assert.equal(run.summary.wallet.lines, 5);
    assert.equal(run.summary.open.wallet_only, 5, 'none of these trades is the stall\'s');
    const lines = await s.signed('GET', `/v1/reconciliations/${run.id}/lines?limit=2`);
    assert.equal(lines.status, 200);
    assert.equal(lines.body.data.length, 2);
    assert.deepEqual(lines.body.data[0].mismatches, ['wallet_only']);
    assert.equal(lines.body.next, '1');
    const cut = body.subarray(0, Math.floor(body.length * 0.6));
    const bad = await fetch(`${s.url}${path}`, { method: 'POST', body: cut, headers: { ...signedHeaders(s.demo.apiKey.id, s.demo.apiKey.secret, 'POST', path, cut as never), 'content-type': 'application/octet-stream' } });
    assert.equal(bad.status, 422);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'bill_unreadable');
    const csv = await s.signed('GET', `/v1/reconciliations/${run.id}/export?lang=zh-Hans`);
    assert.equal(csv.status, 200);
    assert.match(String(csv.body), /长款·平台漏单/);
  });

  test('the planner makes one job per merchant, wallet account and day, due at the bill\'s ready hour', async () => {
    await s.rt.channelAccounts.put(s.demo.merchantId, 'wechat', { baseUrl: 'http://127.0.0.1:9/', credentials: { appId: 'wx1', mchId: '1900000109', apiKey: 'k'.repeat(32) } });
    await s.rt.jobRunner.tick(new Date());
    const jobs = await s.rt.store.db.selectFrom('jobs').selectAll().where('kind', '=', RECONCILE_JOB).execute();
    const keys = jobs.map((j) => j.key).sort();
    assert.deepEqual(keys, [1, 2, 3].map((n) => `${s.demo.merchantId}:wechat:${day(-n)}`).sort());
    const y = jobs.find((j) => j.key.endsWith(day(-1)))!;
    const ready = Date.parse(`${day(0)}T10:00:00+08:00`);
    if (Date.now() < ready) assert.equal(y.run_at, new Date(ready).toISOString(), 'due at 10:00 Beijing the next morning');
    else {
      // Past the ready hour it ran at once; the wallet is unreachable here, so it waits to try again.
      assert.equal(y.state, 'due');
      assert.equal(y.attempts, 1);
      assert.ok(y.last_error && Date.parse(y.run_at) > Date.now(), y.last_error ?? '');
    }
    await s.rt.jobRunner.tick(new Date());
    assert.equal((await s.rt.store.db.selectFrom('jobs').select('id').where('kind', '=', RECONCILE_JOB).execute()).length, 3, 'planning again makes no second job');
  });
});
