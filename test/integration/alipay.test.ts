import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { startServer, freePort, eventually, type TestServer } from '../helpers/server.ts';
import { tradeNo, getPayment, waitFinal, waitState } from '../helpers/flows.ts';
import { startAlipayEmulator } from '../../src/channels/alipay/emulator.ts';
import { notifyContent, rsa2Sign } from '../../src/channels/alipay/signing.ts';
import { alipayTimestamp } from '../../src/channels/alipay/adapter.ts';

/**
 * Alipay face-to-face through the real gateway: the merchant's alipay account points at the Alipay
 * emulator (its own port, its own books, its own RSA2 keys), and every flow ends with the two sets of
 * books agreeing: never charged twice, money kept iff the gateway says succeeded.
 */
describe('Alipay channel through the gateway (emulator)', () => {
  let s: TestServer;
  let emu: Awaited<ReturnType<typeof startAlipayEmulator>>;
  let mid: string;

  /** An Alipay payment code: 18 digits starting 25 (outside the sandbox's 28…), the last two choose the customer. */
  const code = (b: string) => `25${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
  const payCode = (outTradeNo: string, amount: number, b: string, channel?: string) =>
    s.terminal('POST', '/v1/payments', { outTradeNo, amount, currency: 'CNY', method: 'payment_code', authCode: code(b), ...(channel ? { channel } : {}) });
  const showQr = (outTradeNo: string, amount: number) =>
    s.terminal('POST', '/v1/payments', { outTradeNo, amount, currency: 'CNY', method: 'dynamic_qr', channel: 'alipay' });
  const books = (outTradeNo: string) => emu.emulator.chargeSummary().find((c) => c.out_trade_no === outTradeNo)
    ?? { app_id: emu.keys.appId, out_trade_no: outTradeNo, charged: 0, times_charged: 0, returned: 0 };
  const alipayStatus = (outTradeNo: string) => emu.emulator.trade(emu.keys.appId, outTradeNo)?.status;

  /** The gateway and Alipay agree on a final payment. */
  async function agrees(id: string) {
    const p = await waitFinal(s, id);
    const c = books(p.outTradeNo);
    assert.ok(c.times_charged <= 1, `${p.outTradeNo} charged ${c.times_charged} times`);
    if (p.state === 'succeeded') assert.equal(c.charged - c.returned, p.amount - p.refunded, `${p.outTradeNo}: Alipay keeps what the gateway says was paid`);
    else assert.equal(c.charged - c.returned, 0, `${p.outTradeNo} is ${p.state}: Alipay keeps nothing`);
    return p;
  }

  before(async () => {
    s = await startServer({ qrTtlMs: 4000 });
    mid = s.demo.merchantId;
    emu = await startAlipayEmulator({ port: await freePort(), dbPath: `${s.db.dataDir}/alipay-emulator.db`, faults: { userPayingMs: 800 } });
    const r = await s.signed('PUT', `/v1/merchants/${mid}/channels/alipay`, {
      baseUrl: `${emu.url}/gateway.do`,
      credentials: { appId: emu.keys.appId, privateKey: emu.keys.appPrivateKey, alipayPublicKey: emu.keys.alipayPublicKey },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => {
    await emu.close();
    await s.close();
  });

  test('dynamic QR: precreate gives a qr.alipay.com code; the customer scans and pays; the signed notification settles it', async () => {
    const outTradeNo = tradeNo('AQ');
    const created = await showQr(outTradeNo, 8888);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.qrCode, /^https:\/\/qr\.alipay\.com\/bax/);
    assert.equal(alipayStatus(outTradeNo), 'PRECREATED', 'no trade exists at Alipay before the scan');
    assert.equal(emu.emulator.scan(created.body.qrCode).code, '10000');
    const p = await waitState(s, created.body.id, 'succeeded');
    assert.equal(p.amount, 8888);
    const ack = await eventually(async () => emu.emulator.notifyLog.find((n) => n.outTradeNo === outTradeNo && n.reply !== null), 'the notification to be answered');
    assert.equal(ack.reply, 'success');
    assert.equal(ack.tradeStatus, 'TRADE_SUCCESS');
    await agrees(created.body.id);
  });

  test('payment code: detected as Alipay from the code (no channel given) and paid at once', async () => {
    const r = await payCode(tradeNo('AP'), 1250, '00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.channel, 'alipay');
    assert.equal(r.body.state, 'succeeded');
    assert.equal(books(r.body.outTradeNo).charged, 1250);
    await agrees(r.body.id);
  });

  test('payment code: 10003 (user confirming), polled until paid', async () => {
    const r = await payCode(tradeNo('AW'), 300, '02', 'alipay');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.notEqual(r.body.state, 'succeeded');
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 300);
    await agrees(r.body.id);
  });

  test('payment code that never confirms: given up and reversed with alipay.trade.cancel (action=close)', async () => {
    const r = await payCode(tradeNo('AN'), 700, '03');
    const p = await agrees(r.body.id);
    assert.equal(p.state, 'reversed');
    assert.equal(alipayStatus(p.outTradeNo), 'TRADE_CLOSED');
    assert.equal(books(p.outTradeNo).charged, 0);
  });

  test('cancel answering retry_flag=Y is repeated until it takes', async () => {
    const r = await payCode(tradeNo('AR'), 710, '07');
    const p = await agrees(r.body.id);
    assert.equal(p.state, 'reversed');
    assert.equal(emu.emulator.trade(emu.keys.appId, p.outTradeNo)?.cancel_retry, 2, 'the first cancel was refused with retry_flag=Y');
    assert.equal(alipayStatus(p.outTradeNo), 'TRADE_CLOSED');
  });

  test('ACQ.SYSTEM_ERROR after charging: the gateway queries and finds it paid; without charging: nothing kept', async () => {
    const lost = await payCode(tradeNo('AS'), 420, '04');
    assert.equal(lost.status, 201, JSON.stringify(lost.body));
    const p = await agrees(lost.body.id);
    assert.equal(p.state, 'succeeded');
    assert.equal(books(p.outTradeNo).times_charged, 1);

    const none = await payCode(tradeNo('AE'), 430, '05');
    const q = await agrees(none.body.id);
    assert.ok(['failed', 'reversed'].includes(q.state), `unknown outcome settles as not paid (is ${q.state})`);
    assert.equal(books(q.outTradeNo).charged, 0);
  });

  test('a definite business failure (ACQ.BUYER_BALANCE_NOT_ENOUGH) fails the payment', async () => {
    const r = await payCode(tradeNo('AF'), 500, '01');
    assert.equal(r.body.state, 'failed');
    await agrees(r.body.id);
  });

  test('an expired QR is closed at Alipay, and a late scan cannot pay it', async () => {
    const outTradeNo = tradeNo('AX');
    const created = await showQr(outTradeNo, 990);
    // The customer scans (the trade now exists at Alipay) but walks away.
    assert.equal(emu.emulator.scan(created.body.qrCode, 'decline').code, 'DECLINED');
    const p = await agrees(created.body.id);
    assert.equal(p.state, 'closed');
    assert.equal(alipayStatus(outTradeNo), 'TRADE_CLOSED');
    assert.equal(emu.emulator.scan(created.body.qrCode).code, 'TRADE_NOT_PAYABLE');
    assert.equal(books(outTradeNo).charged, 0);
  });

  test('full and partial refunds through alipay.trade.refund', async () => {
    const full = await payCode(tradeNo('AFR'), 1000, '00');
    const r1 = await s.signed('POST', `/v1/payments/${full.body.id}/refunds`, { amount: 1000, reason: 'returned' });
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    assert.equal(r1.body.state, 'succeeded');
    assert.ok(r1.body.channelRefundNo);
    assert.equal(alipayStatus(full.body.outTradeNo), 'TRADE_CLOSED', 'a fully refunded trade is TRADE_CLOSED at Alipay');
    assert.equal(books(full.body.outTradeNo).returned, 1000);
    await agrees(full.body.id);

    const part = await payCode(tradeNo('APR'), 3000, '00');
    for (const amount of [1000, 500]) {
      const r = await s.signed('POST', `/v1/payments/${part.body.id}/refunds`, { amount });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.state, 'succeeded');
    }
    assert.equal(alipayStatus(part.body.outTradeNo), 'TRADE_SUCCESS');
    assert.equal(books(part.body.outTradeNo).returned, 1500);
    assert.equal((await getPayment(s, part.body.id)).refunded, 1500);
    const tooMuch = await s.signed('POST', `/v1/payments/${part.body.id}/refunds`, { amount: 1501 });
    assert.equal(tooMuch.status, 409);
    await agrees(part.body.id);
  });

  test('a forged notification is answered `fail` and changes nothing; a genuine one is answered `success`', async () => {
    const paid = await payCode(tradeNo('AFN'), 600, '00');
    const fields: Record<string, string> = {
      notify_time: alipayTimestamp(), notify_type: 'trade_status_sync', notify_id: `forged${randomInt(0, 1e9)}`, app_id: emu.keys.appId,
      charset: 'utf-8', version: '1.0', sign_type: 'RSA2', trade_no: '2026112522001400000000000001', out_trade_no: paid.body.outTradeNo,
      trade_status: 'TRADE_CLOSED', total_amount: '6.00',
    };
    const post = (f: Record<string, string>) => s.raw('POST', `/v1/channels/alipay/notify/${mid}`, {
      body: new URLSearchParams(f).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await post({ ...fields, sign: rsa2Sign(notifyContent(fields), attacker) });
    assert.equal(forged.text, 'fail');
    const tampered = { ...fields, trade_status: 'TRADE_SUCCESS' };
    const tamperedSigned = { ...tampered, sign: rsa2Sign(notifyContent(tampered), emu.keys.alipayPrivateKey) };
    const altered = await post({ ...tamperedSigned, total_amount: '0.01' });
    assert.equal(altered.text, 'fail');
    assert.equal(await post({ ...fields, sign: '' }).then((r) => r.text), 'fail');
    assert.equal((await getPayment(s, paid.body.id)).state, 'succeeded');
    // Signed by "Alipay" and consistent with what happened: accepted.
    const row = emu.emulator.trade(emu.keys.appId, paid.body.outTradeNo)!;
    const genuine = { ...fields, notify_id: `genuine${randomInt(0, 1e9)}`, trade_no: row.trade_no, trade_status: 'TRADE_SUCCESS' };
    const ok = await post({ ...genuine, sign: rsa2Sign(notifyContent(genuine), emu.keys.alipayPrivateKey) });
    assert.equal(ok.text, 'success');
    await agrees(paid.body.id);
  });

  test('Alipay\'s books: no trade was ever charged twice, and every charge is one the gateway knows as paid', async () => {
    const summary = emu.emulator.chargeSummary();
    assert.ok(summary.length >= 6);
    for (const c of summary) {
      assert.ok(c.times_charged <= 1, `${c.out_trade_no} charged ${c.times_charged} times`);
      const p = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('out_trade_no', '=', c.out_trade_no).executeTakeFirstOrThrow();
      if (c.charged - c.returned > 0) assert.equal(p.state, 'succeeded', `${c.out_trade_no}: Alipay kept money, so the gateway says succeeded`);
    }
  });
});
