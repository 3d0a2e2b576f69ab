import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { outboxFor, tradeNo } from '../helpers/flows.ts';

/** Voiding a sale the customer walked away from: only with nothing paid and nothing in flight. */
describe(`sale cancel (${process.env.SAOMA_TEST_STORE ?? 'sqlite'})`, () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  const sale = async (amount: number) => (await s.terminal('POST', '/v1/sales', { amount, currency: 'CNY' })).body.id as string;

  test('an untouched sale is cancelled, once, with a sale.cancelled event', async () => {
    const id = await sale(1000);
    const r = await s.terminal('POST', `/v1/sales/${id}/cancel`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'cancelled');
    assert.equal((await s.terminal('POST', `/v1/sales/${id}/cancel`)).body.state, 'cancelled');
    assert.equal((await outboxFor(s, id, 'sale.cancelled')).length, 1);
    const tender = await s.terminal('POST', '/v1/payments', { saleId: id, outTradeNo: tradeNo('c'), amount: 1000, tendered: 1000, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(tender.status, 409);
    assert.equal(tender.body.error.code, 'sale_closed');
  });

  test('a wallet line still in flight must be cancelled first; then the sale can be', async () => {
    const id = await sale(2000);
    const qr = await s.terminal('POST', '/v1/payments', { saleId: id, outTradeNo: tradeNo('q'), amount: 2000, currency: 'CNY', method: 'dynamic_qr', channel: 'sandbox' });
    assert.equal(qr.status, 201, JSON.stringify(qr.body));
    const refused = await s.terminal('POST', `/v1/sales/${id}/cancel`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'invalid_transition');
    assert.match(refused.body.error.message, /cancel it first/);
    assert.equal((await s.terminal('GET', `/v1/sales/${id}`)).body.state, 'open', 'nothing changed');
    await s.terminal('POST', `/v1/payments/${qr.body.id}/cancel`);
    assert.equal((await s.terminal('POST', `/v1/sales/${id}/cancel`)).body.state, 'cancelled');
  });

  test('a sale with a paid tender is refunded, not cancelled; another terminal cannot touch it', async () => {
    const id = await sale(3000);
    await s.terminal('POST', '/v1/payments', { saleId: id, outTradeNo: tradeNo('p'), amount: 1000, tendered: 1000, currency: 'CNY', method: 'cash', channel: 'cash' });
    const r = await s.terminal('POST', `/v1/sales/${id}/cancel`);
    assert.equal(r.status, 409);
    assert.match(r.body.error.message, /refund the paid tenders/);
    const other = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'Other' });
    const foreign = await s.raw('POST', `/v1/sales/${id}/cancel`, { headers: { authorization: `Bearer ${other.body.token}` } });
    assert.equal(foreign.status, 404);
  });
});
