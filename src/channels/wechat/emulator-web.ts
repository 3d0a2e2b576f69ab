import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WechatEmulator, WechatMerchant } from './emulator.ts';
import { sign, type SignType } from './sign.ts';
import { jsapiMessage, rsaVerify } from './v3.ts';
import { cashierLocale, cashierPage, outcomePage, type CashierWallet } from '../cashier-page.ts';

/**
 * The customer's side of WeChat in a browser: the 公众号 OAuth (`/connect/oauth2/authorize` → code,
 * `/sns/oauth2/access_token` → openid), the `WeixinJSBridge` the WeChat app injects into its in-app browser
 * (served as `/emulator/jsbridge.js`; `getBrandWCPayRequest` pays through `/emulator/jsapi/pay`), and a
 * cashier page for NATIVE codes (`/cashier/<token>`, the token being code_url's `pr`).
 */
const WECHAT: CashierWallet = { name: { 'zh-Hans': '微信支付', 'zh-Hant': '微信支付', en: 'WeChat Pay' }, verb: { 'zh-Hans': '支付' }, home: 'zh-Hans' };

/** The customer a code stands for: stable per app id, as WeChat's openid is per 公众号. */
export function emulatedOpenid(appId: string): string {
  return `oEmu${createHash('sha256').update(appId).digest('base64url').slice(0, 24)}`;
}

function merchantByApp(emu: WechatEmulator, appId: string | undefined): WechatMerchant | undefined {
  for (const m of emu.merchants.values()) if (m.appId === appId) return m;
  return undefined;
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Checks a `getBrandWCPayRequest` parameter set the way WeChat's client does, then charges. */
export function jsapiPay(emu: WechatEmulator, p: Record<string, unknown>): { err_msg: string; err_desc?: string } {
  const FAIL = (desc: string) => ({ err_msg: 'get_brand_wcpay_request:fail', err_desc: desc });
  const str = (k: string) => (typeof p[k] === 'string' ? p[k] as string : '');
  const pkg = /^prepay_id=(.+)$/.exec(str('package'));
  if (!pkg) return FAIL('package 格式错误');
  const t = emu.tradeBy('prepay_id', pkg[1]!);
  if (!t || t.trade_type !== 'JSAPI') return FAIL('prepay_id 无效');
  const m = emu.merchants.get(t.mch_id)!;
  if (str('appId') !== t.appid) return FAIL('appId 与下单不一致');
  const signType = str('signType');
  let ok = false;
  if (signType === 'RSA') {
    ok = m.v3 !== undefined && rsaVerify(jsapiMessage(str('appId'), str('timeStamp'), str('nonceStr'), str('package')), str('paySign'), m.v3.merchantPublicKey);
  } else if (signType === 'MD5' || signType === 'HMAC-SHA256') {
    const want = sign({ appId: str('appId'), nonceStr: str('nonceStr'), package: str('package'), signType, timeStamp: str('timeStamp') }, m.apiKey, signType as SignType);
    ok = same(want, str('paySign'));
  }
  if (!ok) return FAIL('支付验证签名失败');
  if (t.state === 'SUCCESS' || t.state === 'REFUND') return FAIL('该订单已支付');
  if (t.state !== 'NOTPAY') return FAIL('订单已关闭');
  if (t.expires_at && Date.parse(t.expires_at) <= Date.now()) return FAIL('订单已过期');
  const action = str('emulatorAction');
  if (action === 'cancel') return { err_msg: 'get_brand_wcpay_request:cancel' };
  if (action === 'fail') return FAIL('用户支付失败');
  emu.markPaid(t);
  return { err_msg: 'get_brand_wcpay_request:ok' };
}

/** What the WeChat app injects: `WeixinJSBridge.invoke('getBrandWCPayRequest', params, cb)`. */
function jsbridgeScript(base: string): string {
  return `(function () {
  var base = ${JSON.stringify(base)};
  function invoke(name, params, cb) {
    cb = cb || function () {};
    if (name !== 'getBrandWCPayRequest') { cb({ err_msg: name + ':fail', err_desc: 'not emulated' }); return; }
    var body = Object.assign({}, params || {});
    if (window.WEIXIN_EMULATOR_ACTION) body.emulatorAction = window.WEIXIN_EMULATOR_ACTION;
    fetch(base + '/emulator/jsapi/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); })
      .then(function (res) { cb(res); }, function () { cb({ err_msg: 'get_brand_wcpay_request:fail', err_desc: 'network' }); });
  }
  window.WeixinJSBridge = { invoke: invoke, on: function () {}, call: function () {} };
  var ev; try { ev = new Event('WeixinJSBridgeReady'); } catch (e) { ev = document.createEvent('Event'); ev.initEvent('WeixinJSBridgeReady', true, true); }
  document.dispatchEvent(ev);
})();
`;
}

export function webRoutes(app: FastifyInstance, emu: WechatEmulator): void {
  const base = (req: FastifyRequest) => emu.publicUrl ?? `${req.protocol}://${req.headers.host}`;

  app.get('/connect/oauth2/authorize', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const m = merchantByApp(emu, q.appid);
    if (!m || q.response_type !== 'code' || (q.scope !== 'snsapi_base' && q.scope !== 'snsapi_userinfo') || !q.redirect_uri || !/^https?:\/\//.test(q.redirect_uri)) {
      return reply.code(400).type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><p>参数错误（appid、redirect_uri、response_type=code、scope）</p>');
    }
    const code = randomBytes(16).toString('hex');
    emu.oauthCodes.set(code, { appId: m.appId, openid: emulatedOpenid(m.appId), used: false });
    const target = new URL(q.redirect_uri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', q.state ?? '');
    return reply.redirect(target.toString(), 302);
  });

  app.get('/sns/oauth2/access_token', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const m = merchantByApp(emu, q.appid);
    if (!m) return { errcode: 40013, errmsg: 'invalid appid' };
    if (!m.appSecret || !q.secret || !same(q.secret, m.appSecret)) return { errcode: 40125, errmsg: 'invalid appsecret' };
    if (q.grant_type !== 'authorization_code') return { errcode: 40002, errmsg: 'invalid grant_type' };
    const c = q.code ? emu.oauthCodes.get(q.code) : undefined;
    if (!c || c.appId !== m.appId) return { errcode: 40029, errmsg: 'invalid code' };
    if (c.used) return { errcode: 40163, errmsg: 'code been used' };
    c.used = true;
    return { access_token: randomBytes(24).toString('base64url'), expires_in: 7200, refresh_token: randomBytes(24).toString('base64url'), openid: c.openid, scope: 'snsapi_base' };
  });

  app.get('/emulator/jsbridge.js', async (req, reply) => reply.type('application/javascript; charset=utf-8').send(jsbridgeScript(base(req))));

  // The bridge runs on the stand's page (another origin): the WeChat app's native bridge has no such limit,
  // so the emulator's stand-in answers any origin.
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type' };
  app.options('/emulator/jsapi/pay', async (_req, reply) => reply.code(204).headers(cors).send());
  app.post('/emulator/jsapi/pay', async (req, reply) => {
    let body: Record<string, unknown> = {};
    try {
      const v = typeof req.body === 'string' ? JSON.parse(req.body) as unknown : req.body;
      if (v && typeof v === 'object' && !Array.isArray(v)) body = v as Record<string, unknown>;
    } catch { /* an empty parameter set fails below */ }
    return reply.headers(cors).send(jsapiPay(emu, body));
  });

  app.get('/cashier/:token', async (req, reply) => {
    const locale = cashierLocale(WECHAT, (req.query as { lang?: string }).lang, req.headers['accept-language']);
    const token = (req.params as { token: string }).token;
    const row = emu.tradeBy('code_token', token);
    reply.type('text/html; charset=utf-8');
    if (!row) return reply.code(404).send(outcomePage({ wallet: WECHAT, locale, outcome: 'not_found' }));
    // The buttons post to /cashier/<token>/<action>, which answers payToken's JSON: `ok` when paid, and this
    // message when the customer declined an order that could still be paid.
    const to = (action: string) => `${encodeURIComponent(token)}/${action}`;
    return cashierPage({
      wallet: WECHAT, locale, amount: { minor: row.amount, currency: 'CNY' }, merchant: row.description || row.mch_id,
      form: { target: { pay: to('pay'), decline: to('decline') }, json: { paid: { ok: true }, declined: { message: 'the customer cancelled' } } },
    });
  });
  app.post('/cashier/:token/:action', async (req) => {
    const { token, action } = req.params as { token: string; action: string };
    return emu.payToken(token, action === 'decline' ? 'decline' : 'pay');
  });
}
