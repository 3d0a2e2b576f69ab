import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { eventually, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { FINAL, getPayment, journalsFor, notSettledByReply, tradeNo, waitFinal, waitState } from '../helpers/flows.ts';
import { startUnionpayEmulator, type UnionpayEmulator } from '../../src/channels/unionpay/emulator.ts';
import { testMerchantCredentials } from '../../src/channels/unionpay/fixtures.ts';
import { UnionpayChannel, unionpayAccountFrom } from '../../src/channels/unionpay/adapter.ts';
import { orderIdFor, refundOrderIdFor } from '../../src/channels/unionpay/orders.ts';
import { beijingTime } from '../../src/channels/unionpay/orders.ts';

/**
 * UnionPay ACP 5.1.0 through the real gateway against the UnionPay emulator, on both stores. The account
 * uses two test-only credentials: `qrCloseGraceMs` (production waits 60 s past a QR's payTimeout before
 * calling it closed) and `timeoutMs` (production 10 s per call), so the suite need not wait that long.
 */
const creds = testMerchantCredentials();
const MER = creds.merId;

/** A UnionPay payment code: 62 + 17 digits; the last two choose the emulated customer. */
function upCode(b: string): string {
  return `62${String(randomInt(0, 1e8)).padStart(8, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
}

let seq = 0;
/** Trade numbers that are valid ACP orderIds as they are (most tests) … */
function upNo(): string {
  seq += 1;
  return `UP${Date.now().toString(36)}${seq}${randomInt(0, 1e4)}`;
}

describe('UnionPay ACP through the gateway', () => {
  let s: TestServer;
  let up: { url: string; emulator: UnionpayEmulator; app: { close(): Promise<unknown> } };
  let mid: string;
  const credentials = { ...creds, qrCloseGraceMs: '300', timeoutMs: '2000' };

  const pay = (amount: number, b: string, outTradeNo = upNo()) =>
    s.terminal('POST', '/v1/payments', { outTradeNo, amount, currency: 'CNY', method: 'payment_code', authCode: upCode(b) });
  const qr = (amount: number) => s.terminal('POST', '/v1/payments', { outTradeNo: upNo(), amount, currency: 'CNY', method: 'dynamic_qr', channel: 'unionpay' });
  const calls = (outTradeNo: string, txnType: string) => up.emulator.calls.filter((c) => c.orderId === orderIdFor(outTradeNo) && c.txnType === txnType);
  const charge = (outTradeNo: string) => up.emulator.chargeSummary().find((c) => c.out_trade_no === orderIdFor(outTradeNo)) ?? { charged: 0, returned: 0, times_charged: 0 };
  const faults = (f: Record<string, unknown>) => fetch(`${up.url}/emulator/faults?account=${MER}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });

  /** Gateway and UnionPay agree: charged at most once, and money kept iff the payment succeeded. */
  async function agrees(p: { id: string; outTradeNo: string; state: string; amount: number; refunded: number }) {
    assert.ok(FINAL.has(p.state), `${p.outTradeNo} is final (${p.state})`);
    const c = charge(p.outTradeNo);
    assert.ok(c.times_charged <= 1, `${p.outTradeNo} charged ${c.times_charged} times`);
    const booked = (await journalsFor(s, p.id)).filter((j) => j.kind === 'payment').length;
    if (p.state === 'succeeded') {
      assert.equal(c.times_charged, 1);
      assert.equal(c.charged - c.returned, p.amount - p.refunded);
      assert.equal(booked, 1);
    } else {
      assert.equal(c.charged - c.returned, 0, `${p.outTradeNo} is ${p.state}: UnionPay keeps nothing`);
    }
  }

  before(async () => {
    s = await startServer({ qrTtlMs: 2500 });
    mid = s.demo.merchantId;
    up = await startUnionpayEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'unionpay-emulator.db'), faults: { userPayingMs: 1500 } });
    const r = await s.signed('PUT', `/v1/merchants/${mid}/channels/unionpay`, { baseUrl: up.url, credentials });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => {
    await s.close();
    await up.app.close();
  });
  beforeEach(async () => {
    await fetch(`${up.url}/emulator/faults`, { method: 'DELETE' });
    await faults({ userPayingMs: 1500 });
  });

  test('a 62… payment code is detected as unionpay and paid at once; the backUrl notification is acknowledged', async () => {
    const outTradeNo = tradeNo('UP'); // has dashes: sent as a hashed orderId, read back through reqReserved
    const r = await pay(1234, '00', outTradeNo);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.channel, 'unionpay');
    assert.equal(r.body.state, 'succeeded');
    assert.equal(r.body.amount, 1234);
    assert.notEqual(orderIdFor(outTradeNo), outTradeNo);
    assert.equal(up.emulator.trade(MER, orderIdFor(outTradeNo))!.state, 'PAID');
    const n = await eventually(async () => up.emulator.notifications.find((x) => x.orderId === orderIdFor(outTradeNo) && x.status === 200), 'the notification to be acknowledged');
    assert.equal(n.body, 'ok');
    await agrees(r.body);
  });

  test('customer confirming (03), then paid: learnt by query', async () => {
    const r = await pay(800, '02');
    assert.ok(!FINAL.has(r.body.state), `still in doubt: ${r.body.state}`);
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 800);
    assert.ok(calls(r.body.outTradeNo, '00').length >= 1, 'the result came from a query');
    await agrees(p);
  });

  test('customer confirming, then declined (wrong password; and the userPayingThen fault): failed, nothing kept', async () => {
    const a = await pay(810, '07');
    const pa = await waitFinal(s, a.body.id);
    assert.equal(pa.state, 'failed');
    await faults({ userPayingThen: 'declined' });
    const b = await pay(820, '02');
    const pb = await waitFinal(s, b.body.id);
    assert.equal(pb.state, 'failed');
    await agrees(pa);
    await agrees(pb);
  });

  test('never confirms: cancelled (31) at UnionPay and reversed', async () => {
    const r = await pay(900, '03');
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'reversed');
    assert.ok(up.emulator.calls.some((c) => c.txnType === '31' && c.respCode === '00'), 'a cancel was sent');
    assert.equal(up.emulator.trade(MER, orderIdFor(r.body.outTradeNo))!.state, 'VOIDED');
    await agrees(p);
  });

  test('charged, but the reply says 03: the query finds it paid, booked once', async () => {
    const r = await pay(700, '04');
    await notSettledByReply(s, r.body);
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'succeeded');
    await agrees(p);
  });

  test('a definite decline fails without a cancel; an expired code too', async () => {
    const r = await pay(600, '01');
    assert.equal(r.body.state, 'failed');
    assert.equal(r.body.failureCode, '60');
    const e = await pay(610, '06');
    assert.equal(e.body.state, 'failed');
    assert.equal(calls(r.body.outTradeNo, '31').length + calls(e.body.outTradeNo, '31').length, 0);
    await agrees(r.body);
  });

  test('merchant QR (01/07): the customer pays on the cashier page, the signed notification settles it', async () => {
    const r = await qr(1888);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.ok(r.body.qrCode.startsWith(`${up.url}/cashier/`), r.body.qrCode);
    const page = await fetch(`${r.body.qrCode}?lang=en`);
    const html = await page.text();
    assert.match(html, /Pay ¥18\.88 to /);
    assert.match(html, /data-testid="pay"/);
    assert.match(html, /data-testid="decline"/);
    assert.match(await (await fetch(`${r.body.qrCode}?lang=zh-Hant`)).text(), /付款 ¥18\.88.*拒絕/s);
    const declined = await (await fetch(`${r.body.qrCode}?lang=en`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=decline' })).text();
    assert.match(declined, /data-testid="outcome" data-outcome="declined"/);
    assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
    const paid = await (await fetch(r.body.qrCode, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=pay' })).text();
    assert.match(paid, /data-testid="outcome" data-outcome="paid"/);
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 1888);
    await eventually(async () => up.emulator.notifications.find((x) => x.orderId === orderIdFor(r.body.outTradeNo) && x.status === 200), 'the notification to be acknowledged');
    const seen = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('channel', '=', 'unionpay').where('payment_id', '=', r.body.id).execute();
    assert.ok(seen.length <= 1);
    assert.equal(up.emulator.scan(r.body.qrCode).ok, false, 'a paid QR cannot be paid again');
    await agrees(p);
  });

  test('an unpaid QR is closed after its payTimeout and cannot be paid afterwards', async () => {
    const r = await qr(300);
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'closed');
    const scan = up.emulator.scan(r.body.qrCode);
    assert.equal(scan.ok, false);
    assert.equal(scan.state, 'EXPIRED');
    await agrees(p);
  });

  test('a forged notification is refused (non-200) and changes nothing', async () => {
    const r = await qr(420);
    const orderId = orderIdFor(r.body.outTradeNo);
    const t = up.emulator.trade(MER, orderId)!;
    const fields = {
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', bizType: '000000', accessType: '0', txnType: '01', txnSubType: '07', merId: MER, orderId,
      txnTime: t.txn_time, txnAmt: '420', currencyCode: '156', queryId: '202601010000000000001', respCode: '00', respMsg: 'ok',
    };
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const post = (body: string) => s.raw('POST', `/v1/channels/unionpay/notify/${mid}`, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const forged = await post(up.emulator.notificationBody(fields, MER, other));
    assert.notEqual(forged.status, 200);
    const unsigned = await post(new URLSearchParams(fields).toString());
    assert.notEqual(unsigned.status, 200);
    const wrongMerchant = await post(up.emulator.notificationBody({ ...fields, merId: '777290058110097' }, MER));
    assert.notEqual(wrongMerchant.status, 200);
    assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
    assert.equal(up.emulator.trade(MER, orderId)!.state, 'UNPAID');
  });

  test('refunds (04/00): partial, then the rest; one more is refused; refund notifications acknowledged', async () => {
    const p = (await pay(1000, '00')).body;
    assert.equal(p.state, 'succeeded');
    const r1 = await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 300, reason: 'partial' });
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    const r2 = await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 700 });
    assert.equal(r2.status, 201, JSON.stringify(r2.body));
    await eventually(async () => {
      const list = await s.signed('GET', `/v1/payments/${p.id}/refunds`);
      return list.body.data.length === 2 && list.body.data.every((x: { state: string }) => x.state === 'succeeded');
    }, 'both refunds to succeed');
    const after = await getPayment(s, p.id);
    assert.equal(after.refunded, 1000);
    const more = await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 1 });
    assert.equal(more.status, 409);
    const c = charge(p.outTradeNo);
    assert.deepEqual({ charged: c.charged, returned: c.returned, times: c.times_charged }, { charged: 1000, returned: 1000, times: 1 });
    await eventually(async () => up.emulator.notifications.filter((x) => x.txnType === '04' && x.status === 200).length >= 2, 'refund notifications acknowledged');
    await agrees(after);
  });

  test('a refund in progress at UnionPay: a forged refund notification is refused, the real one (200 ok) settles it; an unknown refund number is refused', async () => {
    const p = (await pay(900, '00')).body;
    assert.equal(p.state, 'succeeded');
    const send = (body: string) => s.raw('POST', `/v1/channels/unionpay/notify/${mid}`, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const refundQueries = (orderId: string) => up.emulator.calls.filter((c) => c.orderId === orderId && c.txnType === '00').length;
    up.emulator.refundProcessingMs = 2500;
    let rf: { body: { id: string; outRefundNo: string; state: string } };
    try {
      rf = await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 400, reason: 'notified' });
    } finally {
      up.emulator.refundProcessingMs = 0;
    }
    assert.equal(rf.body.state, 'pending', JSON.stringify(rf.body));
    // Park the gateway's own polling: only the notification may settle this refund now.
    await s.rt.store.write((tx) => tx.updateTable('refunds').set({ next_poll_at: new Date(Date.now() + 3600_000).toISOString() }).where('id', '=', rf.body.id).execute());
    const orderId = refundOrderIdFor(rf.body.outRefundNo);
    const x = up.emulator.db.prepare('SELECT * FROM txns WHERE order_id = ?').get(orderId) as Record<string, string | number>;
    const fields: Record<string, string> = {
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', bizType: '000000', accessType: '0', txnType: '04', txnSubType: '00', merId: MER, orderId,
      txnTime: String(x.txn_time), txnAmt: '400', currencyCode: '156', queryId: String(x.query_id), origQryId: String(x.orig_query_id),
      reqReserved: `${p.outTradeNo}/${rf.body.outRefundNo}`, respCode: '00', respMsg: 'ok',
    };
    const before = refundQueries(orderId);
    const forged = await send(up.emulator.notificationBody(fields, MER, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey));
    assert.equal(forged.status, 400);
    assert.equal(refundQueries(orderId), before, 'a forged notification makes no query');
    assert.equal((await s.signed('GET', `/v1/refunds/${rf.body.id}`)).body.state, 'pending', 'and changes nothing');
    const unknownNo = `NOPE${Date.now()}`;
    const unknown = await send(up.emulator.notificationBody({ ...fields, orderId: refundOrderIdFor(unknownNo), reqReserved: `${p.outTradeNo}/${unknownNo}` }, MER));
    assert.equal(unknown.status, 400, 'a refund number we never sent is refused');

    const n = await eventually(async () => up.emulator.notifications.find((y) => y.orderId === orderId && y.txnType === '04' && y.status === 200), 'the refund notification to be acknowledged', 15_000);
    assert.equal(n.body, 'ok');
    assert.equal(n.attempt, 0);
    const done = await eventually(async () => {
      const g = await s.signed('GET', `/v1/refunds/${rf.body.id}`);
      return g.body.state === 'succeeded' ? g.body : null;
    }, 'the refund to succeed', 5000);
    assert.equal(done.channelRefundNo, String(x.query_id));
    assert.ok(refundQueries(orderId) > before, 'the notification made the gateway query the refund');
    const after = await getPayment(s, p.id);
    assert.equal(after.refunded, 400);
    assert.equal((await journalsFor(s, rf.body.id)).filter((j) => j.kind === 'refund').length, 1, 'one refund in the books');
    const c = charge(p.outTradeNo);
    assert.deepEqual({ charged: c.charged, returned: c.returned, times: c.times_charged }, { charged: 900, returned: 400, times: 1 });
    await agrees(after);
  });

  describe('faults', () => {
    test('latency: slow replies still settle', async () => {
      await faults({ latencyMs: 300 });
      const r = await pay(501, '00');
      assert.equal(r.body.state, 'succeeded');
      await agrees(r.body);
    });

    test('hang: the consume is never answered (nothing done): queried, not found, reversed', async () => {
      await faults({ hangNext: 1 });
      const r = await pay(502, '00');
      assert.equal(r.body.state, 'unknown');
      const p = await waitFinal(s, r.body.id, 30_000);
      assert.equal(p.state, 'reversed');
      assert.equal(up.emulator.trade(MER, orderIdFor(r.body.outTradeNo)), undefined);
      await agrees(p);
    });

    test('system error (06): nothing done, failed', async () => {
      await faults({ systemErrorNext: 1 });
      const r = await pay(503, '00');
      assert.equal(r.body.state, 'failed');
      assert.equal(r.body.failureCode, '06');
      await agrees(r.body);
    });

    test('system error on a query: no answer, asked again', async () => {
      const r = await pay(504, '02');
      await faults({ systemErrorNext: 2 });
      const p = await waitFinal(s, r.body.id);
      assert.equal(p.state, 'succeeded');
      await agrees(p);
    });

    test('lost reply after charging: queried, booked once', async () => {
      await faults({ lostReplyNext: 1 });
      const r = await pay(505, '00');
      await notSettledByReply(s, r.body);
      const p = await waitFinal(s, r.body.id);
      assert.equal(p.state, 'succeeded');
      await agrees(p);
    });

    test('an undocumented respCode after charging is unknown, never success or failure: queried', async () => {
      await faults({ unknownResultNext: 1 });
      const r = await pay(506, '00');
      await notSettledByReply(s, r.body);
      if (r.body.state !== 'succeeded') {
        assert.equal(r.body.state, 'unknown');
        assert.equal(r.body.failureCode, 'ZZ');
      }
      const p = await waitFinal(s, r.body.id);
      assert.equal(p.state, 'succeeded');
      await agrees(p);
    });

    test('duplicate and out-of-order notifications change nothing after the first', async () => {
      await faults({ duplicateNotify: true, outOfOrderNotify: true });
      const r = await qr(507);
      assert.ok(up.emulator.scan(r.body.qrCode).ok);
      const p = await waitState(s, r.body.id, 'succeeded');
      const orderId = orderIdFor(r.body.outTradeNo);
      await eventually(async () => {
        const ns = up.emulator.notifications.filter((x) => x.orderId === orderId);
        return ns.filter((x) => !x.stale && x.respCode === '00').length >= 2 && ns.some((x) => x.stale);
      }, 'two final and one stale notification');
      assert.ok(up.emulator.notifications.filter((x) => x.orderId === orderId).every((x) => x.status === 200), 'all acknowledged');
      assert.equal((await getPayment(s, r.body.id)).state, 'succeeded');
      const seen = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('channel', '=', 'unionpay').where('payment_id', '=', r.body.id).execute();
      // The duplicate is recorded once; the stale "03" is a different notification and changed nothing.
      assert.equal(seen.filter((x) => x.notify_id.endsWith('-00')).length, 1);
      assert.ok(seen.every((x) => x.notify_id.endsWith('-00') ? x.outcome === 'succeeded' : x.outcome === 'unknown'), JSON.stringify(seen));
      assert.deepEqual((await s.terminal('GET', `/v1/payments/${r.body.id}/events`)).body.data.filter((e: { to_state: string }) => e.to_state === 'succeeded').length, 1);
      await agrees(p);
    });

    test('bad signature on replies: not believed; once UnionPay signs right, the truth is found', async () => {
      await faults({ badSignature: true });
      const r = await pay(508, '00');
      assert.equal(r.body.state, 'unknown', 'a success whose signature does not verify is not success');
      assert.equal(r.body.failureCode, 'BAD_SIGNATURE');
      await faults({ badSignature: false });
      const p = await waitFinal(s, r.body.id, 30_000);
      // Whether the poller saw the success before giving up decides succeeded or reversed; either way the books agree.
      assert.ok(p.state === 'succeeded' || p.state === 'reversed', p.state);
      await agrees(p);
    });

    test('bad signature on notifications: refused, retried, accepted once signed right', async () => {
      await faults({ badSignature: true });
      const r = await qr(509);
      assert.equal(r.status, 201);
      assert.equal(r.body.state, 'unknown', 'the QR reply itself does not verify');
      await faults({ badSignature: false });
      const q = await qr(510);
      await faults({ badSignature: true });
      assert.ok(up.emulator.scan(q.body.qrCode).ok);
      const orderId = orderIdFor(q.body.outTradeNo);
      await eventually(async () => up.emulator.notifications.find((x) => x.orderId === orderId && x.status !== 200), 'a refused notification');
      assert.notEqual((await getPayment(s, q.body.id)).state, 'succeeded');
      await faults({ badSignature: false });
      const p = await waitState(s, q.body.id, 'succeeded');
      await agrees(p);
      await waitFinal(s, r.body.id);
    });

    test('bill anomalies are visible in the statement', async () => {
      const channel = new UnionpayChannel(unionpayAccountFrom({ merchantId: mid, baseUrl: up.url, credentials }, s.rt.config));
      const date = (() => { const b = beijingTime(new Date()); return `${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6, 8)}`; })();
      const paid = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('channel', '=', 'unionpay').where('state', '=', 'succeeded').execute();
      const clean = await channel.statement({ date });
      const payments = clean.filter((l) => l.kind === 'payment');
      for (const p of paid) {
        const line = payments.find((l) => l.outTradeNo === p.out_trade_no);
        assert.ok(line, `${p.out_trade_no} is in the bill`);
        assert.equal(line.amount, p.amount);
        assert.equal(line.currency, 'CNY');
      }
      assert.ok(clean.some((l) => l.kind === 'refund' && l.amount === 300), 'the partial refund is in the bill');

      await faults({ billAnomaly: 'missing' });
      assert.equal((await channel.statement({ date })).length, clean.length - 1);
      await faults({ billAnomaly: 'extra' });
      const extra = await channel.statement({ date });
      assert.equal(extra.length, clean.length + 1);
      assert.ok(extra.some((l) => l.outTradeNo.startsWith('EMUEXTRA')));
      await faults({ billAnomaly: 'amount' });
      const amount = await channel.statement({ date });
      assert.equal(amount.filter((l, i) => l.amount !== clean[i]!.amount).length, 1);
      await faults({ billAnomaly: 'truncated' });
      await assert.rejects(channel.statement({ date }), /truncated/);
    });
  });

  test('nothing was charged twice, and the books agree with UnionPay\'s', async () => {
    const rows = up.emulator.chargeSummary();
    assert.ok(rows.length > 0);
    const payments = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('channel', '=', 'unionpay').execute();
    for (const row of rows) {
      assert.ok(row.times_charged <= 1, `${row.out_trade_no} charged ${row.times_charged} times`);
      const p = payments.find((x) => orderIdFor(x.out_trade_no) === row.out_trade_no);
      assert.ok(p, `the gateway knows ${row.out_trade_no}`);
      const net = row.charged - row.returned;
      if (p.state === 'succeeded') assert.equal(net, p.amount - p.refunded, row.out_trade_no);
      else assert.equal(net, 0, `${row.out_trade_no} is ${p.state} and kept nothing`);
    }
  });
});
