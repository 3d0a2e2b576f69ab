import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, eventually, type TestServer } from '../helpers/server.ts';

describe('payment flows against the sandbox wallet', () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  test('dynamic QR: created, scanned and paid, booked once', async () => {
    const created = await s.terminal('POST', '/v1/payments', { outTradeNo: 'QR-1', amount: 1250, currency: 'CNY', method: 'dynamic_qr', channel: 'sandbox' });
    assert.equal(created.status, 201);
    assert.equal(created.body.state, 'waiting_customer');
    assert.match(created.body.qrCode, /\/sandbox\/wallet\/qr\//);
    const scan = await s.raw('POST', '/sandbox/wallet/scan', { body: JSON.stringify({ qr_code: created.body.qrCode }), headers: { 'content-type': 'application/json' } });
    assert.equal(scan.body.code, 'SUCCESS');
    const paid = await eventually(async () => {
      const r = await s.terminal('GET', `/v1/payments/${created.body.id}`);
      return r.body.state === 'succeeded' ? r.body : null;
    }, 'payment to succeed');
    assert.equal(paid.amount, 1250);
    assert.ok(paid.channelTradeNo);
    const journals = await s.signed('GET', '/v1/ledger/journals');
    const mine = journals.body.data.filter((j: any) => j.ref === paid.id);
    assert.equal(mine.length, 1);
    assert.deepEqual(mine[0].postings.map((p: any) => p.amount).sort(), [-1250, 1250]);
  });

  test('payment code: charged at once', async () => {
    const r = await s.terminal('POST', '/v1/payments', { outTradeNo: 'PC-1', amount: 990, currency: 'CNY', method: 'payment_code', channel: 'sandbox', authCode: '280000000000000000' });
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'succeeded');
    const again = await s.terminal('POST', '/v1/payments', { outTradeNo: 'PC-1', amount: 990, currency: 'CNY', method: 'payment_code', channel: 'sandbox', authCode: '280000000000000000' });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, r.body);
    const charges = s.rt.sandboxWallet!.chargeSummary().filter((c) => c.out_trade_no === 'PC-1');
    assert.equal(charges.length, 1);
    assert.equal(charges[0]!.times_charged, 1);
  });
});
