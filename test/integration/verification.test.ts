import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { payWithCode, tradeNo, waitFinal } from '../helpers/flows.ts';
import { decodeEscPos, textOf } from '../printer/escpos.ts';
import { startFakePrinter, type FakePrinter } from '../printer/fake-9100.ts';

/** A signature as signature_pad's toData() gives it: two strokes, a name and an underline. */
const STROKES = [
  { penColor: 'black', points: [{ x: 20, y: 60, time: 1, pressure: 0.5 }, { x: 60, y: 20, time: 20 }, { x: 100, y: 70, time: 40 }, { x: 140, y: 25, time: 60 }, { x: 180, y: 65, time: 80 }] },
  { points: [{ x: 15, y: 90, time: 120 }, { x: 120, y: 92, time: 160 }, { x: 200, y: 88, time: 200 }] },
];

/**
 * Verification receipts end to end: sign for a paid payment → the slip prints with the signature, the
 * code and a QR to the check page → the page says authentic; a changed code or a tampered record
 * says not; collecting, searching and the gifts report.
 */
describe(`verification receipts (${process.env.SAOMA_TEST_STORE ?? 'sqlite'})`, () => {
  let s: TestServer;
  let printer: FakePrinter;
  let printerId: string;
  let paymentId: string;

  before(async () => {
    printer = await startFakePrinter();
    s = await startServer();
    const r = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/printers`, { storeId: s.demo.storeId, name: 'Counter', url: printer.url });
    printerId = r.body.id;
    const pay = await payWithCode(s, tradeNo('vr'), 8800, '00');
    paymentId = (await waitFinal(s, pay.body.id)).id;
  });
  after(async () => { await s.close(); await printer.close(); });

  let made: { id: string; code: string; url: string };

  test('signing prints a slip with the signature, the gifts, the code and a QR to the check page', async () => {
    const r = await s.terminal('POST', `/v1/payments/${paymentId}/verification-receipts`, { strokes: STROKES, gifts: [{ name: '纸巾 Tissues', quantity: 2 }], printerId });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    made = r.body;
    assert.match(made.code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    assert.equal(made.url, `${s.rt.config.publicUrl}/r/${made.code.replace(/-/g, '')}`);
    const job = (await printer.waitForJobs(1))[0]!;
    const d = decodeEscPos(job, { encoding: 'gbk' });
    const text = textOf(d);
    assert.match(text, /验证收据[\s\S]*￥88\.00[\s\S]*纸巾 Tissues[\s\S]*×2/);
    assert.ok(text.includes(made.code), `${made.code} in\n${text}`);
    assert.deepEqual(d.qrCodes, [made.url]);
    const ink = d.rasters.filter((x) => !x.dots.every((v) => v === 0) && x.width >= 384);
    assert.ok(ink.length >= 1, 'the signature is printed as an image');
    assert.deepEqual(d.problems, []);
  });

  test('the same signature sent again (a retried request) is the same record', async () => {
    const again = await s.terminal('POST', `/v1/payments/${paymentId}/verification-receipts`, { strokes: STROKES });
    assert.equal(again.status, 201);
    assert.equal(again.body.id, made.id);
  });

  test('the check page says authentic and shows what was printed, nothing more', async () => {
    const page = await s.raw('GET', `/r/${made.code.replace(/-/g, '').toLowerCase()}?lang=en`);
    assert.equal(page.status, 200);
    assert.match(page.text, /data-authentic="true"/);
    assert.match(page.text, /Authentic receipt/);
    assert.match(page.text, /￥88\.00/);
    // Double-size lines read as spaced letters in the text rendering, as on a monospace slip.
    assert.match(page.text, /<pre data-testid="printed">[\s\S]*验\s*证\s*收\s*据[\s\S]*<\/pre>/);
    assert.ok(!page.text.includes(paymentId), 'no internal ids');
    const zh = await s.raw('GET', `/r?code=${encodeURIComponent(made.code)}`, { headers: { 'accept-language': 'zh-TW' } });
    assert.match(zh.text, /真實收據/);
  });

  test('a changed code says the receipt cannot be verified', async () => {
    const code = made.code.replace(/-/g, '');
    const flipped = code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A');
    const page = await s.raw('GET', `/r/${flipped}`, { headers: { 'accept-language': 'zh-CN' } });
    assert.equal(page.status, 404);
    assert.match(page.text, /data-authentic="false"/);
    assert.match(page.text, /无法验证/);
  });

  test('a record changed in the database no longer verifies', async () => {
    const row = await s.rt.store.db.selectFrom('receipt_records').selectAll().where('id', '=', made.id).executeTakeFirstOrThrow();
    const forged = row.record.replace('"amount":8800', '"amount":88000');
    assert.notEqual(forged, row.record);
    await s.rt.store.write((tx) => tx.updateTable('receipt_records').set({ record: forged }).where('id', '=', made.id).execute());
    const page = await s.raw('GET', `/r/${made.code}`);
    assert.equal(page.status, 404);
    await s.rt.store.write((tx) => tx.updateTable('receipt_records').set({ record: row.record }).where('id', '=', made.id).execute());
    assert.equal((await s.raw('GET', `/r/${made.code}`)).status, 200);
  });

  test('collected (回收), searched by code as typed, and the gifts report', async () => {
    const m = s.demo.merchantId;
    const open = await s.signed('GET', `/v1/merchants/${m}/verification-receipts?collected=false`);
    assert.ok(open.body.data.some((x: { id: string }) => x.id === made.id));
    const c = await s.terminal('POST', `/v1/merchants/${m}/verification-receipts/${made.id}/collect`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.ok(c.body.collectedAt);
    const again = await s.terminal('POST', `/v1/merchants/${m}/verification-receipts/${made.id}/collect`);
    assert.equal(again.body.collectedAt, c.body.collectedAt, 'collecting twice changes nothing');
    assert.ok(!(await s.signed('GET', `/v1/merchants/${m}/verification-receipts?collected=false`)).body.data.some((x: { id: string }) => x.id === made.id));
    const typed = made.code.toLowerCase().replace(/-/g, ' ');
    const found = await s.signed('GET', `/v1/merchants/${m}/verification-receipts?code=${encodeURIComponent(typed)}`);
    assert.deepEqual(found.body.data.map((x: { id: string }) => x.id), [made.id]);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const gifts = await s.signed('GET', `/v1/merchants/${m}/gifts?from=${from}&to=${to}`);
    assert.deepEqual(gifts.body.data, [{ name: '纸巾 Tissues', quantity: 2, receipts: 1 }]);
  });

  test('bad input changes nothing: an empty or dot signature, an unpaid payment, a bad gift', async () => {
    const before = (await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/verification-receipts`)).body.data.length;
    const empty = await s.terminal('POST', `/v1/payments/${paymentId}/verification-receipts`, { strokes: [] });
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /empty/);
    const dot = await s.terminal('POST', `/v1/payments/${paymentId}/verification-receipts`, { strokes: [{ points: [{ x: 1, y: 1 }] }] });
    assert.equal(dot.status, 400);
    assert.match(dot.body.error.message, /dot, not a signature/);
    const declined = await payWithCode(s, tradeNo('vr'), 100, '01');
    await waitFinal(s, declined.body.id);
    const unpaid = await s.terminal('POST', `/v1/payments/${declined.body.id}/verification-receipts`, { strokes: STROKES });
    assert.equal(unpaid.status, 409);
    assert.match(unpaid.body.error.message, /signed for a paid payment/);
    const gift = await s.terminal('POST', `/v1/payments/${paymentId}/verification-receipts`, { strokes: [{ points: [{ x: 1, y: 1 }, { x: 50, y: 50 }, { x: 90, y: 10 }, { x: 120, y: 60 }] }], gifts: [{ name: 'x', quantity: 0 }] });
    assert.equal(gift.status, 400);
    assert.equal((await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/verification-receipts`)).body.data.length, before);
  });
});
