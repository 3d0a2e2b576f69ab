import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { payWithCode, tradeNo, waitFinal } from '../helpers/flows.ts';
import { decodeEscPos, textOf } from '../printer/escpos.ts';
import { startFakePrinter, type FakePrinter } from '../printer/fake-9100.ts';

const STROKES = [{ points: [{ x: 10, y: 40 }, { x: 60, y: 10 }, { x: 110, y: 50 }, { x: 160, y: 15 }] }];

/**
 * The customer signs on the customer display: the display's token may send a signature only for the
 * payment its terminal put on it to be signed; the record and its print are the same as at the POS.
 */
describe(`signing on the customer display (${process.env.SAOMA_TEST_STORE ?? 'sqlite'})`, () => {
  let s: TestServer;
  let printer: FakePrinter;
  let token: string;
  let paid: string;
  let other: string;
  const asDisplay = (body: unknown) => s.raw('POST', '/v1/display/signature', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    printer = await startFakePrinter();
    s = await startServer();
    token = (await s.terminal('POST', '/v1/terminal/display-link')).body.token;
    paid = (await waitFinal(s, (await payWithCode(s, tradeNo('ds'), 990, '00')).body.id)).id;
    other = (await waitFinal(s, (await payWithCode(s, tradeNo('ds'), 110, '00')).body.id)).id;
  });
  after(async () => { await s.close(); await printer.close(); });

  test('nothing to sign until the POS asks; then only the payment it named', async () => {
    const early = await asDisplay({ paymentId: paid, strokes: STROKES });
    assert.equal(early.status, 409);
    assert.match(JSON.parse(early.text).error.message, /has not asked for a signature/);
    const asked = await s.terminal('PUT', '/v1/terminal/display', { view: 'sign', currency: 'CNY', amount: 990, paymentId: paid, gifts: [{ name: '纸巾', quantity: 2 }] });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    const wrong = await asDisplay({ paymentId: other, strokes: STROKES });
    assert.equal(wrong.status, 409);
    const terminal = await s.terminal('POST', '/v1/display/signature', { paymentId: paid, strokes: STROKES });
    assert.equal(terminal.status, 403, 'only the display signs here');
    const r = await asDisplay({ paymentId: paid, strokes: STROKES });
    assert.equal(r.status, 201, r.text);
    const made = JSON.parse(r.text) as { id: string; code: string };
    const found = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/verification-receipts?paymentId=${paid}`);
    assert.deepEqual(found.body.data.map((x: { id: string }) => x.id), [made.id]);
    assert.deepEqual(found.body.data[0].gifts, [{ name: '纸巾', quantity: 2 }], 'gifts as the POS put them on the display');

    // The POS prints it on a store printer afterwards.
    const p = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/printers`, { storeId: s.demo.storeId, name: 'Counter', url: printer.url });
    const job = await s.terminal('POST', `/v1/printers/${p.body.id}/print`, { verificationId: made.id }, { 'idempotency-key': 'sig-1' });
    assert.equal(job.status, 202, JSON.stringify(job.body));
    const again = await s.terminal('POST', `/v1/printers/${p.body.id}/print`, { verificationId: made.id }, { 'idempotency-key': 'sig-1' });
    assert.deepEqual(again.body.data.map((j: { id: string }) => j.id), job.body.data.map((j: { id: string }) => j.id));
    const d = decodeEscPos((await printer.waitForJobs(1))[0]!, { encoding: 'gbk' });
    assert.ok(textOf(d).includes(made.code));
    assert.deepEqual(d.qrCodes, [`${s.rt.config.publicUrl}/r/${made.code.replace(/-/g, '')}`]);
  });
});
