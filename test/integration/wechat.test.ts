import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { eventually, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { FINAL, getPayment, tradeNo, waitFinal, waitState } from '../helpers/flows.ts';
import { startWechatEmulator, type WechatEmulator } from '../../src/channels/wechat/emulator.ts';
import { buildXml, nonceStr, parseXml, sign, type Params } from '../../src/channels/wechat/sign.ts';
import type { Faults } from '../../src/channels/emulator-faults.ts';

/**
 * WeChat Pay API v2 (an account with v2 credentials only) through the real gateway against the WeChat
 * emulator, under every fault of the shared vocabulary. The account sets `minReverseDelayMs` (a test-only
 * credential) to 4 s so the "no reverse within 15 s of micropay" rule is exercised without waiting 15 s,
 * and `timeoutMs` to 3 s so a hung call ends quickly; production accounts leave both out.
 */
const MIN_REVERSE_MS = 4000;

/** A WeChat payment code: 18 digits, 10–15…, last two digits choose the emulated customer's behaviour. */
function wxCode(b: string): string {
  return `1${randomInt(0, 6)}${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
}

describe('WeChat Pay v2 through the gateway', () => {
  let s: TestServer;
  let wx: { url: string; emulator: WechatEmulator; app: { close(): Promise<unknown> } };
  let mid: string;
  const merchant = { mchId: '1900000109', appId: 'wx2421b1c4370ec43b', apiKey: '192006250b4c09247ec02edce69f6a2d' };

  const pay = (amount: number, b: string) => s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('WX'), amount, currency: 'CNY', method: 'payment_code', authCode: wxCode(b) });
  const qr = (amount: number) => s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('WQ'), amount, currency: 'CNY', method: 'dynamic_qr', channel: 'wechat' });
  const calls = (no: string, path: string) => wx.emulator.calls.filter((c) => c.outTradeNo === no && c.path === path);
  /** Faults through the emulator's control route, for this merchant's account (mch_id). */
  const faults = async (change: Partial<Faults>) => {
    const r = await fetch(`${wx.url}/emulator/faults?account=${merchant.mchId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) });
    assert.equal(r.status, 200, await r.text());
  };
  /** The wallet's books agree with ours: final, charged at most once, money kept iff succeeded. */
  const agrees = async (id: string) => {
    const p = await getPayment(s, id);
    assert.ok(FINAL.has(p.state), `${p.outTradeNo} is final (is ${p.state})`);
    const c = wx.emulator.chargeSummary().find((x) => x.mch_id === merchant.mchId && x.out_trade_no === p.outTradeNo) ?? { charged: 0, returned: 0, times_charged: 0 };
    assert.ok(c.times_charged <= 1, `${p.outTradeNo} charged ${c.times_charged} times`);
    assert.equal(c.charged - c.returned, p.state === 'succeeded' ? p.amount - p.refunded : 0, `${p.outTradeNo} (${p.state}): the wallet keeps what the gateway says was paid`);
    return p;
  };

  before(async () => {
    s = await startServer({ qrTtlMs: 2500 });
    mid = s.demo.merchantId;
    wx = await startWechatEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'wechat-emulator.db'), merchants: [merchant], faults: { userPayingMs: 1500 } });
    const r = await s.signed('PUT', `/v1/merchants/${mid}/channels/wechat`, {
      baseUrl: wx.url,
      credentials: { appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, signType: 'HMAC-SHA256', minReverseDelayMs: String(MIN_REVERSE_MS), timeoutMs: '3000' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  afterEach(async () => {
    const r = await fetch(`${wx.url}/emulator/faults`, { method: 'DELETE' });
    assert.equal(r.status, 200);
    await faults({ userPayingMs: 1500 });
  });
  after(async () => {
    await s.close();
    await wx.app.close();
  });

  test('a WeChat payment code is routed to wechat and paid at once', async () => {
    const r = await pay(1250, '00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.channel, 'wechat');
    assert.equal(r.body.state, 'succeeded');
    assert.equal(r.body.amount, 1250);
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'SUCCESS');
    await agrees(r.body.id);
  });

  test('fault routes: unknown faults are refused, per-account faults stay with that account', async () => {
    const bad = await fetch(`${wx.url}/emulator/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ recallNext: 1 }) });
    assert.equal(bad.status, 400);
    await faults({ latencyMs: 5 });
    assert.equal(((await (await fetch(`${wx.url}/emulator/faults?account=${merchant.mchId}`)).json()) as Faults).latencyMs, 5);
    assert.equal(((await (await fetch(`${wx.url}/emulator/faults?account=other`)).json()) as Faults).latencyMs, 0);
  });

  test('latency: slow answers still settle', async () => {
    await faults({ latencyMs: 300 });
    const r = await pay(1260, '00');
    assert.equal(r.body.state, 'succeeded');
    await agrees(r.body.id);
  });

  test('USERPAYING, then the customer confirms: paid', async () => {
    const r = await pay(800, '02');
    assert.ok(!FINAL.has(r.body.state), `still waiting: ${r.body.state}`);
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 800);
    assert.ok(calls(r.body.outTradeNo, '/pay/orderquery').length >= 1, 'the result came from orderquery');
    await agrees(r.body.id);
  });

  test('USERPAYING, then the customer declines (userPayingThen=declined): failed, nothing kept', async () => {
    await faults({ userPayingThen: 'declined', userPayingMs: 800 });
    const r = await pay(810, '02');
    assert.ok(!FINAL.has(r.body.state));
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.ok(p.state === 'failed' || p.state === 'reversed', p.state);
    assert.notEqual(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'SUCCESS');
    await agrees(r.body.id);
  });

  test('never confirms: reversed, not before the minimum delay, and recall=Y is retried (code 08)', async () => {
    const r = await pay(900, '08');
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'reversed');
    const micropay = calls(r.body.outTradeNo, '/pay/micropay')[0]!;
    const reverses = calls(r.body.outTradeNo, '/secapi/pay/reverse');
    assert.ok(reverses.length >= 3, `two recall=Y answers then success: ${reverses.length} calls`);
    assert.ok(reverses[0]!.at - micropay.at >= MIN_REVERSE_MS, `first reverse ${reverses[0]!.at - micropay.at} ms after micropay`);
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'REVOKED');
    await agrees(r.body.id);
  });

  test('hang: micropay never answers, the client gives up (unknown), query and reverse settle it', async () => {
    await faults({ hangNext: 1 });
    const r = await pay(950, '00');
    assert.ok(!FINAL.has(r.body.state), `a hung call is not an answer: ${r.body.state}`);
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.ok(calls(r.body.outTradeNo, '/pay/orderquery').length >= 1, 'the gateway asked');
    await agrees(p.id);
  });

  test('SYSTEMERROR after charging (code 04): the gateway queries and books the payment', async () => {
    const r = await pay(700, '04');
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'succeeded');
    assert.ok(calls(r.body.outTradeNo, '/pay/orderquery').length >= 1);
    await agrees(r.body.id);
  });

  test('systemErrorNext: SYSTEMERROR with nothing done, then the gateway finds out and nothing is kept', async () => {
    await faults({ systemErrorNext: 1 });
    const r = await pay(710, '00');
    assert.ok(!FINAL.has(r.body.state));
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.ok(p.state === 'reversed' || p.state === 'failed' || p.state === 'closed', p.state);
    await agrees(r.body.id);
  });

  test('a lost reply after charging: queried, booked once', async () => {
    await faults({ lostReplyNext: 1 });
    const r = await pay(650, '00');
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'succeeded');
    await agrees(r.body.id);
  });

  test('an undocumented result code after charging: unknown, then queried and booked once', async () => {
    await faults({ unknownResultNext: 1 });
    const r = await pay(660, '00');
    assert.ok(!FINAL.has(r.body.state), `an undocumented code is not an answer: ${r.body.state}`);
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'succeeded');
    assert.ok(wx.emulator.calls.some((c) => c.outTradeNo === r.body.outTradeNo && c.errCode === 'EMU_UNDOCUMENTED_RESULT'));
    await agrees(r.body.id);
  });

  test('a definite decline (NOTENOUGH) fails without a reverse', async () => {
    const r = await pay(600, '01');
    assert.equal(r.body.state, 'failed');
    assert.equal(calls(r.body.outTradeNo, '/secapi/pay/reverse').length, 0);
    await agrees(r.body.id);
  });

  test('a reply with a bad signature is not believed: the gateway finds out by querying', async () => {
    await faults({ badSignature: true });
    const r = await pay(550, '00');
    assert.notEqual(r.body.state, 'succeeded', 'a success whose signature does not verify is not success');
    await faults({ badSignature: false });
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'succeeded');
    await agrees(r.body.id);
  });

  test('dynamic QR (NATIVE): scanned, paid, signed notification accepted', async () => {
    const r = await qr(1888);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.qrCode, /^weixin:\/\/wxpay\/bizpayurl\?pr=[0-9a-f]+$/);
    assert.deepEqual(wx.emulator.scan(r.body.qrCode), { ok: true, state: 'SUCCESS' });
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 1888);
    const n = await eventually(async () => wx.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo && x.acked), 'the notification to be acknowledged');
    assert.equal(parseXml(n.reply).return_code, 'SUCCESS');
    const seen = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('channel', '=', 'wechat').where('payment_id', '=', r.body.id).execute();
    assert.equal(seen.length, 1, 'the gateway recorded the notification once');
    assert.equal(seen[0]!.outcome, 'succeeded');
    assert.deepEqual(wx.emulator.scan(r.body.qrCode).ok, false, 'a paid QR cannot be paid again');
    await agrees(r.body.id);
  });

  test('duplicate and out-of-order notifications: both acknowledged, the payment stays paid once', async () => {
    await faults({ duplicateNotify: true, outOfOrderNotify: true });
    const r = await qr(1890);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    await waitState(s, r.body.id, 'succeeded');
    await eventually(async () => {
      const mine = wx.emulator.notifications.filter((x) => x.outTradeNo === r.body.outTradeNo);
      return mine.some((x) => x.kind === 'duplicate') && mine.some((x) => x.kind === 'stale');
    }, 'the duplicate and the stale notification');
    const p = await agrees(r.body.id);
    assert.equal(p.state, 'succeeded');
    const seen = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('channel', '=', 'wechat').where('payment_id', '=', r.body.id).execute();
    assert.ok(seen.filter((x) => x.outcome === 'succeeded').length <= 1);
  });

  test('a notification with a bad signature is refused; the gateway learns the outcome by querying', async () => {
    const r = await qr(1895);
    await faults({ badSignature: true });
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, true);
    const refused = await eventually(async () => wx.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo), 'the first notification');
    assert.equal(refused.acked, false);
    assert.equal(parseXml(refused.reply).return_code, 'FAIL');
    assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
    await faults({ badSignature: false });
    const p = await waitState(s, r.body.id, 'succeeded');
    await agrees(p.id);
  });

  test('an expired QR is closed at WeChat and cannot be paid afterwards', async () => {
    const r = await qr(300);
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'closed');
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'CLOSED');
    assert.equal(calls(r.body.outTradeNo, '/pay/closeorder').length >= 1, true);
    assert.equal(wx.emulator.scan(r.body.qrCode).ok, false);
    await agrees(r.body.id);
  });

  test('a forged notification is refused with the FAIL XML and changes nothing', async () => {
    const r = await qr(420);
    const params: Params = {
      return_code: 'SUCCESS', appid: merchant.appId, mch_id: merchant.mchId, nonce_str: nonceStr(), result_code: 'SUCCESS',
      trade_type: 'NATIVE', total_fee: '420', transaction_id: '4200000000000000000000000001', out_trade_no: r.body.outTradeNo,
      time_end: '20260101000000', sign_type: 'HMAC-SHA256',
    };
    params.sign = sign(params, 'ffffffffffffffffffffffffffffffff', 'HMAC-SHA256');
    const res = await s.raw('POST', `/v1/channels/wechat/notify/${mid}`, { body: buildXml(params), headers: { 'content-type': 'text/xml' } });
    assert.equal(parseXml(res.text).return_code, 'FAIL');
    const garbage = await s.raw('POST', `/v1/channels/wechat/notify/${mid}`, { body: '<xml><return_code>SUCCESS', headers: { 'content-type': 'text/xml' } });
    assert.equal(parseXml(garbage.text).return_code, 'FAIL');
    assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
    assert.equal(wx.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'NOTPAY');
  });

  test('refunds: partial, then the rest; one more is refused', async () => {
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
    assert.equal((await getPayment(s, p.id)).refunded, 1000);
    const more = await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 1 });
    assert.equal(more.status, 409);
    const c = wx.emulator.chargeSummary().find((x) => x.out_trade_no === p.outTradeNo)!;
    assert.deepEqual({ charged: c.charged, returned: c.returned, times: c.times_charged }, { charged: 1000, returned: 1000, times: 1 });
  });

  test('the bill (v2 downloadbill): every payment and refund as booked; a missing line and a cut file show', async () => {
    const { WechatChannel, wechatAccountFrom } = await import('../../src/channels/wechat/adapter.ts');
    const { BillError } = await import('../../src/channels/wechat/bill.ts');
    const ch = new WechatChannel(wechatAccountFrom({ baseUrl: wx.url, credentials: { appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, signType: 'HMAC-SHA256' } }, { queryIntervalMs: 200, payCodeGiveUpMs: 3000 }));
    const date = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const lines = await ch.statement({ date });
    assert.ok(wx.emulator.calls.some((c) => c.path === '/pay/downloadbill'));
    const ours = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('state', '=', 'succeeded').execute();
    for (const p of ours) assert.ok(lines.some((l) => l.kind === 'payment' && l.outTradeNo === p.out_trade_no && l.amount === p.amount), `${p.out_trade_no} in the bill`);
    assert.ok(lines.some((l) => l.kind === 'refund' && l.amount === 300), 'the partial refund');
    await faults({ billAnomaly: 'missing' });
    assert.equal((await ch.statement({ date })).length, lines.length - 1);
    await faults({ billAnomaly: 'truncated' });
    await assert.rejects(ch.statement({ date }), BillError);
  });

  test('nothing was charged twice, and the books agree with WeChat\'s', async () => {
    const rows = wx.emulator.chargeSummary();
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.ok(row.times_charged <= 1, `${row.out_trade_no} charged ${row.times_charged} times`);
      const p = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('out_trade_no', '=', row.out_trade_no).executeTakeFirst();
      assert.ok(p, `the gateway knows ${row.out_trade_no}`);
      const net = row.charged - row.returned;
      if (p.state === 'succeeded') assert.equal(net, p.amount - p.refunded, row.out_trade_no);
      else assert.equal(net, 0, `${row.out_trade_no} is ${p.state} and kept nothing`);
    }
  });
});
