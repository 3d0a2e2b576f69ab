import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  assertAgrees, assertBooksBalance, charges, FINAL, getPayment, journalsFor, loseNotifications, outboxFor, paymentEvents,
  paymentCode, payWithCode, scan, showQr, tradeNo, waitFinal, waitState, wallet, walletStatus,
} from '../helpers/flows.ts';

/**
 * The orchestration against the sandbox wallet: every payment-code outcome, query-then-reverse, QR expiry
 * and cancel, and the wallet's faults. Each payment ends with the proof that the wallet and the gateway
 * agree (never charged twice, money kept iff succeeded, booked once iff succeeded).
 */

describe('orchestration: outcomes, give-up, expiry and cancel', () => {
  let s: TestServer;
  before(async () => {
    // Short lifetimes so the poller's give-up and the QR expiry happen within a test.
    s = await startServer({ payCodeGiveUpMs: 3000, qrTtlMs: 1500 });
    wallet(s).faults = { ...wallet(s).faults, userPayingMs: 800 };
  });
  after(async () => { await s.close(); });

  test('payment code 00: succeeded in the answer, booked once', async () => {
    const no = tradeNo('PC00');
    const r = await payWithCode(s, no, 1200, '00');
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'succeeded');
    assert.ok(r.body.channelTradeNo);
    assert.equal(walletStatus(s, no), 'SUCCESS');
    await assertAgrees(s, r.body);
  });

  test('payment code 01: declined → failed, nothing charged, nothing booked', async () => {
    const no = tradeNo('PC01');
    const r = await payWithCode(s, no, 500, '01');
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'failed');
    assert.equal(r.body.failureCode, 'PAY_DECLINED');
    assert.equal(charges(s, no).times_charged, 0);
    await assertAgrees(s, r.body);
    assert.equal((await outboxFor(s, r.body.id, 'payment.failed')).length, 1);
  });

  test('payment code 02: user paying → waiting_customer, then succeeded by polling', async () => {
    const restore = loseNotifications(wallet(s)); // the gateway must learn it by querying
    try {
      const no = tradeNo('PC02');
      const r = await payWithCode(s, no, 2300, '02');
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'waiting_customer');
      assert.equal(charges(s, no).times_charged, 0, 'not charged while the customer is confirming');
      const paid = await waitState(s, r.body.id, 'succeeded');
      const evs = await paymentEvents(s, r.body.id);
      const success = evs.find((e) => e.to_state === 'succeeded' && e.from_state !== 'succeeded');
      assert.equal(success?.source, 'poller');
      assert.equal(success?.from_state, 'waiting_customer');
      await assertAgrees(s, paid);
      assert.equal((await outboxFor(s, paid.id, 'payment.succeeded')).length, 1);
    } finally {
      restore();
    }
  });

  test('payment code 03: never confirms → the poller gives up and reverses; nothing kept, nothing booked', async () => {
    const no = tradeNo('PC03');
    const r = await payWithCode(s, no, 880, '03');
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'waiting_customer');
    const done = await waitFinal(s, r.body.id);
    assert.equal(done.state, 'reversed');
    assert.equal(walletStatus(s, no), 'REVERSED');
    assert.equal(charges(s, no).times_charged, 0);
    assert.deepEqual(await journalsFor(s, done.id), []);
    const evs = await paymentEvents(s, done.id);
    assert.ok(evs.some((e) => e.to_state === 'reversed' && e.source === 'poller'), JSON.stringify(evs));
    assert.equal((await outboxFor(s, done.id, 'payment.reversed')).length, 1);
    await assertAgrees(s, done);
  });

  test('payment code 04: charged but the answer is lost → unknown, then the query finds success; booked once', async () => {
    const restore = loseNotifications(wallet(s));
    try {
      const no = tradeNo('PC04');
      const r = await payWithCode(s, no, 4400, '04');
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'unknown');
      assert.equal(r.body.failureCode, 'SYSTEM_ERROR');
      assert.equal(charges(s, no).times_charged, 1, 'the wallet did charge');
      const paid = await waitState(s, r.body.id, 'succeeded');
      const evs = await paymentEvents(s, paid.id);
      assert.deepEqual(evs.filter((e) => e.from_state !== e.to_state).map((e) => `${e.from_state}>${e.to_state}:${e.source}`),
        ['none>created:api', 'created>unknown:channel', 'unknown>succeeded:poller']);
      await assertAgrees(s, paid);
    } finally {
      restore();
    }
  });

  test('payment code 05: system error, nothing charged → unknown → the query finds nothing → final, nothing kept', async () => {
    const no = tradeNo('PC05');
    const r = await payWithCode(s, no, 650, '05');
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'unknown');
    const done = await waitFinal(s, r.body.id);
    assert.ok(done.state === 'reversed' || done.state === 'failed', done.state);
    assert.equal(charges(s, no).times_charged, 0);
    // Reversing an unknown trade leaves a marker at the wallet, so a late charge under this number cannot land.
    if (done.state === 'reversed') assert.equal(walletStatus(s, no), 'REVERSED');
    assert.deepEqual(await journalsFor(s, done.id), []);
    await assertAgrees(s, done);
  });

  test('dynamic QR left unpaid: closed at expiry, also at the wallet; a late scan fails', async () => {
    const no = tradeNo('QRX');
    const r = await showQr(s, no, 1999);
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'waiting_customer');
    assert.ok(r.body.expiresAt);
    const done = await waitFinal(s, r.body.id);
    assert.equal(done.state, 'closed');
    const evs = await paymentEvents(s, done.id);
    // Closed by our expiry, or by a query that found the wallet had closed it at its own expiry.
    const closedAt = evs.find((e) => e.to_state === 'closed');
    assert.ok(closedAt && (closedAt.source === 'expiry' || closedAt.source === 'poller'), JSON.stringify(evs));
    assert.ok(Date.parse(closedAt.at) >= Date.parse(r.body.expiresAt) - 1000, 'not before the QR expired');
    assert.equal(walletStatus(s, no), 'CLOSED');
    const late = await scan(s, r.body.qrCode);
    assert.equal(late.code, 'TRADE_CLOSED');
    assert.equal(charges(s, no).times_charged, 0);
    assert.equal((await getPayment(s, done.id)).state, 'closed');
    assert.equal((await outboxFor(s, done.id, 'payment.closed')).length, 1);
    await assertAgrees(s, done);
  });

  test('cancel a waiting QR: closed here and at the wallet; a late scan fails', async () => {
    const no = tradeNo('QRC');
    const r = await showQr(s, no, 700);
    assert.equal(r.body.state, 'waiting_customer');
    const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(c.status, 200);
    assert.equal(c.body.state, 'closed');
    assert.equal(walletStatus(s, no), 'CLOSED');
    assert.equal((await scan(s, r.body.qrCode)).code, 'TRADE_CLOSED');
    const again = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(again.status, 200);
    assert.equal(again.body.state, 'closed');
    await assertAgrees(s, c.body);
  });

  test('cancel a payment code that never confirms: reversed at once', async () => {
    const no = tradeNo('PC03C');
    const r = await payWithCode(s, no, 930, '03');
    assert.equal(r.body.state, 'waiting_customer');
    const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(c.status, 200);
    assert.equal(c.body.state, 'reversed');
    assert.equal(walletStatus(s, no), 'REVERSED');
    const evs = await paymentEvents(s, r.body.id);
    // On a loaded machine the poller's give-up (3 s here) may get there first; either way it is reversed once.
    assert.equal(evs.filter((e) => e.to_state === 'reversed' && e.from_state !== 'reversed').length, 1);
    assert.ok(evs.some((e) => e.to_state === 'reversed' && (e.source === 'cancel' || e.source === 'poller')));
    await assertAgrees(s, c.body);
  });

  test('cancel a paid payment code: reversed, the money goes back and the reversal is booked', async () => {
    const no = tradeNo('PC00C');
    const r = await payWithCode(s, no, 1500, '00');
    assert.equal(r.body.state, 'succeeded');
    // Undoing money already taken needs more than a cashier's terminal.
    const denied = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'forbidden');
    const c = await s.signed('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(c.status, 200);
    assert.equal(c.body.state, 'reversed');
    assert.equal(walletStatus(s, no), 'REVERSED');
    const ch = charges(s, no);
    assert.deepEqual([ch.times_charged, ch.charged, ch.returned], [1, 1500, 1500]);
    const kinds = (await journalsFor(s, r.body.id)).map((j) => j.kind).sort();
    assert.deepEqual(kinds, ['payment', 'reversal']);
    await assertAgrees(s, c.body);
  });

  test('cancel a paid payment code whose reversal answer is lost: it still ends reversed, like the wallet', async () => {
    const no = tradeNo('PC00LOST');
    const r = await payWithCode(s, no, 1600, '00');
    assert.equal(r.body.state, 'succeeded');
    wallet(s).faults.lostReplyRate = 1;
    let c: { status: number; body: any };
    try {
      c = await s.signed('POST', `/v1/payments/${r.body.id}/cancel`);
    } finally {
      wallet(s).faults.lostReplyRate = 0;
    }
    // The wallet did reverse: the customer has the money back.
    assert.equal(walletStatus(s, no), 'REVERSED');
    assert.equal(charges(s, no).returned, 1600);
    let done;
    if (c.status >= 200 && c.status < 300) {
      // The cashier was told the cancel went through (or is under way): the gateway must finish it by itself.
      done = await waitState(s, r.body.id, 'reversed');
    } else {
      // The cashier was told the outcome is in doubt: a retry settles it.
      const again = await s.signed('POST', `/v1/payments/${r.body.id}/cancel`);
      assert.equal(again.body.state, 'reversed');
      done = again.body;
    }
    await assertAgrees(s, done);
  });

  test('the books balance after all of it', async () => {
    await assertBooksBalance(s);
  });
});

describe('orchestration under wallet faults', () => {
  let s: TestServer;
  before(async () => {
    // A long give-up, so nothing is reversed behind the test's back: what happens is what the faults cause.
    s = await startServer({ payCodeGiveUpMs: 120_000 });
    wallet(s).faults = { ...wallet(s).faults, userPayingMs: 500 };
  });
  after(async () => { await s.close(); });

  const reset = () => { wallet(s).faults = { ...wallet(s).faults, latencyMs: 0, errorRate: 0, lostReplyRate: 0, badSignature: false, duplicateNotify: false }; };

  test('lostReplyRate=1: the wallet charges but we get a 502 → unknown; once replies get through the query finds success', async () => {
    const restore = loseNotifications(wallet(s));
    try {
      const no = tradeNo('LOST');
      wallet(s).faults.lostReplyRate = 1;
      const body = { outTradeNo: no, amount: 2500, currency: 'CNY', method: 'payment_code', channel: 'sandbox', authCode: paymentCode('00') };
      const r = await s.terminal('POST', '/v1/payments', body);
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'unknown');
      assert.equal(r.body.failureCode, 'UNREACHABLE');
      assert.equal(charges(s, no).times_charged, 1, 'the wallet did charge');
      // Still lost: asking again learns nothing and changes nothing.
      const q = await s.terminal('POST', `/v1/payments/${r.body.id}/query`);
      assert.equal(q.status, 200);
      assert.equal(q.body.state, 'unknown');
      // A retry of the same request is answered from the first answer, never charged again.
      const retry = await s.terminal('POST', '/v1/payments', body);
      assert.equal(retry.status, 201);
      assert.deepEqual(retry.body, r.body);
      assert.equal(charges(s, no).times_charged, 1);
      reset();
      const paid = await waitState(s, r.body.id, 'succeeded');
      await assertAgrees(s, paid);
    } finally {
      reset();
      restore();
    }
  });

  test('badSignature: an unverified reply never makes a success; unknown until the fault is lifted, then the true state', async () => {
    const restore = loseNotifications(wallet(s));
    try {
      wallet(s).faults.badSignature = true;
      const paidNo = tradeNo('BADSIG-PAID');
      const declinedNo = tradeNo('BADSIG-DECL');
      const paid = await payWithCode(s, paidNo, 3100, '00');
      const declined = await payWithCode(s, declinedNo, 3200, '01');
      for (const r of [paid, declined]) {
        assert.equal(r.status, 201);
        assert.equal(r.body.state, 'unknown', `${r.body.outTradeNo} while replies cannot be verified`);
        const q = await s.terminal('POST', `/v1/payments/${r.body.id}/query`);
        assert.equal(q.body.state, 'unknown');
      }
      assert.equal(walletStatus(s, paidNo), 'SUCCESS');
      assert.equal(walletStatus(s, declinedNo), 'PAY_ERROR');
      assert.deepEqual(await journalsFor(s, paid.body.id), []);
      reset();
      const p1 = await waitFinal(s, paid.body.id);
      const p2 = await waitFinal(s, declined.body.id);
      assert.equal(p1.state, 'succeeded');
      assert.equal(p2.state, 'failed');
      await assertAgrees(s, p1);
      await assertAgrees(s, p2);
    } finally {
      reset();
      restore();
    }
  });

  test('errorRate: a system error before anything happens leaves nothing charged; the cashier cancels; nothing kept', async () => {
    wallet(s).faults.errorRate = 1;
    const no = tradeNo('ERR');
    const r = await payWithCode(s, no, 1800, '00');
    assert.equal(r.body.state, 'unknown');
    assert.equal(walletStatus(s, no), undefined, 'the wallet never saw it');
    assert.equal((await s.terminal('POST', `/v1/payments/${r.body.id}/query`)).body.state, 'unknown');
    // Cancel while the wallet still fails: the reversal is retried in the background, never given up.
    const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(c.status, 200);
    assert.ok(!FINAL.has(c.body.state) || c.body.state === 'reversed');
    reset();
    const done = await waitFinal(s, r.body.id);
    assert.equal(done.state, 'reversed');
    assert.equal(walletStatus(s, no), 'REVERSED');
    await assertAgrees(s, done);

    // Half the calls fail: every payment still ends with the wallet and the gateway agreeing.
    wallet(s).faults.errorRate = 0.5;
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => payWithCode(s, tradeNo(`ERR50-${i}`), 100 + i, '00')));
    for (const r of made) {
      assert.equal(r.status, 201);
      assert.ok(r.body.state === 'succeeded' || r.body.state === 'unknown', r.body.state);
      assert.equal(charges(s, r.body.outTradeNo).times_charged, r.body.state === 'succeeded' ? 1 : 0);
    }
    reset();
    for (const r of made) {
      if (r.body.state === 'unknown') {
        const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
        assert.equal(c.body.state, 'reversed');
      }
      await assertAgrees(s, await waitFinal(s, r.body.id));
    }
  });

  test('latency: slow replies are waited for', async () => {
    wallet(s).faults.latencyMs = 300;
    try {
      const no = tradeNo('SLOW');
      const r = await payWithCode(s, no, 990, '00');
      assert.equal(r.body.state, 'succeeded');
      const qr = await showQr(s, tradeNo('SLOWQR'), 450);
      assert.equal(qr.body.state, 'waiting_customer');
      assert.equal((await scan(s, qr.body.qrCode)).code, 'SUCCESS');
      const paid = await waitState(s, qr.body.id, 'succeeded');
      await assertAgrees(s, r.body);
      await assertAgrees(s, paid);
    } finally {
      reset();
    }
  });

  test('chaos: latency, errors and lost replies together; after they stop, every payment settles and both books agree', async () => {
    Object.assign(wallet(s).faults, { latencyMs: 20, errorRate: 0.3, lostReplyRate: 0.3 });
    const behaviours = ['00', '02', '04', '00', '02', '04', '00', '03', '00', '04'] as const;
    const made = await Promise.all(behaviours.map((b, i) => payWithCode(s, tradeNo(`CHAOS${b}-${i}`), 1000 + i, b)));
    for (const r of made) assert.equal(r.status, 201);
    // While the faults go on, nothing the gateway says is contradicted by the wallet.
    for (const r of made) {
      const p = await getPayment(s, r.body.id);
      if (p.state === 'succeeded') assert.equal(charges(s, p.outTradeNo).times_charged, 1);
    }
    reset();
    // Payments whose trade the wallet has settle by themselves; the rest (never reached the wallet, or a
    // customer who never confirms) are cancelled by the cashier.
    for (const [i, r] of made.entries()) {
      const status = walletStatus(s, r.body.outTradeNo);
      if (status === undefined || behaviours[i] === '03') {
        const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
        assert.equal(c.status, 200);
      }
    }
    for (const [i, r] of made.entries()) {
      const done = await waitFinal(s, r.body.id);
      if (behaviours[i] === '03') assert.equal(done.state, 'reversed');
      await assertAgrees(s, done);
    }
    await assertBooksBalance(s);
  });
});
