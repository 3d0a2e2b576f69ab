import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { eventually, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { FINAL, getPayment, tradeNo, waitFinal, waitState } from '../helpers/flows.ts';
import { startQqEmulator, type QqEmulator } from '../../src/channels/qq/emulator.ts';
import { QPAY_PATHS } from '../../src/channels/qq/adapter.ts';
import { ChannelRegistry } from '../../src/channels/registry.ts';
import { buildXml, nonceStr, parseXml, sign, type Params } from '../../src/channels/wechat/sign.ts';
import type { Faults } from '../../src/channels/emulator-faults.ts';

/**
 * QQ Wallet (qpay) through the real gateway against the QQ emulator, on the store under test. The account
 * sets two test-only credentials: `minReverseDelayMs` (2 s instead of 15 s) and `timeoutMs` (1.5 s, so a
 * hung call is given up quickly).
 */
const MIN_REVERSE_MS = 2000;

/** A QQ payment code: 91 + 16 digits; the last two digits choose the emulated customer's behaviour. */
function qqCode(b: string): string {
  return `91${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
}

/** Today in Beijing (the wallet's bill day). */
function beijingDate(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

describe('QQ Wallet through the gateway', () => {
  let s: TestServer;
  let qq: { url: string; emulator: QqEmulator; app: { close(): Promise<unknown> } };
  let mid: string;
  const merchant = { mchId: '1900005911', apiKey: '8934e7d15453e97507ef794cf7b0519d', opUserId: '1900005911', opUserPassword: 'op-secret-1', name: '示例咖啡 Demo Café' };

  const pay = (amount: number, b: string, channel?: string) => s.terminal('POST', '/v1/payments', {
    outTradeNo: tradeNo('QQ'), amount, currency: 'CNY', method: 'payment_code', authCode: qqCode(b), ...(channel ? { channel } : {}),
  });
  const qr = (amount: number) => s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('QQR'), amount, currency: 'CNY', method: 'dynamic_qr', channel: 'qq' });
  const calls = (no: string, path: string) => qq.emulator.calls.filter((c) => c.outTradeNo === no && c.path === path);
  const fault = (f: Partial<Faults>) => qq.emulator.faults.set(f, merchant.mchId);
  const charged = (no: string) => qq.emulator.chargeSummary().find((c) => c.out_trade_no === no) ?? { charged: 0, returned: 0, times_charged: 0 };
  const adapter = () => new ChannelRegistry(s.rt.channelAccounts, s.rt.config).get(mid, 'qq');

  before(async () => {
    s = await startServer({ qrTtlMs: 5000 });
    mid = s.demo.merchantId;
    qq = await startQqEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'qq-emulator.db'), merchants: [merchant], faults: { userPayingMs: 1000 } });
    const r = await s.signed('PUT', `/v1/merchants/${mid}/channels/qq`, {
      baseUrl: qq.url,
      credentials: {
        mchId: merchant.mchId, apiKey: merchant.apiKey, opUserId: merchant.opUserId, opUserPassword: merchant.opUserPassword,
        minReverseDelayMs: String(MIN_REVERSE_MS), timeoutMs: '1500',
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => {
    await s.close();
    await qq.app.close();
  });

  test('a QQ payment code (91…, 18 digits) is routed to qq and paid at once', async () => {
    const r = await pay(1250, '00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.channel, 'qq');
    assert.equal(r.body.state, 'succeeded');
    assert.equal(r.body.amount, 1250);
    assert.equal(qq.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'SUCCESS');
  });

  test('USERPAYING, then the customer confirms: paid (learnt by querying)', async () => {
    const r = await pay(800, '02');
    assert.ok(!FINAL.has(r.body.state), `still waiting: ${r.body.state}`);
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 800);
    assert.ok(calls(r.body.outTradeNo, QPAY_PATHS.orderQuery).length >= 1);
  });

  test('USERPAYING, then the customer declines (userPayingThen=declined): failed, nothing charged', async () => {
    fault({ userPayingThen: 'declined' });
    try {
      const r = await pay(810, '02');
      const p = await waitFinal(s, r.body.id);
      assert.equal(p.state, 'failed');
      assert.equal(p.failureCode, 'PAYERROR');
      assert.equal(qq.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'PAYERROR');
      assert.equal(charged(r.body.outTradeNo).charged, 0);
    } finally {
      fault({ userPayingThen: 'paid' });
    }
  });

  test('never confirms: reversed with operator credentials, not before the minimum delay, recall=Y retried', async () => {
    const r = await pay(900, '08');
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'reversed');
    const micropay = calls(r.body.outTradeNo, QPAY_PATHS.micropay)[0]!;
    const reverses = calls(r.body.outTradeNo, QPAY_PATHS.reverse);
    assert.ok(reverses.length >= 3, `two recall=Y answers then success: ${reverses.length} calls`);
    assert.deepEqual(reverses.slice(0, 2).map((c) => c.errCode), ['SYSTEMERROR', 'SYSTEMERROR']);
    assert.ok(reverses[0]!.at - micropay.at >= MIN_REVERSE_MS, `first reverse ${reverses[0]!.at - micropay.at} ms after micropay`);
    assert.equal(qq.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'REVOKED');
  });

  test('charged but the reply says SYSTEMERROR: queried and booked once', async () => {
    const r = await pay(700, '04');
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'succeeded');
    assert.ok(calls(r.body.outTradeNo, QPAY_PATHS.orderQuery).length >= 1);
    assert.equal(charged(r.body.outTradeNo).times_charged, 1);
  });

  test('SYSTEMERROR with nothing charged: the unknown trade is reversed, nothing kept', async () => {
    const r = await pay(710, '05');
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'reversed');
    assert.equal(charged(r.body.outTradeNo).charged, 0);
  });

  test('definite declines (NOTENOUGH, AUTHCODEEXPIRE, AUTH_CODE_ERROR) fail without a reverse', async () => {
    for (const [b, code] of [['01', 'NOTENOUGH'], ['06', 'AUTHCODEEXPIRE'], ['09', 'AUTH_CODE_ERROR']] as const) {
      const r = await pay(600, b);
      assert.equal(r.body.state, 'failed', code);
      assert.equal(r.body.failureCode, code);
      assert.equal(calls(r.body.outTradeNo, QPAY_PATHS.reverse).length, 0);
      assert.equal(calls(r.body.outTradeNo, QPAY_PATHS.micropay)[0]!.errCode, code);
    }
  });

  test('dynamic QR (NATIVE): scanned, paid, signed notification acknowledged', async () => {
    const r = await qr(1888);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.qrCode, new RegExp(`^${qq.url}/cashier/[0-9a-f]{24}$`));
    const scan = await fetch(`${qq.url}/emulator/scan`, { method: 'POST', body: JSON.stringify({ code_url: r.body.qrCode }), headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await scan.json(), { ok: true, state: 'SUCCESS' }, 'the customer pays');
    const p = await waitState(s, r.body.id, 'succeeded');
    assert.equal(p.amount, 1888);
    const n = await eventually(async () => qq.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo && x.acked), 'the notification to be acknowledged');
    assert.equal(n.reply, '<xml><return_code>SUCCESS</return_code></xml>');
    const seen = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('channel', '=', 'qq').where('payment_id', '=', r.body.id).execute();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.outcome, 'succeeded');
    assert.equal(qq.emulator.scan(r.body.qrCode).ok, false, 'a paid QR cannot be paid again');
  });

  test('the cashier page: three languages, Pay pays, the outcome is shown', async () => {
    const r = await qr(1234);
    const en = await (await fetch(`${r.body.qrCode}?lang=en`)).text();
    assert.match(en, /Pay ¥12\.34 to 示例咖啡 Demo Café/);
    assert.match(en, /data-testid="pay"/);
    assert.match(en, /data-testid="decline"/);
    assert.match(await (await fetch(r.body.qrCode, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } })).text(), /向 示例咖啡 Demo Café 支付 ¥12\.34/);
    assert.match(await (await fetch(r.body.qrCode, { headers: { 'accept-language': 'zh-TW' } })).text(), /QQ錢包/);
    const action = /formaction="([^"]+)"/.exec(en)![1]!.replace(/&amp;/g, '&');
    const paid = await (await fetch(new URL(action, r.body.qrCode), { method: 'POST' })).text();
    assert.match(paid, /data-testid="outcome" data-outcome="paid"/);
    await waitState(s, r.body.id, 'succeeded');
    assert.match(await (await fetch(`${r.body.qrCode}?lang=en`)).text(), /already paid/);
  });

  test('the cashier page: Decline leaves the order unpaid, and it is closed when it expires', async () => {
    const r = await qr(555);
    const page = await (await fetch(`${r.body.qrCode}?lang=en`)).text();
    const decline = [...page.matchAll(/formaction="([^"]+)"/g)].map((m) => m[1]!).find((a) => a.includes('/decline'))!;
    const out = await (await fetch(new URL(decline.replace(/&amp;/g, '&'), r.body.qrCode), { method: 'POST' })).text();
    assert.match(out, /data-outcome="declined"/);
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'closed');
    assert.equal(charged(r.body.outTradeNo).charged, 0);
  });

  test('an expired QR is closed at QQ and cannot be paid afterwards', async () => {
    const r = await qr(300);
    const p = await waitFinal(s, r.body.id);
    assert.equal(p.state, 'closed');
    assert.equal(qq.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'CLOSED');
    assert.ok(calls(r.body.outTradeNo, QPAY_PATHS.closeOrder).length >= 1);
    assert.equal(qq.emulator.scan(r.body.qrCode).ok, false);
  });

  test('a forged notification is refused with the FAIL XML and changes nothing', async () => {
    const r = await qr(420);
    const params: Params = {
      mch_id: merchant.mchId, nonce_str: nonceStr(), trade_state: 'SUCCESS', trade_type: 'NATIVE', total_fee: '420',
      transaction_id: '1900005911202611250000000001', out_trade_no: r.body.outTradeNo, time_end: '20261125120000',
    };
    params.sign = sign(params, 'ffffffffffffffffffffffffffffffff');
    const res = await s.raw('POST', `/v1/channels/qq/notify/${mid}`, { body: buildXml(params), headers: { 'content-type': 'text/xml' } });
    assert.equal(parseXml(res.text).return_code, 'FAIL');
    const garbage = await s.raw('POST', `/v1/channels/qq/notify/${mid}`, { body: '<xml><trade_state>SUCCESS', headers: { 'content-type': 'text/xml' } });
    assert.equal(parseXml(garbage.text).return_code, 'FAIL');
    assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
    assert.equal(qq.emulator.trade(merchant.mchId, r.body.outTradeNo)!.state, 'NOTPAY');
    assert.equal((await waitFinal(s, r.body.id)).state, 'closed');
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
    assert.equal((await s.signed('POST', `/v1/payments/${p.id}/refunds`, { amount: 1 })).status, 409);
    const c = charged(p.outTradeNo);
    assert.deepEqual({ charged: c.charged, returned: c.returned, times: c.times_charged }, { charged: 1000, returned: 1000, times: 1 });
    assert.equal(qq.emulator.trade(merchant.mchId, p.outTradeNo)!.state, 'REFUND');
  });

  describe('faults', () => {
    test('latency: slow answers still pay', async () => {
      fault({ latencyMs: 300 });
      try {
        const r = await pay(1010, '00');
        assert.equal((await waitFinal(s, r.body.id)).state, 'succeeded');
      } finally {
        fault({ latencyMs: 0 });
      }
    });

    test('hang: micropay never answered (nothing done), so the trade is reversed and nothing kept', async () => {
      fault({ hangNext: 1 });
      const r = await pay(1020, '00');
      assert.notEqual(r.body.state, 'succeeded');
      const p = await waitFinal(s, r.body.id, 30_000);
      assert.equal(p.state, 'reversed');
      assert.equal(charged(r.body.outTradeNo).charged, 0);
    });

    test('system error: SYSTEMERROR before anything is done, the trade is reversed, nothing kept', async () => {
      fault({ systemErrorNext: 1 });
      const r = await pay(1030, '00');
      const p = await waitFinal(s, r.body.id, 30_000);
      assert.equal(p.state, 'reversed');
      assert.equal(calls(r.body.outTradeNo, QPAY_PATHS.micropay)[0]!.errCode, 'SYSTEMERROR');
      assert.equal(charged(r.body.outTradeNo).charged, 0);
    });

    test('lost reply after charging: queried, booked once', async () => {
      fault({ lostReplyNext: 1 });
      const r = await pay(1040, '00');
      const p = await waitFinal(s, r.body.id);
      assert.equal(p.state, 'succeeded');
      assert.equal(charged(r.body.outTradeNo).times_charged, 1);
    });

    test('an undocumented result code is unknown, never success: queried, then booked', async () => {
      fault({ unknownResultNext: 1 });
      const r = await pay(1050, '00');
      assert.notEqual(r.body.state, 'succeeded');
      assert.equal(calls(r.body.outTradeNo, QPAY_PATHS.micropay)[0]!.errCode, 'QPAY_UNDOCUMENTED_66229999');
      const p = await waitFinal(s, r.body.id);
      assert.equal(p.state, 'succeeded');
      assert.equal(charged(r.body.outTradeNo).times_charged, 1);
    });

    test('bad signature on replies: a success that does not verify is not success', async () => {
      fault({ badSignature: true });
      let r;
      try {
        r = await pay(1060, '00');
        assert.notEqual(r.body.state, 'succeeded');
      } finally {
        fault({ badSignature: false });
      }
      assert.equal((await waitFinal(s, r.body.id, 30_000)).state, 'succeeded');
    });

    test('bad signature on notifications: refused until QQ signs properly', async () => {
      const r = await qr(1070);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      fault({ badSignature: true });
      try {
        assert.deepEqual(qq.emulator.scan(r.body.qrCode), { ok: true, state: 'SUCCESS' });
        await eventually(async () => qq.emulator.notifications.find((x) => x.outTradeNo === r.body.outTradeNo && !x.acked), 'a refused notification');
        assert.notEqual((await getPayment(s, r.body.id)).state, 'succeeded');
      } finally {
        fault({ badSignature: false });
      }
      assert.equal((await waitState(s, r.body.id, 'succeeded')).amount, 1070);
    });

    test('duplicate and out-of-order notifications change nothing', async () => {
      fault({ duplicateNotify: true, outOfOrderNotify: true });
      try {
        const r = await qr(1080);
        assert.deepEqual(qq.emulator.scan(r.body.qrCode), { ok: true, state: 'SUCCESS' });
        await waitState(s, r.body.id, 'succeeded');
        await eventually(async () => {
          const mine = qq.emulator.notifications.filter((x) => x.outTradeNo === r.body.outTradeNo && x.acked);
          return mine.filter((x) => x.tradeState === 'SUCCESS').length >= 2 && mine.some((x) => x.tradeState === 'NOTPAY');
        }, 'two SUCCESS and one stale NOTPAY notification delivered');
        const p = await getPayment(s, r.body.id);
        assert.equal(p.state, 'succeeded');
        const seen = await s.rt.store.db.selectFrom('channel_notifications').selectAll().where('channel', '=', 'qq').where('payment_id', '=', r.body.id).execute();
        assert.ok(seen.filter((x) => x.outcome === 'succeeded').length <= 1, 'the duplicate is recorded once');
        assert.equal(charged(r.body.outTradeNo).times_charged, 1);
      } finally {
        fault({ duplicateNotify: false, outOfOrderNotify: false });
      }
    });

    test('bill anomalies are visible in the statement', async () => {
      const ch = await adapter();
      const date = beijingDate();
      const payments = await s.rt.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', mid).where('channel', '=', 'qq').execute();
      const byNo = new Map(payments.map((p) => [p.out_trade_no, p]));
      const clean = await ch.statement!({ date });
      const paymentLines = clean.filter((l) => l.kind === 'payment');
      assert.ok(paymentLines.length >= 5);
      for (const l of paymentLines) assert.equal(l.amount, byNo.get(l.outTradeNo)?.amount, `${l.outTradeNo} agrees with our books`);
      assert.ok(clean.some((l) => l.kind === 'refund' && l.outRefundNo), 'refunds are on the bill');
      try {
        fault({ billAnomaly: 'missing' });
        assert.equal((await ch.statement!({ date })).length, clean.length - 1);
        fault({ billAnomaly: 'extra' });
        const extra = (await ch.statement!({ date })).filter((l) => !byNo.has(l.outTradeNo));
        assert.equal(extra.length, 1, 'one trade we never took');
        fault({ billAnomaly: 'amount' });
        const wrong = (await ch.statement!({ date })).filter((l) => l.kind === 'payment' && l.amount !== byNo.get(l.outTradeNo)?.amount);
        assert.equal(wrong.length, 1, 'one amount disagrees');
        fault({ billAnomaly: 'truncated' });
        await assert.rejects(ch.statement!({ date }), /truncated|columns|summary/);
      } finally {
        fault({ billAnomaly: 'none' });
      }
    });
  });

  test('nothing was charged twice, and the books agree with QQ\'s', async () => {
    const rows = qq.emulator.chargeSummary();
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
