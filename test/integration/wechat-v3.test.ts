import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { eventually, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { FINAL, getPayment, journalsFor, tradeNo, waitFinal, waitState } from '../helpers/flows.ts';
import { startWechatEmulator, type WechatEmulator } from '../../src/channels/wechat/emulator.ts';
import { WechatChannel, wechatAccountFrom } from '../../src/channels/wechat/adapter.ts';
import { BillError } from '../../src/channels/wechat/bill.ts';
import { aeadEncrypt, rfc3339Beijing, unixSeconds, wechatpayHeaders } from '../../src/channels/wechat/v3.ts';
import type { Faults } from '../../src/channels/emulator-faults.ts';

/**
 * WeChat Pay with v2+v3 credentials through the real gateway: the dynamic QR, query, close, refunds and
 * notifications on API v3 (payment codes stay on v2 micropay/reverse), under every fault, and the bill.
 */
const MIN_REVERSE_MS = 3000;

function wxCode(b: string): string {
  return `1${randomInt(0, 6)}${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
}

/** Today's date in Beijing (bills are per Beijing day). */
function beijingToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

describe('WeChat Pay v3 through the gateway', () => {
  let s: TestServer;
  let wx: { url: string; emulator: WechatEmulator; app: { close(): Promise<unknown> } };
  let mid: string;
  let credentials: Record<string, string>;
  const merchantKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchant = {
    mchId: '1230000109', appId: 'wxd678efh567hg6787', apiKey: randomBytes(16).toString('hex'), appSecret: randomBytes(16).toString('hex'),
    v3: { apiV3Key: randomBytes(16).toString('hex'), merchantPublicKey: merchantKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), merchantSerial: '3775B6A45ACD588826D15E583A95F5DD2C8ED000' },
  };

  const pay = (amount: number, b: string) => s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('WX3'), amount, currency: 'CNY', method: 'payment_code', authCode: wxCode(b) });
  const qr = (amount: number) => s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('WQ3'), amount, currency: 'CNY', method: 'dynamic_qr', channel: 'wechat' });
  const calls = (no: string, path: string) => wx.emulator.calls.filter((c) => c.outTradeNo === no && c.path === path);
  const faults = async (change: Partial<Faults>) => {
    const r = await fetch(`${wx.url}/emulator/faults?account=${merchant.mchId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) });
    assert.equal(r.status, 200, await r.text());
  };
  const agrees = async (id: string) => {
    const p = await getPayment(s, id);
    assert.ok(FINAL.has(p.state), `${p.outTradeNo} is final (is ${p.state})`);
    const c = wx.emulator.chargeSummary().find((x) => x.mch_id === merchant.mchId && x.out_trade_no === p.outTradeNo) ?? { charged: 0, returned: 0, times_charged: 0 };
    assert.ok(c.times_charged <= 1, `${p.outTradeNo} charged ${c.times_charged} times`);
    assert.equal(c.charged - c.returned, p.state === 'succeeded' ? p.amount - p.refunded : 0, `${p.outTradeNo} (${p.state}): the wallet keeps what the gateway says was paid`);
    return p;
  };
  const adapter = () => new WechatChannel(wechatAccountFrom({ baseUrl: wx.url, credentials }, { queryIntervalMs: 200, payCodeGiveUpMs: 3000 }));

  before(async () => {
    s = await startServer({ qrTtlMs: 2500 });
    mid = s.demo.merchantId;
    wx = await startWechatEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'wechat-v3-emulator.db'), merchants: [merchant], faults: { userPayingMs: 1200 }, refundProcessingMs: 400 });
    credentials = {
      appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, apiV3Key: merchant.v3.apiV3Key,
      merchantPrivateKey: merchantKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), merchantSerialNo: merchant.v3.merchantSerial,
      wechatpayPublicKey: wx.emulator.platform.publicKeyPem, wechatpayPublicKeyId: wx.emulator.platform.id, appSecret: merchant.appSecret,
      minReverseDelayMs: String(MIN_REVERSE_MS), timeoutMs: '3000',
    };
    const r = await s.signed('PUT', `/v1/merchants/${mid}/channels/wechat`, { baseUrl: wx.url, credentials });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(adapter().api, 'v3');
  });
  afterEach(async () => {
    assert.equal((await fetch(`${wx.url}/emulator/faults`, { method: 'DELETE' })).status, 200);
    await faults({ userPayingMs: 1200 });
  });
  after(async () => {
    await s.close();
    await wx.app.close();
  });

  test('dynamic QR on v3 native: scanned, paid, the encrypted notification is verified and answered 204', async () => {
    const r = await qr(1888);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.qrCode, /^weixin:\/\/wxpay\/bizpayurl\?pr=[0-9a-f]+$/);
    assert.equal(calls(r.body.outTradeNo, '/v3/pay/transactions/native').length, 1);
    assert.equal(calls(r.body.outTradeNo, '/pay/unifiedorder').length, 0, 'v3 accounts do not use unifiedorder');
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 1888);
    const n = await eventually(async () => wx.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo && x.acked), 'the notification to be acknowledged');
    assert.equal(n.api, 'v3');
    assert.match(n.reply, /^204 $/);
    const seen = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('channel', '=', 'wechat').where('payment_id', '=', r.body.id).execute();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.outcome, 'succeeded');
    await agrees(r.body.id);
  });

  test('payment code on a v3 account: v2 micropay, USERPAYING resolved through the v3 query', async () => {
    const r = await pay(800, '02');
    assert.ok(!FINAL.has(r.body.state));
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 800);
    assert.equal(calls(r.body.outTradeNo, '/pay/micropay').length, 1);
    assert.ok(calls(r.body.outTradeNo, '/v3/pay/transactions/out-trade-no/:no').length >= 1, 'queried on v3');
    await agrees(r.body.id);
  });

  test('USERPAYING then declined: PAYERROR through the v3 query, nothing kept', async () => {
    await faults({ userPayingThen: 'declined', userPayingMs: 600 });
    const r = await pay(810, '02');
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.ok(p.state === 'failed' || p.state === 'reversed', p.state);
    await agrees(r.body.id);
  });

  test('an expired QR is closed with v3 close (204) and cannot be paid afterwards', async () => {
    const r = await qr(300);
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'closed');
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'CLOSED');
    assert.ok(calls(r.body.outTradeNo, '/v3/pay/transactions/out-trade-no/:no/close').length >= 1);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, false);
    await agrees(r.body.id);
  });

  test('v3 refunds: partial (PROCESSING, then SUCCESS by refund query), then the rest; one more is refused', async () => {
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
    assert.equal(wx.emulator.calls.filter((c) => c.outTradeNo === p.outTradeNo && c.path === '/v3/refund/domestic/refunds').length, 2);
    assert.equal((await getPayment(s, p.id)).refunded, 1000);
    assert.equal((await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 1 })).status, 409);
    const c = wx.emulator.chargeSummary().find((x) => x.out_trade_no === p.outTradeNo)!;
    assert.deepEqual({ charged: c.charged, returned: c.returned, times: c.times_charged }, { charged: 1000, returned: 1000, times: 1 });
  });

  test('a full refund of a QR payment, and refunds under faults: a lost reply or a system error never refunds twice', async () => {
    const r = await qr(2000);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    const p = await waitState(s, r.body.id, 'succeeded');
    const done = (n: number) => eventually(async () => {
      const list = await s.signed('GET', `/v1/payments/${p.id}/refunds`);
      return list.body.data.length === n && list.body.data.every((x: { state: string }) => x.state === 'succeeded');
    }, `${n} refunds to succeed`, 30_000);
    await faults({ lostReplyNext: 1 });
    assert.equal((await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 500 })).status, 201);
    await done(1);
    await faults({ systemErrorNext: 1 });
    assert.equal((await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 500 })).status, 201);
    await done(2);
    await faults({ unknownResultNext: 1 });
    assert.equal((await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 1000 })).status, 201);
    await done(3);
    assert.equal((await getPayment(s, p.id)).refunded, 2000);
    const c = wx.emulator.chargeSummary().find((x) => x.out_trade_no === p.outTradeNo)!;
    assert.deepEqual({ charged: c.charged, returned: c.returned, times: c.times_charged }, { charged: 2000, returned: 2000, times: 1 });
    assert.equal(wx.emulator.refundRows(merchant.mchId, { outTradeNo: p.outTradeNo }).length, 3, 'three refunds at WeChat, none twice');

    const full = await qr(2100);
    assert.equal(wx.emulator.scan(full.body.qrCode).ok, true);
    const fp = await waitState(s, full.body.id, 'succeeded');
    assert.equal((await s.signed('POST', `/v1/payments/${fp.id}/refunds`, { amount: 2100 })).status, 201);
    await eventually(async () => (await getPayment(s, fp.id)).refunded === 2100, 'the full refund');
    await agrees(fp.id);
  });

  test('a refund left PROCESSING at WeChat: a forged REFUND notification is refused, the real REFUND.SUCCESS (204) settles it; an unknown refund number is refused', async () => {
    const r = await qr(1500);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    await waitState(s, r.body.id, 'succeeded');
    const send = (n: { headers: Record<string, string>; body: string }) => s.raw('POST', `/v1/channels/wechat/notify/${mid}`, { body: n.body, headers: { 'content-type': 'application/json', ...n.headers } });
    const refundQueries = () => wx.emulator.calls.filter((c) => c.path === '/v3/refund/domestic/refunds/:no').length;
    wx.emulator.refundProcessingMs = 2500;
    let rf: { body: { id: string; outRefundNo: string; state: string } };
    try {
      rf = await s.signed('POST', `/v1/payments/${r.body.id}/refunds`, { amount: 500, reason: 'notified' });
    } finally {
      wx.emulator.refundProcessingMs = 400;
    }
    assert.equal(rf.body.state, 'pending', JSON.stringify(rf.body));
    // Park the gateway's own polling: only the notification may settle this refund now.
    await s.rt.store.write((tx) => tx.updateTable('refunds').set({ next_poll_at: new Date(Date.now() + 3600_000).toISOString() }).where('id', '=', rf.body.id).execute());
    const row = wx.emulator.refundRows(merchant.mchId, { outRefundNo: rf.body.outRefundNo })[0]!;
    assert.ok(row.notify_url?.endsWith(`/v1/channels/wechat/notify/${mid}`), `the refund named the gateway's notify URL (${row.notify_url})`);

    const queriesBefore = refundQueries();
    const forged = await send(wx.emulator.refundNotificationV3(row, 'SUCCESS', { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }));
    assert.equal(forged.status, 401);
    assert.deepEqual(forged.body, { code: 'FAIL', message: '失败' });
    assert.equal(refundQueries(), queriesBefore, 'a forged notification makes no query');
    assert.equal((await s.signed('GET', `/v1/refunds/${rf.body.id}`)).body.state, 'pending', 'and changes nothing');

    const unknown = await send(wx.emulator.refundNotificationV3({ ...row, out_refund_no: `NOPE${Date.now()}` }));
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, { code: 'FAIL', message: '失败' });
    const otherMerchant = await send(wx.emulator.refundNotificationV3(row, 'SUCCESS', { mchId: '1900000109' }));
    assert.equal(otherMerchant.status, 400);

    const n = await eventually(async () => wx.emulator.notifications.find((x) => x.outRefundNo === rf.body.outRefundNo && x.acked), 'the REFUND.SUCCESS notification to be acknowledged', 15_000);
    assert.match(n.reply, /^204 $/);
    assert.equal(n.attempt, 0);
    const done = await eventually(async () => {
      const g = await s.signed('GET', `/v1/refunds/${rf.body.id}`);
      return g.body.state === 'succeeded' ? g.body : null;
    }, 'the refund to succeed', 5000);
    assert.equal(done.channelRefundNo, row.refund_id);
    assert.ok(refundQueries() > queriesBefore, 'the notification made the gateway query the refund');
    const p = await getPayment(s, r.body.id);
    assert.equal(p.refunded, 500);
    assert.equal((await journalsFor(s, rf.body.id)).filter((j) => j.kind === 'refund').length, 1, 'one refund in the books');
    assert.equal(wx.emulator.refundRows(merchant.mchId, { outTradeNo: r.body.outTradeNo }).length, 1, 'one refund at WeChat');
    await agrees(r.body.id);
  });

  test('forged, stale and undecryptable v3 notifications are refused with 401/400 {"code":"FAIL"} and change nothing', async () => {
    const r = await qr(420);
    const t = wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!;
    const body = (key: string) => JSON.stringify({
      id: 'EV-forged', create_time: rfc3339Beijing(new Date()), resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction', nonce: 'abcdefabcdef',
        ciphertext: aeadEncrypt(key, 'abcdefabcdef', 'transaction', JSON.stringify({ ...wx.emulator.transactionJson({ ...t, state: 'SUCCESS', paid_at: new Date().toISOString() }) })) },
    });
    const send = (text: string, headers: Record<string, string>) => s.raw('POST', `/v1/channels/wechat/notify/${mid}`, { body: text, headers: { 'content-type': 'application/json', 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048', ...headers } });
    const good = body(merchant.v3.apiV3Key);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await send(good, wechatpayHeaders(good, wx.emulator.platform.id, stranger));
    assert.equal(forged.status, 401);
    assert.deepEqual(forged.body, { code: 'FAIL', message: '失败' });
    const stale = await send(good, wechatpayHeaders(good, wx.emulator.platform.id, wx.emulator.platform.privateKey, { timestamp: String(Number(unixSeconds()) - 600) }));
    assert.equal(stale.status, 401);
    const otherKey = body('0123456789abcdef0123456789abcdef');
    const undecryptable = await send(otherKey, wechatpayHeaders(otherKey, wx.emulator.platform.id, wx.emulator.platform.privateKey));
    assert.equal(undecryptable.status, 400);
    assert.deepEqual(undecryptable.body, { code: 'FAIL', message: '失败' });
    assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'NOTPAY');
  });

  test('a WECHATPAY/SIGNTEST probe is refused; the real notification that follows is accepted', async () => {
    const r = await qr(430);
    const set = await fetch(`${wx.url}/emulator/signtest`, { method: 'POST', body: JSON.stringify({ count: 1 }), headers: { 'content-type': 'application/json' } });
    assert.equal(set.status, 200);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    const first = await eventually(async () => wx.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo), 'the probe');
    assert.equal(first.acked, false);
    assert.match(first.reply, /^401 /);
    await eventually(async () => wx.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo && x.acked), 'the retry to be accepted');
    await waitState(s, r.body.id, 'succeeded');
    await agrees(r.body.id);
  });

  test('latency on every v3 call: the QR is still created and paid', async () => {
    await faults({ latencyMs: 300 });
    const r = await qr(1510);
    assert.equal(r.status, 201);
    assert.ok(r.body.qrCode);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    await waitState(s, r.body.id, 'succeeded');
    await agrees(r.body.id);
  });

  for (const fault of ['hangNext', 'systemErrorNext'] as const) {
    test(`${fault} on the native order: no QR, the gateway finds there is no order and closes, nothing kept`, async () => {
      // A counter fault hits the emulator's next request, whichever it is: when the worker's own call
      // to WeChat (a query of an earlier payment) took it, the order was answered; try again.
      let r = await (async () => { await faults({ [fault]: 1 }); return qr(1520); })();
      for (let i = 0; i < 3 && r.body.qrCode; i++) {
        await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`);
        await faults({ [fault]: 1 });
        r = await qr(1520);
      }
      assert.ok(!r.body.qrCode, 'no code_url without an answer');
      const p = await waitFinal(s, r.body.id, 30_000);
      assert.equal(p.state, 'closed');
      await agrees(r.body.id);
    });
  }

  test('lost reply after the order was placed: unknown, then the gateway queries (NOTPAY) and closes at expiry', async () => {
    await faults({ lostReplyNext: 1 });
    const r = await qr(1530);
    assert.ok(!r.body.qrCode);
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state !== undefined, true, 'WeChat did place the order');
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'closed');
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'CLOSED');
    await agrees(r.body.id);
  });

  test('an undocumented v3 error code is unknown, never success; the next query settles', async () => {
    const r = await pay(1540, '02');
    await faults({ unknownResultNext: 1 });
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'succeeded');
    assert.ok(wx.emulator.calls.some((c) => c.outTradeNo === r.body.outTradeNo && c.errCode === 'EMU_UNDOCUMENTED_RESULT'));
    await agrees(r.body.id);
  });

  test('bad signature on v3 replies: the code_url is not believed; the trade is closed at expiry', async () => {
    await faults({ badSignature: true });
    const r = await qr(1550);
    assert.ok(!r.body.qrCode, 'an unverifiable code_url is not handed out');
    await faults({ badSignature: false });
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'closed');
    await agrees(r.body.id);
  });

  test('bad signature on v3 notifications: refused, then the gateway learns the payment by querying', async () => {
    const r = await qr(1560);
    await faults({ badSignature: true });
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    const refused = await eventually(async () => wx.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo), 'the first notification');
    assert.equal(refused.acked, false);
    assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
    await faults({ badSignature: false });
    await waitState(s, r.body.id, 'succeeded');
    await agrees(r.body.id);
  });

  test('duplicate and out-of-order v3 notifications: acknowledged, paid once', async () => {
    await faults({ duplicateNotify: true, outOfOrderNotify: true });
    const r = await qr(1570);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    await waitState(s, r.body.id, 'succeeded');
    await eventually(async () => {
      const mine = wx.emulator.notifications.filter((x) => x.outTradeNo === r.body.outTradeNo);
      return mine.some((x) => x.kind === 'duplicate' && x.acked) && mine.some((x) => x.kind === 'stale');
    }, 'the duplicate and the stale notification');
    const p = await agrees(r.body.id);
    assert.equal(p.state, 'succeeded');
  });

  test('payment-code faults on a v3 account: hang, system error, lost reply and bad signature all end with the books agreeing', async () => {
    const ids: string[] = [];
    for (const f of [{ hangNext: 1 }, { systemErrorNext: 1 }, { lostReplyNext: 1 }, { badSignature: true }] as Array<Partial<Faults>>) {
      await faults(f);
      const r = await pay(1600 + ids.length, '00');
      if ('badSignature' in f) assert.notEqual(r.body.state, 'succeeded', 'an unverifiable success is not success');
      await faults({ hangNext: 0, systemErrorNext: 0, lostReplyNext: 0, badSignature: false });
      ids.push(r.body.id);
    }
    for (const id of ids) {
      await waitFinal(s, id, 30_000);
      await agrees(id);
    }
  });

  test('the bill (v3 tradebill, SHA1-checked download): as booked, then with each anomaly visible in the parsed statement', async () => {
    const date = beijingToday();
    const ch = adapter();
    const ours = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('channel', '=', 'wechat').execute();
    const paid = new Map(ours.filter((p) => p.state === 'succeeded').map((p) => [p.out_trade_no, p.amount]));
    const clean = await ch.statement({ date });
    assert.ok(wx.emulator.calls.some((c) => c.path === '/v3/bill/tradebill'), 'v3 accounts read the v3 trade bill');
    const payments = clean.filter((l) => l.kind === 'payment');
    assert.ok(payments.length > 0);
    for (const l of payments) {
      assert.equal(l.currency, 'CNY');
      assert.match(l.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      assert.ok(Number.isInteger(l.fee) && l.fee >= 0);
      const p = ours.find((x) => x.out_trade_no === l.outTradeNo);
      assert.ok(p, `the gateway knows ${l.outTradeNo}`);
      assert.equal(l.amount, p.amount, l.outTradeNo);
    }
    for (const [no, amount] of paid) assert.ok(payments.some((l) => l.outTradeNo === no && l.amount === amount), `${no} is in the bill`);
    const refunds = clean.filter((l) => l.kind === 'refund');
    assert.ok(refunds.some((l) => l.amount === 300 && l.fee <= 0 && l.outRefundNo), 'the partial refund is in the bill');

    await faults({ billAnomaly: 'missing' });
    assert.equal((await ch.statement({ date })).length, clean.length - 1);
    await faults({ billAnomaly: 'extra' });
    const extra = await ch.statement({ date });
    assert.equal(extra.length, clean.length + 1);
    assert.ok(extra.some((l) => !ours.some((p) => p.out_trade_no === l.outTradeNo)), 'a trade the gateway never made');
    await faults({ billAnomaly: 'amount' });
    const amount = await ch.statement({ date });
    assert.ok(amount.some((l, i) => l.amount !== clean[i]!.amount), 'an amount that disagrees');
    await faults({ billAnomaly: 'truncated' });
    await assert.rejects(ch.statement({ date }), (e: Error) => e instanceof BillError && /SHA1/.test(e.message), 'a download cut short does not match its hash');
    await faults({ billAnomaly: 'none' });
    assert.deepEqual(await ch.statement({ date: '2001-01-01' }), [], 'a day without trades has no bill');
  });

  test('nothing was charged twice, and the books agree with WeChat\'s', async () => {
    for (const row of wx.emulator.chargeSummary()) {
      assert.ok(row.times_charged <= 1, `${row.out_trade_no} charged ${row.times_charged} times`);
      const p = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('out_trade_no', '=', row.out_trade_no).executeTakeFirst();
      assert.ok(p, `the gateway knows ${row.out_trade_no}`);
      if (p.state === 'succeeded') assert.equal(row.charged - row.returned, p.amount - p.refunded, row.out_trade_no);
      else assert.equal(row.charged - row.returned, 0, `${row.out_trade_no} is ${p.state} and kept nothing`);
    }
  });
});
