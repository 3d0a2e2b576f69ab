import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startServer, type TestServer } from '../helpers/server.ts';
import {
  assertAgrees, assertBooksBalance, charges, getPayment, journalsFor, outboxFor, payWithCode, paymentCode, tradeNo, wallet,
} from '../helpers/flows.ts';

/** Refunds (full, partial, idempotent, cash, in doubt) and split-tender sales, then the books. */
describe('refunds and sales', () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  const refund = (paymentId: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    s.signed('POST', `/v1/payments/${paymentId}/refunds`, body, headers ? { headers } : {});

  async function paid(prefix: string, amount: number) {
    const r = await payWithCode(s, tradeNo(prefix), amount, '00');
    assert.equal(r.body.state, 'succeeded');
    return r.body;
  }

  async function refundJournal(refundId: string) {
    const js = await journalsFor(s, refundId);
    assert.equal(js.length, 1, `one journal entry for refund ${refundId}`);
    assert.equal(js[0]!.kind, 'refund');
    return js[0]!;
  }

  test('full refund: booked, the payment shows it, the wallet gave it back; nothing more can be refunded', async () => {
    const p = await paid('RF-FULL', 1000);
    const r = await refund(p.id, { amount: 1000, reason: 'customer changed their mind' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'succeeded');
    assert.equal(r.body.paymentId, p.id);
    assert.ok(r.body.channelRefundNo);
    const j = await refundJournal(r.body.id);
    assert.deepEqual(j.postings.map((x) => x.amount).sort((a, b) => a - b), [-1000, 1000]);
    assert.ok(j.postings.some((x) => x.account === 'channel_clearing:sandbox' && x.amount === -1000));
    const after = await getPayment(s, p.id);
    assert.equal(after.refunded, 1000);
    assert.equal(after.state, 'succeeded', 'a refund does not change the payment\'s state');
    assert.deepEqual(charges(s, p.outTradeNo), { mch_id: s.demo.merchantId, out_trade_no: p.outTradeNo, charged: 1000, times_charged: 1, returned: 1000 });
    assert.equal((await outboxFor(s, r.body.id, 'refund.succeeded')).length, 1);
    const more = await refund(p.id, { amount: 1 });
    assert.equal(more.status, 409);
    assert.equal(more.body.error.code, 'refund_exceeds_paid');
    const list = await s.signed('GET', `/v1/payments/${p.id}/refunds`);
    assert.equal(list.body.data.length, 1);
    await assertAgrees(s, after);
  });

  test('partial refunds add up to the paid amount, each booked; one more is refused', async () => {
    const p = await paid('RF-PART', 3000);
    const amounts = [1000, 500, 1500];
    let total = 0;
    for (const amount of amounts) {
      const r = await refund(p.id, { amount });
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'succeeded');
      total += amount;
      const j = await refundJournal(r.body.id);
      assert.deepEqual(j.postings.map((x) => x.amount).sort((a, b) => a - b), [-amount, amount]);
      assert.equal((await getPayment(s, p.id)).refunded, total);
      assert.equal(charges(s, p.outTradeNo).returned, total);
    }
    const tooMuch = await refund(p.id, { amount: 1 });
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.error.code, 'refund_exceeds_paid');
    const list = await s.signed('GET', `/v1/payments/${p.id}/refunds`);
    assert.deepEqual(list.body.data.map((r: { amount: number }) => r.amount), amounts);
    const c = charges(s, p.outTradeNo);
    assert.deepEqual([c.charged, c.times_charged, c.returned], [3000, 1, 3000]);
    await assertAgrees(s, await getPayment(s, p.id));
  });

  test('a refund larger than what is left is refused with what is left', async () => {
    const p = await paid('RF-OVER', 2000);
    assert.equal((await refund(p.id, { amount: 1500 })).body.state, 'succeeded');
    const over = await refund(p.id, { amount: 600 });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'refund_exceeds_paid');
    assert.equal(over.body.error.details.refundable, 500);
    assert.equal(charges(s, p.outTradeNo).returned, 1500);
  });

  test('a refund retried with the same Idempotency-Key returns the same answer and refunds once', async () => {
    const p = await paid('RF-IDEM', 1800);
    const key = `refund-${tradeNo('K')}`;
    const first = await refund(p.id, { amount: 300 }, { 'idempotency-key': key });
    assert.equal(first.status, 201);
    assert.equal(first.body.state, 'succeeded');
    const again = await refund(p.id, { amount: 300 }, { 'idempotency-key': key });
    assert.equal(again.status, first.status);
    assert.deepEqual(again.body, first.body);
    const list = await s.signed('GET', `/v1/payments/${p.id}/refunds`);
    assert.equal(list.body.data.length, 1);
    assert.equal((await getPayment(s, p.id)).refunded, 300);
    assert.equal(charges(s, p.outTradeNo).returned, 300);
    await refundJournal(first.body.id);
    const other = await refund(p.id, { amount: 400 }, { 'idempotency-key': key });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'idempotency_key_reused');
  });

  test('a refund whose answer is lost is settled by asking the wallet, refunded once', async () => {
    const p = await paid('RF-LOST', 900);
    wallet(s).faults.lostReplyRate = 1;
    let r;
    try {
      r = await refund(p.id, { amount: 400 });
    } finally {
      wallet(s).faults.lostReplyRate = 0;
    }
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'unknown');
    assert.equal(charges(s, p.outTradeNo).returned, 400, 'the wallet did refund');
    assert.equal((await getPayment(s, p.id)).refunded, 0, 'not counted before it is known');
    const done = await eventually(async () => {
      const x = await s.signed('GET', `/v1/refunds/${r.body.id}`);
      return x.body.state === 'succeeded' ? x.body : null;
    }, 'the refund to be confirmed');
    assert.equal(done.amount, 400);
    await refundJournal(done.id);
    assert.equal((await getPayment(s, p.id)).refunded, 400);
    assert.equal(charges(s, p.outTradeNo).returned, 400, 'refunded once');
  });

  test('two refunds at once can never together exceed what was paid', async () => {
    const p = await paid('RF-RACE', 1000);
    const both = await Promise.all([refund(p.id, { amount: 600 }), refund(p.id, { amount: 600 })]);
    const statuses = both.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409], JSON.stringify(both.map((r) => r.body)));
    assert.equal(both.find((r) => r.status === 409)!.body.error.code, 'refund_exceeds_paid');
    assert.equal((await getPayment(s, p.id)).refunded, 600);
    assert.equal(charges(s, p.outTradeNo).returned, 600);
  });

  test('refund of a cash payment: done at once, out of the drawer', async () => {
    const cash = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('CASH'), amount: 2000, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(cash.status, 201);
    assert.equal(cash.body.state, 'succeeded');
    const r = await refund(cash.body.id, { amount: 500 });
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'succeeded');
    const j = await refundJournal(r.body.id);
    assert.ok(j.postings.some((x) => x.account === `cash_drawer:${s.demo.terminalId}` && x.amount === -500), JSON.stringify(j.postings));
    assert.equal((await getPayment(s, cash.body.id)).refunded, 500);
    const rest = await refund(cash.body.id, { amount: 1500 });
    assert.equal(rest.body.state, 'succeeded');
    assert.equal((await refund(cash.body.id, { amount: 1 })).status, 409);
  });

  test('only a succeeded payment can be refunded', async () => {
    const declined = await payWithCode(s, tradeNo('RF-DECL'), 700, '01');
    assert.equal(declined.body.state, 'failed');
    const r = await refund(declined.body.id, { amount: 100 });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'payment_not_refundable');
  });

  test('split tender: cash 2000 + wallet 3000 complete a 5000 sale; a wallet tender over what is left is refused', async () => {
    const sale = await s.terminal('POST', '/v1/sales', { amount: 5000, currency: 'CNY', description: 'two bowls of beef noodles' });
    assert.equal(sale.status, 201);
    assert.equal(sale.body.state, 'open');
    const cash = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('SPLIT-CASH'), amount: 2000, currency: 'CNY', method: 'cash', channel: 'cash', saleId: sale.body.id });
    assert.equal(cash.status, 201);
    assert.equal(cash.body.state, 'succeeded');
    let now = await s.terminal('GET', `/v1/sales/${sale.body.id}`);
    assert.equal(now.body.paid, 2000);
    assert.equal(now.body.state, 'open');

    const over = await payWithCode(s, tradeNo('SPLIT-OVER'), 3500, '00', { saleId: sale.body.id });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'tender_exceeds_due');
    assert.equal(over.body.error.details.remaining, 3000);
    assert.equal(wallet(s).chargeSummary().filter((c) => c.out_trade_no.startsWith('SPLIT-OVER')).length, 0, 'the refused tender never reached the wallet');

    const card = await payWithCode(s, tradeNo('SPLIT-WALLET'), 3000, '00', { saleId: sale.body.id });
    assert.equal(card.status, 201);
    assert.equal(card.body.state, 'succeeded');
    now = await s.terminal('GET', `/v1/sales/${sale.body.id}`);
    assert.equal(now.body.state, 'completed');
    assert.equal(now.body.paid, 5000);
    assert.equal(now.body.change, 0);
    assert.deepEqual(now.body.payments.map((p: { id: string }) => p.id).sort(), [cash.body.id, card.body.id].sort());
    const completed = (await s.rt.store.db.selectFrom('outbox').select('payload').where('event_type', '=', 'sale.completed').execute())
      .filter((r) => JSON.parse(r.payload).data.id === sale.body.id);
    assert.equal(completed.length, 1);

    const more = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('SPLIT-MORE'), amount: 100, currency: 'CNY', method: 'cash', channel: 'cash', saleId: sale.body.id });
    assert.equal(more.status, 409);
    assert.equal(more.body.error.code, 'sale_closed');
    await assertAgrees(s, card.body);
  });

  test('cash overpay gives change; only cash may exceed what is due', async () => {
    const sale = await s.terminal('POST', '/v1/sales', { amount: 5000, currency: 'CNY' });
    const w = await payWithCode(s, tradeNo('CHG-WALLET'), 3000, '00', { saleId: sale.body.id });
    assert.equal(w.body.state, 'succeeded');
    const cash = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('CHG-CASH'), amount: 2000, tendered: 2500, currency: 'CNY', method: 'cash', channel: 'cash', saleId: sale.body.id });
    assert.equal(cash.status, 201);
    assert.equal(cash.body.state, 'succeeded');
    assert.equal(cash.body.amount, 2000);
    assert.equal(cash.body.tendered, 2500);
    assert.equal(cash.body.change, 500);
    const now = await s.terminal('GET', `/v1/sales/${sale.body.id}`);
    assert.equal(now.body.state, 'completed');
    assert.equal(now.body.paid, 5000);
    assert.equal(now.body.change, 500);
    // The drawer took 2000 net, not 2500.
    const j = await journalsFor(s, cash.body.id);
    assert.deepEqual(j.map((x) => x.postings.map((p) => p.amount).sort((a, b) => a - b)), [[-2000, 2000]]);

    // A lone cash payment with more handed over.
    const lone = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('CHG-LONE'), amount: 1200, tendered: 2000, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(lone.body.change, 800);
    const short = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('CHG-SHORT'), amount: 1200, tendered: 1000, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.code, 'invalid_amount');
  });

  test('a wallet tender still in flight counts against the sale until it is cancelled', async () => {
    const sale = await s.terminal('POST', '/v1/sales', { amount: 5000, currency: 'CNY' });
    const waiting = await payWithCode(s, tradeNo('FLIGHT-03'), 3000, '03', { saleId: sale.body.id });
    assert.equal(waiting.body.state, 'waiting_customer');
    const second = await payWithCode(s, tradeNo('FLIGHT-2ND'), 3000, '00', { saleId: sale.body.id });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'tender_exceeds_due');
    const c = await s.terminal('POST', `/v1/payments/${waiting.body.id}/cancel`);
    assert.equal(c.body.state, 'reversed');
    const third = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('FLIGHT-3RD'), amount: 3000, currency: 'CNY', method: 'payment_code', channel: 'sandbox', authCode: paymentCode('00'), saleId: sale.body.id });
    assert.equal(third.status, 201);
    assert.equal(third.body.state, 'succeeded');
    const now = await s.terminal('GET', `/v1/sales/${sale.body.id}`);
    assert.equal(now.body.paid, 3000);
    assert.equal(now.body.state, 'open');
  });

  test('two wallet tenders started at once cannot together overpay a sale', async () => {
    const sale = await s.terminal('POST', '/v1/sales', { amount: 5000, currency: 'CNY' });
    const both = await Promise.all([
      payWithCode(s, tradeNo('RACE-A'), 3000, '00', { saleId: sale.body.id }),
      payWithCode(s, tradeNo('RACE-B'), 3000, '00', { saleId: sale.body.id }),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), [201, 409], JSON.stringify(both.map((r) => r.body)));
    const loser = both.find((r) => r.status === 409)!;
    assert.equal(loser.body.error.code, 'tender_exceeds_due');
    const now = await s.terminal('GET', `/v1/sales/${sale.body.id}`);
    assert.equal(now.body.paid, 3000);
    assert.equal(now.body.payments.length, 1);
  });

  test('the ledger checks out and balances to zero after all of the above', async () => {
    const { check, balances } = await assertBooksBalance(s);
    assert.ok((check as unknown as { journals: number }).journals > 0);
    assert.ok(balances.some((b) => b.account === `merchant_payable:${s.demo.merchantId}`));
    assert.ok(balances.some((b) => b.account === `cash_drawer:${s.demo.terminalId}`));
  });
});
