import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startServer, type TestServer } from '../helpers/server.ts';
import { payWithCode, tradeNo, waitFinal } from '../helpers/flows.ts';
import { decodeEscPos, textOf } from '../printer/escpos.ts';
import { startFakePrinter, type FakePrinter } from '../printer/fake-9100.ts';

/**
 * Receipt printers end to end, on the store under test: a paid sale prints itself on a network
 * printer (the fake 9100 one), copies and the drawer kick as configured; an offline printer keeps its
 * jobs (also across a restart) and gets them when it is back; reprints, templates, batches, and the
 * rendered receipt for the POS.
 */
describe(`receipt printing (${process.env.SAOMA_TEST_STORE ?? 'sqlite'})`, () => {
  let s: TestServer;
  let printer: FakePrinter;
  let printerId: string;
  const m = () => s.demo.merchantId;

  before(async () => {
    printer = await startFakePrinter();
    s = await startServer();
    const r = await s.signed('POST', `/v1/merchants/${m()}/printers`, { storeId: s.demo.storeId, name: '前台打印机', url: printer.url, autoPrint: true, copies: 1, merchantCopy: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    printerId = r.body.id;
  });
  after(async () => { await s.close(); await printer.close(); });

  async function cashSale(amount: number, tendered: number, items?: Array<{ name: string; quantity: number; unitPrice: number }>) {
    const sale = await s.terminal('POST', '/v1/sales', { amount, currency: 'CNY', ...(items ? { items } : {}) });
    assert.equal(sale.status, 201, JSON.stringify(sale.body));
    const pay = await s.terminal('POST', '/v1/payments', { saleId: sale.body.id, outTradeNo: tradeNo('cash'), amount: tendered, tendered, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(pay.status, 201, JSON.stringify(pay.body));
    return sale.body.id as string;
  }
  const jobsOf = async (ref: string) => (await s.signed('GET', `/v1/merchants/${m()}/printers/${printerId}/jobs`)).body.data.filter((j: { ref: string }) => j.ref === ref);

  test('a completed cash sale prints itself: customer copy with the drawer kick, then the merchant copy', async () => {
    const before = printer.jobs.length;
    const saleId = await cashSale(4250, 5000, [{ name: '珍珠奶茶', quantity: 2, unitPrice: 1500 }, { name: '炸鸡', quantity: 1, unitPrice: 1250 }]);
    const got = (await printer.waitForJobs(before + 2)).slice(before).map((j) => decodeEscPos(j, { encoding: 'gbk' }));
    const [customer, merchant] = got.map(textOf);
    assert.match(customer!, /收银小票[\s\S]*顾客联[\s\S]*珍珠奶茶[\s\S]*￥30\.00[\s\S]*合计[\s\S]*￥42\.50[\s\S]*现金[\s\S]*￥42\.50[\s\S]*找零[\s\S]*￥7\.50/);
    assert.match(merchant!, /商户联[\s\S]*签名/);
    assert.deepEqual(got.map((d) => d.drawerKicks.length), [1, 0]);
    assert.deepEqual(got.map((d) => d.problems), [[], []]);
    const jobs = await eventually(async () => { const j = await jobsOf(saleId); return j.every((x: { state: string }) => x.state === 'printed') && j.length === 2 ? j : null; }, 'both jobs printed');
    assert.deepEqual(jobs.map((j: { copy: string }) => j.copy).sort(), ['customer', 'merchant']);
    // A second look by the worker prints nothing more.
    await s.rt.printing.tick();
    assert.equal(printer.jobs.length, before + 2);
  });

  test('a lone wallet payment prints with the wallet\'s transaction number', async () => {
    const before = printer.jobs.length;
    const r = await payWithCode(s, tradeNo('pc'), 1800, '00');
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'succeeded');
    const text = textOf(decodeEscPos((await printer.waitForJobs(before + 1))[before]!, { encoding: 'gbk' }));
    assert.match(text, /沙箱钱包[\s\S]*￥18\.00/);
    assert.ok(p.channelTradeNo && text.includes(p.channelTradeNo), `${p.channelTradeNo} in\n${text}`);
  });

  test('an offline printer keeps its jobs — across a restart — and prints them when it is back, once', async () => {
    await printer.offline();
    const saleId = await cashSale(990, 1000);
    const waiting = await eventually(async () => {
      const list = (await s.signed('GET', `/v1/merchants/${m()}/printers`)).body.data;
      const p = list.find((x: { id: string }) => x.id === printerId);
      return p.status === 'offline' && p.queued >= 2 ? p : null;
    }, 'the printer seen offline with its jobs waiting');
    assert.match(waiting.lastError, /refused the connection/);
    const jobs = await jobsOf(saleId);
    // Waiting (or mid-attempt): none printed while the printer is away.
    assert.ok(jobs.every((j: { state: string }) => j.state === 'queued' || j.state === 'printing'), JSON.stringify(jobs));

    const db = s.db;
    await s.close({ keepDatabase: true });
    s = await startServer({}, { database: db });
    const before = printer.jobs.length;
    await printer.online();
    for (const j of await jobsOf(saleId)) await s.signed('POST', `/v1/print-jobs/${j.id}/retry`);
    const got = (await printer.waitForJobs(before + 2, 20_000)).slice(before).map((b) => textOf(decodeEscPos(b, { encoding: 'gbk' })));
    assert.ok(got.every((t) => t.includes('￥9.90')));
    await eventually(async () => ((await jobsOf(saleId)).every((j: { state: string }) => j.state === 'printed') ? true : null), 'jobs printed');
    await s.rt.printing.tick();
    assert.equal(printer.jobs.length, before + 2, 'printed once');
  });

  test('reprint from the POS: one Idempotency-Key is one print, however often it is sent', async () => {
    const saleId = await cashSale(500, 500);
    await eventually(async () => ((await jobsOf(saleId)).length === 2 ? true : null), 'auto-print queued');
    const before = printer.jobs.length;
    const a = await s.terminal('POST', `/v1/printers/${printerId}/print`, { saleId }, { 'idempotency-key': 'reprint-1' });
    const b = await s.terminal('POST', `/v1/printers/${printerId}/print`, { saleId }, { 'idempotency-key': 'reprint-1' });
    assert.equal(a.status, 202, JSON.stringify(a.body));
    assert.deepEqual(b.body.data.map((j: { id: string }) => j.id), a.body.data.map((j: { id: string }) => j.id));
    await eventually(async () => ((await jobsOf(saleId)).filter((j: { state: string }) => j.state === 'printed').length >= 3 ? true : null), 'reprint printed');
    assert.ok(printer.jobs.length > before);
    const bad = await s.terminal('POST', `/v1/printers/${printerId}/print`, {});
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /saleId or paymentId/);
  });

  test('templates: a bad one is refused naming its line; a saved one is used from the next receipt', async () => {
    const url = `/v1/merchants/${m()}/stores/${s.demo.storeId}/receipt-templates/sale`;
    const cur = await s.signed('GET', url);
    assert.equal(cur.body.version, 0);
    const bad = await s.signed('PUT', url, { source: '^^{{merchant.name}}\n{{sale.totl}}\n' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_template');
    assert.match(bad.body.error.message, /line 2: unknown field "sale\.totl"/);
    const terminalTry = await s.terminal('PUT', url, { source: 'x\n' });
    assert.equal(terminalTry.status, 403);
    const ok = await s.signed('PUT', url, { source: `^^欢迎光临 Welcome\n${cur.body.source}` });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.version, 1);
    assert.deepEqual((await s.signed('GET', url)).body.versions, [1]);

    const preview = await s.signed('POST', `/v1/merchants/${m()}/receipt-preview`, { kind: 'sale', storeId: s.demo.storeId, lang: 'en' });
    assert.equal(preview.status, 200);
    const svg = String(preview.body);
    assert.ok(svg.startsWith('<svg'));
    // receiptline draws each character in its own <tspan>: read the text back without the markup.
    assert.match(svg.replace(/<[^>]+>/g, '').replace(/&#xa0;/g, ' '), /Welcome[\s\S]*Sales receipt/);

    const before = printer.jobs.length;
    await cashSale(123, 123);
    // The receipt of this sale (other jobs may reach the printer in between) carries the new header.
    const text = await eventually(async () => printer.jobs.slice(before).map((j) => textOf(decodeEscPos(j, { encoding: 'gbk' }))).find((t) => t.includes('￥1.23')) ?? null, 'the new sale printed');
    assert.match(text, /欢迎光临 Welcome/);
  });

  test('a batch by time range prints every receipt in order and reports its progress', async () => {
    const from = new Date().toISOString();
    await cashSale(111, 111);
    await cashSale(222, 222);
    const to = new Date(Date.now() + 60_000).toISOString();
    const r = await s.signed('POST', `/v1/merchants/${m()}/printers/${printerId}/batches`, { from, to, copies: 2 });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.total, 4, 'two receipts, two copies each');
    const done = await eventually(async () => {
      const p = (await s.signed('GET', `/v1/print-batches/${r.body.batchId}`)).body;
      return p.printed === p.total ? p : null;
    }, 'the batch printed', 30_000);
    assert.equal(done.queued, 0);
    const none = await s.signed('POST', `/v1/merchants/${m()}/printers/${printerId}/batches`, { from: to, to: new Date(Date.now() + 120_000).toISOString() });
    assert.equal(none.status, 404);

    // QR slips for a stand, two copies: each carries the stand's own URL in a code a phone reads.
    const stand = await s.signed('POST', `/v1/merchants/${m()}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId, name: '外卖窗口' });
    const before = printer.jobs.length;
    const qr = await s.signed('POST', `/v1/merchants/${m()}/printers/${printerId}/batches`, { standIds: [stand.body.id], copies: 2 });
    assert.equal(qr.status, 202, JSON.stringify(qr.body));
    assert.equal(qr.body.total, 2);
    const slips = (await printer.waitForJobs(before + 2)).slice(before).map((j) => decodeEscPos(j, { encoding: 'gbk' }));
    for (const d of slips) {
      assert.deepEqual(d.qrCodes, [stand.body.url]);
      assert.match(textOf(d), /扫码付款/);
    }
    const unknown = await s.signed('POST', `/v1/merchants/${m()}/printers/${printerId}/batches`, { standIds: ['std_nope'] });
    assert.equal(unknown.status, 404);
  });

  test('the POS gets a sale\'s receipt to show or to send to its own printer; other terminals do not', async () => {
    const saleId = await cashSale(1500, 2000, [{ name: '牛肉面', quantity: 1, unitPrice: 1500 }]);
    const text = await s.terminal('GET', `/v1/sales/${saleId}/receipt?format=text&lang=zh-Hant`);
    assert.equal(text.status, 200);
    assert.match(String(text.body), /收銀小票[\s\S]*牛肉面[\s\S]*找零/);
    const esc = await s.raw('GET', `/v1/sales/${saleId}/receipt?format=escpos`, { headers: { authorization: `Bearer ${s.demo.terminalToken}` } });
    assert.equal(esc.status, 200);
    const other = await s.signed('POST', `/v1/merchants/${m()}/terminals`, { storeId: s.demo.storeId, name: 'Second' });
    const denied = await s.raw('GET', `/v1/sales/${saleId}/receipt`, { headers: { authorization: `Bearer ${other.body.token}` } });
    assert.equal(denied.status, 404);
  });

  test('the other slips from the books: kitchen ticket, refund slip, shift report, daily report; the cashier on the receipt', async () => {
    const op = async (who: { id: string; pin: string }) => (await s.terminal('POST', '/v1/operators/login', { operatorId: who.id, pin: who.pin })).body.token as string;
    const as = (token: string, method: string, path: string, body?: unknown) =>
      s.raw(method, path, { headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const cashier = await op(s.demo.operator);
    const opened = await as(cashier, 'POST', '/v1/shifts', { openingFloat: 20000 });
    assert.equal(opened.status, 201, opened.text);
    const saleId = await cashSale(3000, 5000, [{ name: '牛肉面', quantity: 2, unitPrice: 1500 }]);
    // Let the sale's own auto-printed copies go out first, so each print below is the next job.
    await eventually(async () => ((await jobsOf(saleId)).filter((j: { state: string }) => j.state === 'printed').length === 2 ? true : null), 'auto-print done');
    const receipt = String((await s.terminal('GET', `/v1/sales/${saleId}/receipt?format=text`)).body);
    assert.match(receipt, /收银员\s+小王/, 'the cashier on shift is on the receipt');

    // The slip printed for this request: the job the server queued, as the printer got it (other jobs,
    // an auto-printed receipt, may reach the printer in between).
    const print = async (body: Record<string, unknown>, title: string) => {
      const before = printer.jobs.length;
      const r = await s.terminal('POST', `/v1/printers/${printerId}/print`, body);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return eventually(async () => {
        const texts = printer.jobs.slice(before).map((j) => textOf(decodeEscPos(j, { encoding: 'gbk' })));
        return texts.find((t) => t.includes(title)) ?? null;
      }, `the ${title} printed`);
    };
    assert.match(await print({ saleId, kind: 'kitchen' }, '点菜单'), /点菜单[\s\S]*2\s*×\s*牛肉面/);

    const payment = (await s.terminal('GET', `/v1/sales/${saleId}`)).body.payments[0];
    const supervisor = await op(s.demo.supervisor);
    const refund = await as(supervisor, 'POST', `/v1/payments/${payment.id}/refunds`, { amount: 1500, reason: '少一碗' });
    assert.equal(refund.status, 201, refund.text);
    const slip = await print({ refundId: JSON.parse(refund.text).id }, '退款单');
    assert.match(slip, /退款单[\s\S]*收银员\s+李姐[\s\S]*原单金额\s+￥30\.00[\s\S]*退款金额\s+￥15\.00[\s\S]*原因: 少一碗/);

    const closed = await as(cashier, 'POST', `/v1/shifts/${opened.body?.id ?? JSON.parse(opened.text).id}/close`, { countedCash: 21400 });
    assert.equal(closed.status, 200, closed.text);
    const shiftId = JSON.parse(closed.text).id;
    const report = await print({ shiftId }, '交班报表');
    assert.match(report, /交班报表[\s\S]*备用金\s+￥200\.00[\s\S]*应有现金\s+￥215\.00[\s\S]*实点现金\s+￥214\.00[\s\S]*-￥1\.00/);
    assert.match(String((await s.terminal('GET', `/v1/shifts/${shiftId}/report?format=text&lang=en`)).body), /Shift report[\s\S]*Expected cash\s+￥215\.00/);

    const tz = (await s.signed('GET', '/v1/merchant')).body.timezone as string;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const daily = await s.signed('GET', `/v1/merchants/${m()}/stores/${s.demo.storeId}/daily-report?date=${today}&format=text`);
    assert.equal(daily.status, 200);
    assert.match(String(daily.body), new RegExp(`日结报表[\\s\\S]*${today}[\\s\\S]*现金[\\s\\S]*净\\s*收`));
    assert.match(await print({ date: today }, '日结报表'), /日结报表/);
    const bad = await s.signed('GET', `/v1/merchants/${m()}/stores/${s.demo.storeId}/daily-report?date=2026-02-30`);
    assert.equal(bad.status, 400);
    const two = await s.terminal('POST', `/v1/printers/${printerId}/print`, { saleId, shiftId });
    assert.equal(two.status, 400);
    assert.match(two.body.error.message, /one of/);
  });

  test('printers are managed by the merchant; a terminal cannot add one, a bad address is refused', async () => {
    const t = await s.terminal('POST', `/v1/merchants/${m()}/printers`, { storeId: s.demo.storeId, name: 'x', url: printer.url });
    assert.equal(t.status, 403);
    const bad = await s.signed('POST', `/v1/merchants/${m()}/printers`, { storeId: s.demo.storeId, name: 'x', url: 'http://printer' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /tcp:\/\/HOST:9100/);
    const list = await s.terminal('GET', `/v1/merchants/${m()}/printers`);
    assert.equal(list.status, 200);
    assert.ok(list.body.data.some((p: { id: string }) => p.id === printerId));
  });
});
