import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startServer, type TestServer } from '../helpers/server.ts';
import {
  assertAgrees, assertBooksBalance, charges, getPayment, journalsFor, loseNotifications, notifyBody, outboxFor, paymentEvents,
  payWithCode, postNotification, scan, showQr, tradeNo, wallet, walletStatus,
} from '../helpers/flows.ts';

/**
 * The wallet's asynchronous notifications. The worker is off here, so a payment changes only through
 * what the test sends or asks for: a success below can only have come from a notification.
 */
describe('wallet notifications', () => {
  let s: TestServer;
  /** Notifications that reached the gateway, per trade number. */
  const received = new Map<string, number>();
  before(async () => {
    s = await startServer({}, { worker: false });
    const svc = s.rt.payments;
    const ingest = svc.ingestNotification.bind(svc);
    svc.ingestNotification = async (channel, merchantId, headers, body) => {
      try {
        const no = (JSON.parse(body) as { out_trade_no?: string }).out_trade_no ?? '?';
        received.set(no, (received.get(no) ?? 0) + 1);
      } catch { /* counted as nothing */ }
      return ingest(channel, merchantId, headers, body);
    };
  });
  after(async () => { await s.close(); });

  async function paidQr(prefix: string, amount: number) {
    const r = await showQr(s, tradeNo(prefix), amount);
    assert.equal(r.body.state, 'waiting_customer');
    assert.equal((await scan(s, r.body.qrCode)).code, 'SUCCESS');
    return r.body;
  }

  async function snapshot(id: string) {
    const p = await getPayment(s, id);
    const events = (await paymentEvents(s, id)).filter((e) => e.from_state !== e.to_state);
    const journals = await journalsFor(s, id);
    const outbox = await outboxFor(s, id);
    const notes = await s.rt.store.db.selectFrom('channel_notifications').select('notify_id').where('payment_id', '=', id).execute();
    return { state: p.state, amount: p.amount, events, journals: journals.length, outbox: outbox.length, notes: notes.length };
  }

  test('a QR scan: the wallet notifies the merchant\'s endpoint, the payment succeeds, booked once', async () => {
    const qr = await paidQr('NQR', 1288);
    const paid = await eventually(async () => {
      const p = await getPayment(s, qr.id);
      return p.state === 'succeeded' ? p : null;
    }, 'the notification to land');
    const evs = await paymentEvents(s, qr.id);
    assert.ok(evs.some((e) => e.to_state === 'succeeded' && e.source === 'notify'), JSON.stringify(evs));
    const notes = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('payment_id', '=', qr.id).execute();
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.outcome, 'succeeded');
    assert.equal((await outboxFor(s, qr.id, 'payment.succeeded')).length, 1);
    await assertAgrees(s, paid);
  });

  test('duplicateNotify: the same notification twice → one ledger entry, one payment.succeeded event', async () => {
    wallet(s).faults.duplicateNotify = true;
    try {
      const qr = await paidQr('NDUP', 2046);
      await eventually(async () => (received.get(qr.outTradeNo) ?? 0) >= 2, 'both copies of the notification');
      const paid = await eventually(async () => {
        const p = await getPayment(s, qr.id);
        return p.state === 'succeeded' ? p : null;
      }, 'success');
      const snap = await snapshot(qr.id);
      assert.equal(snap.journals, 1);
      assert.equal((await outboxFor(s, qr.id, 'payment.succeeded')).length, 1);
      assert.equal(snap.outbox, 1);
      assert.equal(snap.notes, 1);
      assert.equal(snap.events.filter((e) => e.to_state === 'succeeded').length, 1);
      await assertAgrees(s, paid);
    } finally {
      wallet(s).faults.duplicateNotify = false;
    }
  });

  test('a forged notification (wrong signature) is refused with {"code":"FAIL"} and changes nothing', async () => {
    const r = await showQr(s, tradeNo('NFORGE'), 990);
    const before = await snapshot(r.body.id);
    const forged = notifyBody(s, { out_trade_no: r.body.outTradeNo, trade_status: 'SUCCESS', total_amount: '9.90' });
    const bad = await postNotification(s, s.demo.merchantId, forged, 'not-the-sandbox-key');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { code: 'FAIL' });
    // A genuine signature over another body does not cover this one.
    const text = JSON.stringify(forged);
    const { signBody, SIGNATURE_HEADER } = await import('../../src/channels/sandbox/protocol.ts');
    const swapped = await s.raw('POST', `/v1/channels/sandbox/notify/${s.demo.merchantId}`, {
      body: text.replace('"9.90"', '"0.01"'),
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(s.rt.config.sandboxKey, text) },
    });
    assert.equal(swapped.status, 400);
    assert.deepEqual(swapped.body, { code: 'FAIL' });
    const missing = await s.raw('POST', `/v1/channels/sandbox/notify/${s.demo.merchantId}`, { body: text, headers: { 'content-type': 'application/json' } });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { code: 'FAIL' });
    assert.deepEqual(await snapshot(r.body.id), before);
    assert.equal(before.state, 'waiting_customer');
    assert.equal(walletStatus(s, r.body.outTradeNo), 'WAIT_BUYER_PAY');
  });

  test('a notification naming another merchant, or a trade we do not have, is refused and changes nothing', async () => {
    const other = await s.signed('POST', '/v1/merchants', { name: 'Other stall' }, { key: s.demo.platformKey });
    assert.equal(other.status, 201);
    const otherId = other.body.id as string;
    const r = await showQr(s, tradeNo('NOTHER'), 1500);
    const before = await snapshot(r.body.id);
    const success = { out_trade_no: r.body.outTradeNo, trade_status: 'SUCCESS' as const, total_amount: '15.00' };

    // The body says another merchant; the path says ours.
    const a = await postNotification(s, s.demo.merchantId, notifyBody(s, { ...success, mch_id: otherId }));
    assert.equal(a.status, 400);
    assert.deepEqual(a.body, { code: 'FAIL' });
    // Both say the other merchant, who has no such trade.
    const b = await postNotification(s, otherId, notifyBody(s, { ...success, mch_id: otherId }));
    assert.equal(b.status, 400);
    assert.deepEqual(b.body, { code: 'FAIL' });
    // The path names the other merchant, the body ours.
    const c = await postNotification(s, otherId, notifyBody(s, success));
    assert.equal(c.status, 400);
    // A trade nobody has.
    const d = await postNotification(s, s.demo.merchantId, notifyBody(s, { ...success, out_trade_no: tradeNo('NOPE') }));
    assert.equal(d.status, 400);
    assert.deepEqual(d.body, { code: 'FAIL' });
    // A merchant nobody has.
    const e = await postNotification(s, 'mch_nobody', notifyBody(s, { ...success, mch_id: 'mch_nobody' }));
    assert.equal(e.status, 400);
    assert.deepEqual(await snapshot(r.body.id), before);
  });

  test('out of order: a WAIT_BUYER_PAY (or CLOSED) notification after the success changes nothing', async () => {
    const qr = await paidQr('NOOO', 777);
    await eventually(async () => (await getPayment(s, qr.id)).state === 'succeeded', 'success');
    const before = await snapshot(qr.id);
    const trade = wallet(s).trade(s.demo.merchantId, qr.outTradeNo)!;
    for (const status of ['WAIT_BUYER_PAY', 'CLOSED', 'USER_PAYING'] as const) {
      const late = await postNotification(s, s.demo.merchantId, notifyBody(s, {
        notify_id: `${trade.trade_no}-${status}`, out_trade_no: qr.outTradeNo, trade_no: trade.trade_no, trade_status: status, total_amount: '7.77',
      }));
      assert.equal(late.status, 200, `a stale ${status} is acknowledged so the wallet stops sending it`);
      assert.deepEqual(late.body, { code: 'SUCCESS' });
    }
    const after = await snapshot(qr.id);
    // Receipts of the notifications are kept (notes); nothing else moves.
    assert.deepEqual({ ...after, notes: 0 }, { ...before, notes: 0 });
    assert.equal(after.state, 'succeeded');
    assert.equal(after.journals, 1);
    await assertAgrees(s, await getPayment(s, qr.id));
  });

  test('a success notification for an amount we did not ask for is never booked', async () => {
    const r = await showQr(s, tradeNo('NAMT'), 5000);
    const res = await postNotification(s, s.demo.merchantId, notifyBody(s, { out_trade_no: r.body.outTradeNo, trade_status: 'SUCCESS', total_amount: '0.50' }));
    assert.equal(res.status, 200);
    const p = await getPayment(s, r.body.id);
    assert.notEqual(p.state, 'succeeded');
    assert.equal(p.failureCode, 'AMOUNT_MISMATCH');
    assert.deepEqual(await journalsFor(s, r.body.id), []);
    // Clean up: the QR is still open at the wallet; close it.
    const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(c.body.state, 'closed');
  });

  test('a late success notification for a reversed payment changes nothing', async () => {
    const r = await payWithCode(s, tradeNo('NREV'), 640, '03');
    const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
    assert.equal(c.body.state, 'reversed');
    const before = await snapshot(r.body.id);
    const late = await postNotification(s, s.demo.merchantId, notifyBody(s, { out_trade_no: r.body.outTradeNo, trade_status: 'SUCCESS', total_amount: '6.40' }));
    assert.equal(late.status, 200);
    assert.deepEqual({ ...(await snapshot(r.body.id)), notes: 0 }, { ...before, notes: 0 });
    assert.equal(walletStatus(s, r.body.outTradeNo), 'REVERSED');
  });

  test('a success notification sent before a reversal whose answer was lost: the payment still ends reversed, like the wallet', async () => {
    const restore = loseNotifications(wallet(s));
    try {
      // Charged, but the answer was lost: unknown.
      const r = await payWithCode(s, tradeNo('NRACE'), 2222, '04');
      assert.equal(r.body.state, 'unknown');
      const trade = wallet(s).trade(s.demo.merchantId, r.body.outTradeNo)!;
      assert.equal(trade.status, 'SUCCESS');
      // The cashier cancels: the wallet reverses the charge, but its answer is lost too.
      wallet(s).faults.lostReplyRate = 1;
      const c = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
      wallet(s).faults.lostReplyRate = 0;
      assert.equal(c.status, 200);
      assert.equal(c.body.state, 'unknown', 'the reversal\'s answer was lost');
      assert.equal(walletStatus(s, r.body.outTradeNo), 'REVERSED');
      assert.equal(charges(s, r.body.outTradeNo).returned, 2222);
      // Now the wallet's notification of the original charge (sent before the reversal, retried) arrives.
      const late = await postNotification(s, s.demo.merchantId, notifyBody(s, {
        notify_id: `${trade.trade_no}-SUCCESS`, out_trade_no: r.body.outTradeNo, trade_no: trade.trade_no, trade_status: 'SUCCESS', total_amount: '22.22',
      }));
      assert.equal(late.status, 200);
      // The gateway keeps trying the reversal ("query now" drives it), and must end where the wallet is.
      const done = await eventually(async () => {
        const q = await s.terminal('POST', `/v1/payments/${r.body.id}/query`);
        return ['succeeded', 'failed', 'closed', 'reversed'].includes(q.body.state) ? q.body : null;
      }, 'the payment to be final');
      assert.equal(done.state, 'reversed', `the wallet reversed the charge, the gateway says ${done.state}`);
      await assertAgrees(s, done);
    } finally {
      wallet(s).faults.lostReplyRate = 0;
      restore();
    }
  });

  test('the books balance', async () => {
    await assertBooksBalance(s);
  });
});
