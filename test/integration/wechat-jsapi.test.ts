import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { eventually, freePort } from '../helpers/server.ts';
import { startWechatEmulator, type WechatEmulator } from '../../src/channels/wechat/emulator.ts';
import { WechatChannel, wechatAccountFrom } from '../../src/channels/wechat/adapter.ts';
import { ChannelNotificationError, type Notification } from '../../src/channels/channel.ts';
import { CREATED_AT, tradeRef } from '../unit/helpers.ts';

/**
 * JSAPI for the one-code stand, adapter + emulator: the 公众号 OAuth redirect (code → openid), the JSAPI
 * order (v3 with an RSA paySign; v2-only accounts: unifiedorder JSAPI with an MD5/HMAC paySign), the
 * WeixinJSBridge script the emulator serves run as the WeChat app would run it, and the notification
 * checked by the adapter. HTTP calls stand in for the browser; the stand's own browser test is elsewhere.
 */
describe('WeChat JSAPI: OAuth, in-app order, WeixinJSBridge, notification', () => {
  let wx: { url: string; emulator: WechatEmulator; app: { close(): Promise<unknown> } };
  let receiver: Server;
  let notifyBase = '';
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const v3m = {
    mchId: '1230000200', appId: 'wx8888888888888888', apiKey: randomBytes(16).toString('hex'), appSecret: randomBytes(16).toString('hex'),
    v3: { apiV3Key: randomBytes(16).toString('hex'), merchantPublicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), merchantSerial: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C' },
  };
  const v2m = { mchId: '1230000300', appId: 'wx7777777777777777', apiKey: randomBytes(16).toString('hex'), appSecret: randomBytes(16).toString('hex') };
  const channels: Record<string, WechatChannel> = {};
  const received: Array<{ who: string; notification?: Notification; refused?: string }> = [];

  before(async () => {
    wx = await startWechatEmulator({ port: await freePort(), dbPath: ':memory:', merchants: [v3m, v2m] });
    const config = { queryIntervalMs: 200, payCodeGiveUpMs: 3000 };
    channels.v3 = new WechatChannel(wechatAccountFrom({ baseUrl: wx.url, credentials: {
      appId: v3m.appId, mchId: v3m.mchId, apiKey: v3m.apiKey, appSecret: v3m.appSecret, apiV3Key: v3m.v3.apiV3Key,
      merchantPrivateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), merchantSerialNo: v3m.v3.merchantSerial,
      wechatpayPublicKey: wx.emulator.platform.publicKeyPem, wechatpayPublicKeyId: wx.emulator.platform.id,
    } }, config));
    channels.v2 = new WechatChannel(wechatAccountFrom({ baseUrl: wx.url, credentials: { appId: v2m.appId, mchId: v2m.mchId, apiKey: v2m.apiKey, appSecret: v2m.appSecret, signType: 'HMAC-SHA256' } }, config));
    // Stands in for the gateway's notify route: the adapter checks the notification and writes the ack.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const who = req.url!.split('/').pop()!;
        const ch = channels[who]!;
        try {
          received.push({ who, notification: ch.parseNotification({ headers: req.headers, body }) });
          const ack = ch.notificationAck(true);
          res.writeHead(ack.status, { 'content-type': ack.contentType }).end(ack.body);
        } catch (e) {
          if (!(e instanceof ChannelNotificationError)) throw e;
          received.push({ who, refused: e.message });
          res.writeHead(e.reply.status, { 'content-type': e.reply.contentType }).end(e.reply.body);
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    notifyBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  });
  after(async () => {
    await wx.app.close();
    await new Promise((r) => receiver.close(r));
  });

  /** The browser following the OAuth redirect: the emulator answers 302 back to the stand with code and state. */
  async function authorize(ch: WechatChannel, state: string): Promise<{ code: string; state: string; url: string }> {
    const url = ch.payerAuth!.authorizeUrl({ redirectUri: 'https://stand.example.com/s/STORE1?x=1', state });
    const res = await fetch(url.replace(/#wechat_redirect$/, ''), { redirect: 'manual' });
    assert.equal(res.status, 302);
    const back = new URL(res.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, 'https://stand.example.com/s/STORE1');
    assert.equal(back.searchParams.get('x'), '1');
    return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')!, url };
  }

  /** Runs the emulator's jsbridge.js the way the WeChat in-app browser provides WeixinJSBridge, and pays. */
  async function bridgePay(params: Record<string, string>, action?: 'cancel' | 'fail'): Promise<{ err_msg: string }> {
    const script = await (await fetch(`${wx.url}/emulator/jsbridge.js`)).text();
    const events: string[] = [];
    const sandbox: Record<string, unknown> = {
      fetch, Event: class { constructor(readonly type: string) {} }, Object,
      document: { dispatchEvent: (e: { type: string }) => events.push(e.type) },
    };
    sandbox.window = sandbox;
    if (action) sandbox.WEIXIN_EMULATOR_ACTION = action;
    runInNewContext(script, sandbox);
    assert.deepEqual(events, ['WeixinJSBridgeReady']);
    const bridge = sandbox.WeixinJSBridge as { invoke(name: string, p: Record<string, string>, cb: (r: { err_msg: string }) => void): void };
    return new Promise((resolve) => bridge.invoke('getBrandWCPayRequest', params, resolve));
  }

  test('OAuth: authorize URL, redirect with code and state, code → openid once; a wrong secret is refused', async () => {
    const { code, state, url } = await authorize(channels.v3!, 'st-123');
    assert.match(url, new RegExp(`^${wx.url}/connect/oauth2/authorize\\?appid=${v3m.appId}&redirect_uri=https%3A%2F%2Fstand\\.example\\.com%2Fs%2FSTORE1%3Fx%3D1&response_type=code&scope=snsapi_base&state=st-123#wechat_redirect$`));
    assert.equal(state, 'st-123');
    const openid = await channels.v3!.payerAuth!.payerFromCode(code);
    assert.match(openid, /^oEmu/);
    await assert.rejects(channels.v3!.payerAuth!.payerFromCode(code), /40163/, 'a code is single use');
    const wrong = new WechatChannel(wechatAccountFrom({ baseUrl: wx.url, credentials: { appId: v3m.appId, mchId: v3m.mchId, apiKey: v3m.apiKey, appSecret: 'not-the-secret' } }, { queryIntervalMs: 200, payCodeGiveUpMs: 3000 }));
    const again = await authorize(wrong, 's');
    await assert.rejects(wrong.payerAuth!.payerFromCode(again.code), /40125/);
    const noSecret = new WechatChannel(wechatAccountFrom({ baseUrl: null, credentials: { appId: v3m.appId, mchId: v3m.mchId, apiKey: v3m.apiKey } }, { queryIntervalMs: 200, payCodeGiveUpMs: 3000 }));
    assert.equal(noSecret.payerAuth, undefined, 'no AppSecret, no OAuth');
    const real = new WechatChannel(wechatAccountFrom({ baseUrl: null, credentials: { appId: v3m.appId, mchId: v3m.mchId, apiKey: v3m.apiKey, appSecret: 'x' } }, { queryIntervalMs: 200, payCodeGiveUpMs: 3000 }));
    assert.match(real.payerAuth!.authorizeUrl({ redirectUri: 'https://a.b/c', state: 's' }), /^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?appid=/);
  });

  for (const api of ['v3', 'v2'] as const) {
    test(`${api} JSAPI: order with payer.openid, WeixinJSBridge pays, the notification verifies, query agrees, charged once`, async () => {
      const ch = channels[api]!;
      const mch = api === 'v3' ? v3m.mchId : v2m.mchId;
      const openid = await ch.payerAuth!.payerFromCode((await authorize(ch, 'st')).code);
      const outTradeNo = `JS${api}${Date.now()}`;
      const r = await ch.createInAppPayment({ outTradeNo, createdAt: CREATED_AT, amount: { minor: 990, currency: 'CNY' }, subject: 'Noodles', expiresAt: new Date(Date.now() + 300_000), notifyUrl: `${notifyBase}/${api}`, payerId: openid });
      assert.equal(r.status, 'waiting_customer', JSON.stringify(r));
      const pay = (r as { pay: { kind: string; params: Record<string, string> } }).pay;
      assert.equal(pay.kind, 'wechat_jsapi');
      assert.deepEqual(Object.keys(pay.params).sort(), ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
      assert.equal(pay.params.signType, api === 'v3' ? 'RSA' : 'HMAC-SHA256');
      assert.match(pay.params.package!, /^prepay_id=wx/);
      assert.equal(wx.emulator.trade(mch, outTradeNo)!.openid, openid);
      assert.equal(wx.emulator.trade(mch, outTradeNo)!.api, api);

      const tampered = await bridgePay({ ...pay.params, timeStamp: String(Number(pay.params.timeStamp) + 1) });
      assert.equal(tampered.err_msg, 'get_brand_wcpay_request:fail');
      assert.equal((await bridgePay(pay.params, 'cancel')).err_msg, 'get_brand_wcpay_request:cancel');
      assert.equal(wx.emulator.trade(mch, outTradeNo)!.state, 'NOTPAY', 'a cancelled or forged request charges nothing');

      const preflight = await fetch(`${wx.url}/emulator/jsapi/pay`, { method: 'OPTIONS', headers: { origin: 'https://stand.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*', 'the bridge may be called from the stand\'s origin');
      assert.equal((await bridgePay(pay.params)).err_msg, 'get_brand_wcpay_request:ok');
      assert.equal((await bridgePay(pay.params)).err_msg, 'get_brand_wcpay_request:fail', 'a paid order cannot be paid again');
      const n = await eventually(async () => received.find((x) => x.who === api && x.notification?.outTradeNo === outTradeNo), 'the notification');
      const tn = n.notification!;
      assert.ok(tn.kind !== 'refund', 'a trade notification');
      assert.deepEqual({ status: tn.result.status, amount: (tn.result as { amount: number }).amount }, { status: 'succeeded', amount: 990 });
      const acked = await eventually(async () => wx.emulator.notifications.find((x) => x.outTradeNo === outTradeNo && x.acked), 'the ack');
      assert.equal(acked.api, api);
      const q = await ch.query(tradeRef(outTradeNo));
      assert.equal(q.status, 'succeeded');
      const c = wx.emulator.chargeSummary().find((x) => x.mch_id === mch && x.out_trade_no === outTradeNo)!;
      assert.deepEqual({ charged: c.charged, times: c.times_charged }, { charged: 990, times: 1 });
    });
  }

  test('the cashier page for a NATIVE code: zh-Hans, zh-Hant and English, Pay pays once', async () => {
    const ch = channels.v3!;
    const outTradeNo = `CASH${Date.now()}`;
    const r = await ch.createDynamicQr({ outTradeNo, createdAt: CREATED_AT, amount: { minor: 1234, currency: 'CNY' }, subject: 'Tea House', expiresAt: new Date(Date.now() + 300_000), notifyUrl: `${notifyBase}/v3` });
    assert.equal(r.status, 'waiting_customer');
    const token = /pr=([0-9a-f]+)$/.exec((r as { qrCode: string }).qrCode)![1]!;
    assert.equal(wx.emulator.cashierUrl((r as { qrCode: string }).qrCode), `${wx.url}/cashier/${token}`);
    const page = async (lang: string) => (await fetch(`${wx.url}/cashier/${token}?lang=${lang}`)).text();
    assert.match(await page('en'), /Pay ¥12\.34 to Tea House/);
    assert.match(await page('zh-Hans'), /向 Tea House 支付 ¥12\.34/);
    assert.match(await page('zh-Hant'), /向 Tea House 付款 ¥12\.34.*data-testid="pay"/s);
    const declined = await (await fetch(`${wx.url}/cashier/${token}/decline`, { method: "POST" })).json() as { ok: boolean };
    assert.equal(declined.ok, false);
    const paid = await (await fetch(`${wx.url}/cashier/${token}/pay`, { method: "POST" })).json() as { ok: boolean };
    assert.equal(paid.ok, true);
    assert.equal(((await (await fetch(`${wx.url}/cashier/${token}/pay`, { method: "POST" })).json()) as { ok: boolean }).ok, false);
    assert.equal((await ch.query(tradeRef(outTradeNo))).status, 'succeeded');
  });
});
