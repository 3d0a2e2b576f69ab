import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { startServer, freePort, eventually, type TestServer } from '../helpers/server.ts';
import { tradeNo, getPayment, waitState, journalsFor, notSettledByReply } from '../helpers/flows.ts';
import { startAlipayEmulator } from '../../src/channels/alipay/emulator.ts';
import { AlipayChannel, alipayAccountFrom, alipayTimestamp } from '../../src/channels/alipay/adapter.ts';
import { AlipayBillError } from '../../src/channels/alipay/bill.ts';
import type { Faults } from '../../src/channels/emulator-faults.ts';

/**
 * Alipay under every fault the emulator can show, through the real gateway on both stores: the flow set
 * (dynamic QR paid through the cashier page with its notification, payment code, query, cancel, close,
 * full and partial refunds) runs under each fault, and each flow ends in a final state that Alipay's own
 * books agree with: never charged twice, money kept iff the gateway says succeeded. Two merchants with
 * their own app_ids show that a fault on one app leaves the other alone. The day's bill is read back
 * through the adapter with each bill anomaly.
 */
describe('Alipay under faults (emulator, per-app faults)', () => {
  let s: TestServer;
  let emu: Awaited<ReturnType<typeof startAlipayEmulator>>;

  interface Merchant { id: string; appId: string; token: string; key: { id: string; secret: string }; channel: AlipayChannel }
  let A: Merchant;
  let B: Merchant;
  const APP_B = '2021000100000002';

  const code = (b: string) => `25${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
  const asTerminal = (m: Merchant, method: string, path: string, body?: unknown) => s.raw(method, path, {
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    headers: { authorization: `Bearer ${m.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
  });
  const payCode = (m: Merchant, amount: number, b: string) =>
    asTerminal(m, 'POST', '/v1/payments', { outTradeNo: tradeNo(`F${b}`), amount, currency: 'CNY', method: 'payment_code', channel: 'alipay', authCode: code(b) });
  const showQr = (m: Merchant, amount: number) =>
    asTerminal(m, 'POST', '/v1/payments', { outTradeNo: tradeNo('FQ'), amount, currency: 'CNY', method: 'dynamic_qr', channel: 'alipay' });
  const payment = async (m: Merchant, id: string) => (await asTerminal(m, 'GET', `/v1/payments/${id}`)).body;
  const final = (m: Merchant, id: string) => eventually(async () => {
    const p = await payment(m, id);
    return ['succeeded', 'failed', 'closed', 'reversed'].includes(p.state) ? p : null;
  }, `payment ${id} to be final`, 30_000);
  const books = (m: Merchant, outTradeNo: string) => emu.emulator.chargeSummary().find((c) => c.app_id === m.appId && c.out_trade_no === outTradeNo)
    ?? { app_id: m.appId, out_trade_no: outTradeNo, charged: 0, times_charged: 0, returned: 0 };

  /** The gateway and Alipay agree on a final payment: never charged twice; Alipay keeps exactly what we say was paid. */
  async function agrees(m: Merchant, id: string) {
    const p = await final(m, id);
    const c = books(m, p.outTradeNo);
    assert.ok(c.times_charged <= 1, `${p.outTradeNo} charged ${c.times_charged} times`);
    if (p.state === 'succeeded') {
      assert.equal(c.times_charged, 1, `${p.outTradeNo} succeeded, so Alipay charged it once`);
      assert.equal(c.charged - c.returned, p.amount - p.refunded, `${p.outTradeNo}: Alipay keeps what the gateway says was paid`);
    } else {
      assert.equal(c.charged - c.returned, 0, `${p.outTradeNo} is ${p.state}: Alipay keeps nothing`);
    }
    const js = await journalsFor(s, p.id);
    assert.ok(js.filter((j) => j.kind === 'payment').length <= 1, `${p.outTradeNo}: booked at most once`);
    return p;
  }

  /** The customer opens the QR's cashier page (as the Alipay app would) and presses Pay or Decline. */
  async function cashier(qrCode: string, action: 'pay' | 'decline') {
    const page = await fetch(qrCode, { headers: { 'accept-language': 'en' } });
    const html = await page.text();
    assert.equal(page.status, 200, html);
    if (!html.includes('data-testid="pay"')) return html;
    assert.ok(html.includes('data-testid="decline"'));
    const res = await fetch(qrCode, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=${action}&lang=en` });
    return res.text();
  }

  async function refundsSettled(m: Merchant, paymentId: string, n: number) {
    return eventually(async () => {
      const r = await s.signed('GET', `/v1/payments/${paymentId}/refunds`, undefined, { key: m.key });
      const list = r.body.data as Array<{ state: string; amount: number }>;
      return list.length === n && list.every((x) => x.state === 'succeeded' || x.state === 'failed') ? list : null;
    }, `refunds of ${paymentId} to settle`, 30_000);
  }

  /**
   * The whole flow set, at once, under whatever faults are in force; `arm` runs before each call the
   * cashier makes (to re-arm one-shot faults). Each flow ends agreeing with Alipay's books.
   */
  async function flowSet(m: Merchant, arm: () => void = () => undefined) {
    const qrPaid = (async () => {
      arm();
      const created = await showQr(m, 1288);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      if (!created.body.qrCode) {
        // The precreate's answer was lost: no code was shown, so nothing can be paid; it closes at expiry.
        const p = await agrees(m, created.body.id);
        assert.equal(p.state, 'closed');
        return;
      }
      assert.match(created.body.qrCode, /\/cashier\/[0-9a-f]+$/);
      const outcome = await cashier(created.body.qrCode, 'pay');
      assert.match(outcome, /data-testid="outcome" data-outcome="paid"/);
      const p = await agrees(m, created.body.id);
      assert.equal(p.state, 'succeeded', 'paid in the app: the notification or the query settles it');
    })();
    const qrClosed = (async () => {
      arm();
      const created = await showQr(m, 990);
      if (created.body.qrCode) {
        const outcome = await cashier(created.body.qrCode, 'decline');
        assert.match(outcome, /data-outcome="declined"/);
      }
      const p = await agrees(m, created.body.id);
      assert.equal(p.state, 'closed', 'declined in the app, then closed at expiry');
      if (created.body.qrCode) assert.match(await cashier(created.body.qrCode, 'pay'), /data-outcome="not_payable"/, 'a late scan cannot pay a closed QR');
    })();
    const codePaid = (async () => {
      arm();
      const r = await payCode(m, 1250, '00');
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const p = await agrees(m, r.body.id);
      assert.ok(['succeeded', 'reversed'].includes(p.state), `a paid code ends paid, or reversed if the pay never landed (is ${p.state})`);
    })();
    const neverConfirms = (async () => {
      arm();
      const r = await payCode(m, 700, '03');
      const p = await agrees(m, r.body.id);
      assert.equal(p.state, 'reversed', 'given up and cancelled (action=close)');
    })();
    const refunded = (async () => {
      arm();
      const r = await payCode(m, 3000, '00');
      const p = await agrees(m, r.body.id);
      if (p.state !== 'succeeded') return;
      arm();
      const part = await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 1000 }, { key: m.key });
      assert.equal(part.status, 201, JSON.stringify(part.body));
      await refundsSettled(m, p.id, 1);
      arm();
      const rest = await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 2000, reason: 'returned' }, { key: m.key });
      assert.equal(rest.status, 201, JSON.stringify(rest.body));
      const list = await refundsSettled(m, p.id, 2);
      assert.deepEqual(list.map((x) => x.state), ['succeeded', 'succeeded'], 'refunds in doubt are asked about and sent again, never lost');
      const after = await agrees(m, p.id);
      assert.equal(after.refunded, 3000);
      assert.equal(books(m, p.outTradeNo).returned, 3000, 'Alipay gave back exactly what was refunded, once');
      assert.equal(emu.emulator.trade(m.appId, p.outTradeNo)?.status, 'TRADE_CLOSED', 'fully refunded');
    })();
    const cancelledByCashier = (async () => {
      const r = await payCode(m, 720, '03');
      arm();
      await asTerminal(m, 'POST', `/v1/payments/${r.body.id}/cancel`);
      const p = await agrees(m, r.body.id);
      assert.equal(p.state, 'reversed', 'the cashier\'s cancel (or, if it went unanswered, the give-up) cancels it at Alipay');
      assert.equal(emu.emulator.trade(m.appId, p.outTradeNo)?.status, 'TRADE_CLOSED');
    })();
    const closedByCashier = (async () => {
      const created = await showQr(m, 730);
      arm();
      await asTerminal(m, 'POST', `/v1/payments/${created.body.id}/cancel`);
      const p = await agrees(m, created.body.id);
      assert.equal(p.state, 'closed');
      if (created.body.qrCode) assert.match(await cashier(created.body.qrCode, 'pay'), /data-outcome="not_payable"/, 'a closed QR cannot be paid');
    })();
    const queriedNow = (async () => {
      const r = await payCode(m, 740, '02');
      arm();
      await asTerminal(m, 'POST', `/v1/payments/${r.body.id}/query`);
      const p = await agrees(m, r.body.id);
      const then = emu.emulator.faults.for(m.appId).userPayingThen;
      if (then === 'paid') assert.ok(['succeeded', 'reversed'].includes(p.state), `a confirming customer who pays: ${p.state}`);
      else assert.notEqual(p.state, 'succeeded');
    })();
    await Promise.all([qrPaid, qrClosed, codePaid, neverConfirms, refunded, cancelledByCashier, closedByCashier, queriedNow]);
  }

  /**
   * The cashier cancels a confirming payment code (alipay.trade.cancel) and closes a scanned QR
   * (alipay.trade.close) with a one-shot fault armed just before: each still ends reversed / closed with
   * nothing kept. The poller may take the fault first, so try until the call itself met it.
   */
  async function cancelAndCloseUnder(m: Merchant, arm: () => void) {
    const metFault = (outTradeNo: string, method: string) => emu.emulator.calls.some((c) => c.outTradeNo === outTradeNo && c.method === method && c.fault);
    for (let i = 0, met = false; !met; i++) {
      assert.ok(i < 5, 'the cancel met the fault within five tries');
      const r = await payCode(m, 750, '03');
      assert.equal(r.body.state, 'waiting_customer', JSON.stringify(r.body));
      arm();
      await asTerminal(m, 'POST', `/v1/payments/${r.body.id}/cancel`);
      const p = await agrees(m, r.body.id);
      assert.equal(p.state, 'reversed');
      assert.equal(emu.emulator.trade(m.appId, p.outTradeNo)?.status, 'TRADE_CLOSED');
      met = metFault(p.outTradeNo, 'alipay.trade.cancel');
    }
    for (let i = 0, met = false; !met; i++) {
      assert.ok(i < 5, 'the close met the fault within five tries');
      const created = await showQr(m, 760);
      assert.match(await cashier(created.body.qrCode, 'decline'), /data-outcome="declined"/);
      arm();
      await asTerminal(m, 'POST', `/v1/payments/${created.body.id}/cancel`);
      const p = await agrees(m, created.body.id);
      assert.equal(p.state, 'closed');
      assert.match(await cashier(created.body.qrCode, 'pay'), /data-outcome="not_payable"/, 'closed at Alipay too');
      met = metFault(p.outTradeNo, 'alipay.trade.close');
    }
  }

  /** One refund sent with a one-shot fault armed: it ends succeeded, and Alipay gave the money back exactly once. */
  async function refundUnder(m: Merchant, arm: () => void) {
    const r = await payCode(m, 2500, '00');
    assert.equal(r.body.state, 'succeeded');
    arm();
    const rf = await s.signed('POST', `/v1/payments/${r.body.id}/refunds`, { amount: 400 }, { key: m.key });
    assert.equal(rf.status, 201, JSON.stringify(rf.body));
    const [settled] = await refundsSettled(m, r.body.id, 1);
    assert.equal(settled!.state, 'succeeded');
    assert.equal(books(m, r.body.outTradeNo).returned, 400, 'given back once, not twice');
    const refundCalls = emu.emulator.calls.filter((c) => c.outTradeNo === r.body.outTradeNo && c.method === 'alipay.trade.refund');
    assert.ok(refundCalls[0]?.fault, `the first refund call met the fault (${JSON.stringify(refundCalls[0])})`);
    return refundCalls;
  }

  const setFaults = (f: Partial<Faults>, m?: Merchant) => emu.emulator.faults.set(f, m?.appId);

  before(async () => {
    s = await startServer({ qrTtlMs: 4000, payCodeGiveUpMs: 3000 });
    const port = await freePort();
    // Mounted "publicly" at its own URL, so precreate hands out cashier pages a browser can open.
    emu = await startAlipayEmulator({ port, publicUrl: `http://127.0.0.1:${port}`, dbPath: `${s.db.dataDir}/alipay-faults.db`, faults: { userPayingMs: 600 } });
    const appB = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const appBKey = appB.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    emu.emulator.registerApp(APP_B, appB.publicKey.export({ type: 'spki', format: 'pem' }).toString(), '小李面馆 Li\'s noodles');

    const link = async (id: string, key: Merchant['key'], appId: string, privateKey: string) => {
      const account = { baseUrl: `${emu.url}/gateway.do`, credentials: { appId, privateKey, alipayPublicKey: emu.keys.alipayPublicKey, timeoutMs: '1500' } };
      const r = await s.signed('PUT', `/v1/merchants/${id}/channels/alipay`, account, { key });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return new AlipayChannel(alipayAccountFrom(account, s.rt.config));
    };
    A = { id: s.demo.merchantId, appId: emu.keys.appId, token: s.demo.terminalToken, key: s.demo.apiKey, channel: undefined as never };
    A.channel = await link(A.id, A.key, A.appId, emu.keys.appPrivateKey);
    const m = s.rt.merchants;
    const merchant = await m.createMerchant({ name: 'Li noodles', timezone: 'Asia/Shanghai', currency: 'CNY' });
    const store = await m.createStore(merchant.id, 'Main street');
    const terminal = await m.createTerminal(merchant.id, store.id, 'Till');
    const key = await m.createApiKey(merchant.id);
    B = { id: merchant.id, appId: APP_B, token: terminal.token, key: { id: key.id, secret: key.secret }, channel: undefined as never };
    B.channel = await link(B.id, B.key, APP_B, appBKey);
  });
  after(async () => {
    await emu.close();
    await s.close();
  });

  test('no fault: the flow set runs clean for both apps', async () => {
    await Promise.all([flowSet(A), flowSet(B)]);
  });

  test('latency on every reply: the flow set still ends right', async () => {
    setFaults({ latencyMs: 150 }, A);
    try {
      await flowSet(A);
    } finally {
      setFaults({ latencyMs: 0 }, A);
    }
  });

  test('hang: the pay is never answered; the client times out → unknown → the query finds nothing → cancelled', async () => {
    setFaults({ hangNext: 1 }, A);
    const r = await payCode(A, 500, '00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'unknown', 'no answer before the deadline');
    const p = await agrees(A, r.body.id);
    assert.equal(p.state, 'reversed');
    assert.equal(books(A, p.outTradeNo).charged, 0, 'a hung request does nothing');
    assert.ok(emu.emulator.calls.some((c) => c.outTradeNo === p.outTradeNo && c.method === 'alipay.trade.pay' && c.fault === 'hang'));
    assert.ok(emu.emulator.calls.some((c) => c.outTradeNo === p.outTradeNo && c.method === 'alipay.trade.query'), 'it asked before cancelling');
    const calls = await refundUnder(A, () => setFaults({ hangNext: 1 }, A));
    assert.equal(calls.length, 2, 'a hung refund is found missing by the refund query and sent again under the same out_request_no');
    await cancelAndCloseUnder(A, () => setFaults({ hangNext: 1 }, A));
    await flowSet(A, () => setFaults({ hangNext: 1 }, A));
    setFaults({ hangNext: 0 }, A);
  });

  test('user paying (10003) for a while, then paid: polled to success', async () => {
    setFaults({ userPayingThen: 'paid' }, A);
    const r = await payCode(A, 320, '02');
    assert.equal(r.body.state === 'succeeded', false);
    const p = await agrees(A, r.body.id);
    assert.equal(p.state, 'succeeded');
    await flowSet(A);
  });

  test('user paying (10003), then declined in the app: the trade closes, nothing kept, then the flow set', async () => {
    setFaults({ userPayingThen: 'declined' }, A);
    try {
      const r = await payCode(A, 330, '02');
      const p = await agrees(A, r.body.id);
      assert.notEqual(p.state, 'succeeded');
      assert.equal(emu.emulator.trade(A.appId, p.outTradeNo)?.status, 'TRADE_CLOSED');
      assert.equal(books(A, p.outTradeNo).charged, 0);
      await flowSet(A);
    } finally {
      setFaults({ userPayingThen: 'paid' }, A);
    }
  });

  test('system error (20000) before anything is done: unknown → nothing found → cancelled; refunds re-sent', async () => {
    setFaults({ systemErrorNext: 1 }, A);
    const r = await payCode(A, 410, '00');
    assert.equal(r.body.state, 'unknown');
    const p = await agrees(A, r.body.id);
    assert.equal(p.state, 'reversed');
    assert.equal(books(A, p.outTradeNo).charged, 0);
    assert.equal((await refundUnder(A, () => setFaults({ systemErrorNext: 1 }, A))).length, 2, 'refused refund re-sent');
    await cancelAndCloseUnder(A, () => setFaults({ systemErrorNext: 1 }, A));
    await flowSet(A, () => setFaults({ systemErrorNext: 1 }, A));
    setFaults({ systemErrorNext: 0 }, A);
  });

  test('lost reply after charging (502): unknown → the query finds it paid; charged once', async () => {
    setFaults({ lostReplyNext: 1 }, A);
    const r = await payCode(A, 420, '00');
    await notSettledByReply(s, r.body);
    const p = await agrees(A, r.body.id);
    assert.equal(p.state, 'succeeded');
    assert.equal(books(A, p.outTradeNo).times_charged, 1);
    assert.equal((await refundUnder(A, () => setFaults({ lostReplyNext: 1 }, A))).length, 1, 'a refund done but unanswered is found by the refund query, not sent again');
    await cancelAndCloseUnder(A, () => setFaults({ lostReplyNext: 1 }, A));
    await flowSet(A, () => setFaults({ lostReplyNext: 1 }, A));
    setFaults({ lostReplyNext: 0 }, A);
  });

  test('an undocumented result code after charging is unknown, never success; the query settles it', async () => {
    setFaults({ unknownResultNext: 1 }, A);
    const r = await payCode(A, 430, '00');
    await notSettledByReply(s, r.body);
    if (r.body.state !== 'succeeded') {
      assert.equal(r.body.state, 'unknown');
      assert.equal(r.body.failureCode, 'isp.undocumented-result', 'the undocumented sub_code is kept for a person to read');
    }
    const p = await agrees(A, r.body.id);
    assert.equal(p.state, 'succeeded');
    assert.equal((await refundUnder(A, () => setFaults({ unknownResultNext: 1 }, A))).length, 1, 'found done by the refund query');
    await cancelAndCloseUnder(A, () => setFaults({ unknownResultNext: 1 }, A));
    await flowSet(A, () => setFaults({ unknownResultNext: 1 }, A));
    setFaults({ unknownResultNext: 0 }, A);
  });

  test('duplicate notifications: each delivered twice, both acknowledged, booked once', async () => {
    setFaults({ duplicateNotify: true }, A);
    try {
      const created = await showQr(A, 640);
      await cashier(created.body.qrCode, 'pay');
      const p = await agrees(A, created.body.id);
      assert.equal(p.state, 'succeeded');
      const sent = await eventually(async () => {
        const l = emu.emulator.notifyLog.filter((n) => n.outTradeNo === p.outTradeNo && n.tradeStatus === 'TRADE_SUCCESS');
        return l.length >= 2 ? l : null;
      }, 'both deliveries');
      assert.equal(sent[0]!.notifyId, sent[1]!.notifyId);
      assert.deepEqual(sent.slice(0, 2).map((n) => n.reply), ['success', 'success']);
      assert.equal((await journalsFor(s, p.id)).filter((j) => j.kind === 'payment').length, 1);
      await flowSet(A);
    } finally {
      setFaults({ duplicateNotify: false }, A);
    }
  });

  test('out-of-order notification: a stale WAIT_BUYER_PAY after TRADE_SUCCESS changes nothing', async () => {
    setFaults({ outOfOrderNotify: true }, A);
    try {
      const created = await showQr(A, 650);
      await cashier(created.body.qrCode, 'pay');
      await waitState(s, created.body.id, 'succeeded');
      const stale = await eventually(async () => emu.emulator.notifyLog.find((n) => n.outTradeNo === created.body.outTradeNo && n.tradeStatus === 'WAIT_BUYER_PAY' && n.reply !== null), 'the stale notification to be answered');
      assert.ok(stale.reply === 'success' || stale.reply === 'fail');
      const p = await agrees(A, created.body.id);
      assert.equal(p.state, 'succeeded', 'still paid after the stale notification');
      await flowSet(A);
    } finally {
      setFaults({ outOfOrderNotify: false }, A);
    }
  });

  test('bad signature on replies and notifications: nothing is believed (answered `fail`) until Alipay signs properly again', async () => {
    setFaults({ badSignature: true }, A);
    let created: { body: any };
    let paid: { body: any };
    try {
      paid = await payCode(A, 660, '00');
      assert.equal(paid.body.state, 'unknown', 'a paid answer we cannot verify is not success');
      assert.equal(books(A, paid.body.outTradeNo).times_charged, 1, 'Alipay did charge');
      created = await showQr(A, 670);
      assert.equal(created.body.state, 'unknown', 'a QR we cannot trust is not shown');
      const refused = await eventually(async () => emu.emulator.notifyLog.find((n) => n.outTradeNo === paid.body.outTradeNo && n.reply !== null), 'a badly signed notification to be answered');
      assert.equal(refused.reply, 'fail', 'a notification that does not verify is refused with Alipay\'s own `fail`');
      assert.equal((await getPayment(s, paid.body.id)).state === 'succeeded', false);
    } finally {
      setFaults({ badSignature: false }, A);
    }
    const p = await agrees(A, paid.body.id);
    assert.ok(['succeeded', 'reversed'].includes(p.state));
    const q = await agrees(A, created.body.id);
    assert.equal(q.state, 'closed');
    // The flow set with signatures going bad for a moment while it runs.
    setFaults({ badSignature: true }, A);
    const set = flowSet(A);
    await new Promise((r) => setTimeout(r, 800));
    setFaults({ badSignature: false }, A);
    await set;
  });

  test('per-app faults: app A answers badly while app B, on the same emulator, runs clean', async () => {
    setFaults({ systemErrorNext: 1000, latencyMs: 50 }, A);
    try {
      assert.equal((await fetch(`${emu.url}/emulator/faults?account=${APP_B}`).then((r) => r.json()) as Faults).systemErrorNext, 0);
      assert.equal((await fetch(`${emu.url}/emulator/faults?account=${A.appId}`).then((r) => r.json()) as Faults).systemErrorNext, 1000);
      const bad = await payCode(A, 510, '00');
      assert.equal(bad.body.state, 'unknown');
      const good = await payCode(B, 520, '00');
      assert.equal(good.body.state, 'succeeded', 'B is not touched by A\'s faults');
      await flowSet(B);
      setFaults({ systemErrorNext: 0, latencyMs: 0 }, A);
      const p = await agrees(A, bad.body.id);
      assert.equal(p.state, 'reversed', 'A\'s pay never happened; cancelled once A answered again');
    } finally {
      setFaults({ systemErrorNext: 0, latencyMs: 0 }, A);
    }
    const put = await fetch(`${emu.url}/emulator/faults?account=${APP_B}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nonsense: 1 }) });
    assert.equal(put.status, 400, 'an unknown fault is refused');
  });

  test('the day\'s bill (alipay.data.dataservice.bill.downloadurl.query + the zip) agrees with our books; each anomaly shows', async () => {
    const day = alipayTimestamp().slice(0, 10);
    const paid = await payCode(B, 1700, '00');
    const rf = await s.signed('POST', `/v1/payments/${paid.body.id}/refunds`, { amount: 200 }, { key: B.key });
    assert.equal(rf.body.state, 'succeeded');
    const all = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', B.id).execute();
    const ours = all.filter((p) => p.state === 'succeeded');
    const reconcile = (lines: Awaited<ReturnType<AlipayChannel['statement']>>) => {
      const pays = lines.filter((l) => l.kind === 'payment');
      const missing = ours.filter((p) => !pays.some((l) => l.outTradeNo === p.out_trade_no)).map((p) => p.out_trade_no);
      // A charge that was reversed is in the bill too (with its refund line); one we never asked for is extra.
      const extra = pays.filter((l) => !all.some((p) => p.out_trade_no === l.outTradeNo)).map((l) => l.outTradeNo);
      const wrong = pays.filter((l) => ours.some((p) => p.out_trade_no === l.outTradeNo && p.amount !== l.amount)).map((l) => l.outTradeNo);
      return { missing, extra, wrong };
    };
    const clean = await B.channel.statement({ date: day });
    // Reversed payment codes were charged and given back too; every paid one of ours is there once.
    assert.deepEqual(reconcile(clean), { missing: [], extra: [], wrong: [] });
    const refundLine = clean.find((l) => l.kind === 'refund' && l.outTradeNo === paid.body.outTradeNo);
    assert.deepEqual(refundLine && [refundLine.amount, refundLine.fee < 0, refundLine.outRefundNo], [200, true, rf.body.outRefundNo]);
    assert.ok(clean.every((l) => Number.isInteger(l.amount) && Number.isInteger(l.fee) && l.currency === 'CNY' && l.at.startsWith(day)));

    setFaults({ billAnomaly: 'missing' }, B);
    assert.equal(reconcile(await B.channel.statement({ date: day })).missing.length, 1);
    setFaults({ billAnomaly: 'extra' }, B);
    assert.deepEqual(reconcile(await B.channel.statement({ date: day })).extra.length, 1);
    setFaults({ billAnomaly: 'amount' }, B);
    assert.equal(reconcile(await B.channel.statement({ date: day })).wrong.length, 1);
    setFaults({ billAnomaly: 'truncated' }, B);
    await assert.rejects(B.channel.statement({ date: day }), (e: unknown) => e instanceof AlipayBillError && /truncated|cut short/.test((e as Error).message));
    setFaults({ billAnomaly: 'none' }, B);
    assert.deepEqual(await A.channel.statement({ date: '2099-01-01' }), [], 'no bill for a day that has not come');
  });

  test('Alipay\'s books overall: no trade of either app was charged twice, every kept charge is one we call paid', async () => {
    const summary = emu.emulator.chargeSummary();
    assert.ok(summary.length >= 20);
    // The one-shot faults met every kind of call the gateway makes, not only the first one.
    const hit = new Set(emu.emulator.calls.filter((c) => c.fault).map((c) => c.method));
    for (const method of ['alipay.trade.precreate', 'alipay.trade.pay', 'alipay.trade.query', 'alipay.trade.cancel', 'alipay.trade.close', 'alipay.trade.refund']) {
      assert.ok(hit.has(method), `some fault hit ${method} (hit: ${[...hit].join(', ')})`);
    }
    for (const c of summary) {
      assert.ok(c.times_charged <= 1, `${c.out_trade_no} charged ${c.times_charged} times`);
      const mid = c.app_id === APP_B ? B.id : A.id;
      const p = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('out_trade_no', '=', c.out_trade_no).executeTakeFirstOrThrow();
      if (c.charged - c.returned > 0) assert.equal(p.state, 'succeeded', `${c.out_trade_no}: Alipay kept money, so the gateway says succeeded`);
    }
  });
});
