import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { eventually, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { startWechatEmulator } from '../../src/channels/wechat/emulator.ts';
import { charges, scan, waitState } from '../helpers/flows.ts';
import { watchTerminal } from '../browser/terminal-feed.ts';

/**
 * The one-code stand over HTTP, without a browser: the admin API, the public pages' answers, and a
 * sandbox payment end to end (the page's POST, the wallet's cashier, the POS's live stream).
 */
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40(0x1800282a) NetType/WIFI Language/zh_CN';
const key = () => randomBytes(12).toString('hex');

describe('one-code stand', () => {
  let s: TestServer;
  let stand: { id: string; code: string; url: string; storeId: string; terminalId: string; enabled: boolean };

  const page = (path: string, ua = BROWSER_UA, lang = 'zh-CN') => s.raw('GET', path, { headers: { 'user-agent': ua, 'accept-language': lang, accept: 'text/html' } });
  const pay = (code: string, body: Record<string, unknown>) => s.raw('POST', `/s/${code}/pay`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  before(async () => {
    // A public URL this machine cannot reach: stand URLs follow it; the sandbox wallet is reached directly.
    s = await startServer({ publicUrl: 'https://pay.example.test', qrTtlMs: 4000, standPaysPerMinute: 40 });
    const acct = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/channels/sandbox`, { baseUrl: `${s.url}/sandbox/wallet` });
    assert.equal(acct.status, 200, JSON.stringify(acct.body));
    const r = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId, name: '前台 Front' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    stand = r.body;
  });
  after(async () => s.close());

  test('a stand has a short unguessable code and a URL under SAOMA_PUBLIC_URL; it is listed', async () => {
    assert.match(stand.code, /^[0-9a-z]{12}$/);
    assert.equal(stand.url, `https://pay.example.test/s/${stand.code}`);
    assert.equal(stand.storeId, s.demo.storeId);
    const list = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/stands`);
    assert.ok(list.body.data.some((x: { id: string }) => x.id === stand.id));
    const other = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId });
    assert.notEqual(other.body.code, stand.code);
  });

  test('only admins create stands; a terminal cannot, another merchant cannot see them', async () => {
    const t = await s.terminal('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId });
    assert.equal(t.status, 403);
    const bad = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: 'term_nope' });
    assert.equal(bad.status, 404);
    const m2 = await s.signed('POST', '/v1/merchants', { name: 'Other' }, { key: s.demo.platformKey });
    const k2 = await s.signed('POST', `/v1/merchants/${m2.body.id}/api-keys`, undefined, { key: s.demo.platformKey });
    const peek = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/stands`, undefined, { key: k2.body });
    assert.equal(peek.status, 404);
  });

  test('the print page carries the QR of the stand URL and the trilingual call to action', async () => {
    const r = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/stands/${stand.id}/print`);
    assert.equal(r.status, 200);
    const text = String(r.body);
    assert.match(text, /<svg/);
    assert.ok(text.includes('扫码付款 · 掃碼付款 · Scan to pay'));
    assert.ok(text.includes(stand.url));
    const svg = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/stands/${stand.id}/print?format=svg`);
    assert.match(String(svg.body), /^<svg/);
    // A terminal may read (and so print) its merchant's stands, but not make them.
    assert.equal((await s.terminal('GET', `/v1/merchants/${s.demo.merchantId}/stands/${stand.id}/print?format=svg`)).status, 200);
  });

  test('an unknown code or any other path under /s/ is a friendly trilingual page, not a JSON error', async () => {
    for (const path of ['/s/zzzzzzzzzzzz', '/s/%2e%2e%2fetc', '/s/ZZZZZZZZZZZZ', '/s/abc%00', '/s/abc/def/ghi', `/s/${stand.code}/p/pay_nope`]) {
      const r = await page(path);
      assert.equal(r.status, 404, path);
      assert.match(r.text, /找不到这个收款码/, path);
      assert.match(r.text, /not in use/, path);
      assert.doesNotMatch(r.text, /at .*\.ts:\d+/, path);
    }
  });

  test('an unknown app gets the amount page with a wallet picker in its language', async () => {
    const zh = await page(`/s/${stand.code}`);
    assert.equal(zh.status, 200);
    assert.match(zh.text, /data-testid="picker"/);
    assert.match(zh.text, /data-testid="wallet-sandbox"/);
    assert.match(zh.text, /付款给 夜市小吃/);
    const hant = await page(`/s/${stand.code}`, BROWSER_UA, 'zh-TW');
    assert.match(hant.text, /付款給/);
    const en = await page(`/s/${stand.code}`, BROWSER_UA, 'en-GB');
    assert.match(en.text, /Choose how to pay/);
  });

  test('WeChat opening a stand whose merchant has no WeChat account: a notice and the picker, never an error', async () => {
    const r = await page(`/s/${stand.code}`, WECHAT_UA);
    assert.equal(r.status, 200);
    assert.match(r.text, /data-testid="notice"/);
    assert.match(r.text, /本店暂不支持微信支付/);
    assert.match(r.text, /data-testid="wallet-sandbox"/);
  });

  test('amounts are validated exactly; wallets not offered are refused', async () => {
    for (const amount of ['0', '0.00', '-1', '1.234', '1e3', 'abc', '12,50', ' ']) {
      const r = await pay(stand.code, { amount, wallet: 'sandbox', key: key() });
      assert.equal(r.status, 400, `${amount}: ${r.text}`);
    }
    const r = await pay(stand.code, { amount: '1.00', wallet: 'alipay', key: key() });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'channel_not_offered');
    const odd = await pay(stand.code, { amount: '1.00', wallet: 'sandbox', key: 'short' });
    assert.equal(odd.status, 400);
  });

  test('a double tap is one payment; the same key with another amount is refused', async () => {
    const k = key();
    const [a, b] = await Promise.all([pay(stand.code, { amount: '3.30', wallet: 'sandbox', key: k }), pay(stand.code, { amount: '3.30', wallet: 'sandbox', key: k })]);
    const ok = [a, b].filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, `${a.text} / ${b.text}`);
    for (const r of [a, b]) if (r.status !== 200) assert.equal(r.body.error.code, 'idempotency_in_progress');
    const again = await pay(stand.code, { amount: '3.30', wallet: 'sandbox', key: k });
    assert.equal(again.body.paymentId, ok[0]!.body.paymentId);
    const other = await pay(stand.code, { amount: '4.40', wallet: 'sandbox', key: k });
    assert.equal(other.status, 409);
    const rows = await s.rt.store.db.selectFrom('stand_payments').selectAll().where('client_key', '=', k).execute();
    assert.equal(rows.length, 1);
  });

  test('paid in the sandbox wallet: on the stand\'s store and terminal, live on the terminal stream, shown paid', async () => {
    const feed = watchTerminal(s.url, s.demo.terminalId, s.demo.terminalToken);
    await feed.ready;
    try {
      const r = await pay(stand.code, { amount: '12.34', wallet: 'sandbox', key: key() });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.pay.kind, 'redirect');
      assert.equal(r.body.state, 'waiting_customer');
      const before = await s.raw('GET', `/s/${stand.code}/p/${r.body.paymentId}/status`);
      assert.equal(before.body.paid, false);
      const cashier = await s.raw('GET', new URL(r.body.pay.url).pathname, { headers: { accept: 'text/html', 'accept-language': 'en' } });
      assert.match(cashier.text, /data-testid="pay"/);
      assert.equal((await scan(s, r.body.pay.url)).code, 'SUCCESS');
      const p = await waitState(s, r.body.paymentId, 'succeeded');
      assert.equal(p.method, 'in_app');
      assert.equal(p.amount, 1234);
      assert.equal(p.storeId, s.demo.storeId);
      assert.equal(p.terminalId, s.demo.terminalId);
      assert.equal(charges(s, p.outTradeNo).times_charged, 1);
      await eventually(async () => feed.events.some((e) => e.id === p.id && e.state === 'succeeded'), 'the stand payment on the terminal stream');
      const status = await s.raw('GET', `/s/${stand.code}/p/${p.id}/status`);
      assert.equal(status.body.paid, true);
      const result = await page(`/s/${stand.code}/p/${p.id}`);
      assert.match(result.text, /data-state="succeeded"/);
    } finally {
      feed.close();
    }
  });

  test('a terminal cannot watch another terminal', async () => {
    const t2 = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'Counter 2' });
    const r = await s.terminal('GET', `/v1/terminals/${t2.body.id}/stream`);
    assert.equal(r.status, 403);
  });

  test('an unpaid stand order expires and is closed at the wallet', async () => {
    const r = await pay(stand.code, { amount: '2.00', wallet: 'sandbox', key: key() });
    assert.equal(r.status, 200, r.text);
    const p = await waitState(s, r.body.paymentId, 'closed', 30_000);
    assert.equal(p.method, 'in_app');
  });

  test('one device starting order after order on one stand is slowed down, with a message it can read', async () => {
    const r = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId });
    const answers = [];
    for (let i = 0; i < 41; i++) answers.push(await pay(r.body.code, { amount: 'x', wallet: 'sandbox', key: key() }));
    assert.deepEqual(answers.slice(0, 40).map((a) => a.status), Array(40).fill(400), 'the first 40 are answered on their merits');
    const limited = answers[40]!;
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.match(limited.body.error.message, /wait \d+ s/);
    const zh = await s.raw('POST', `/s/${r.body.code}/pay`, { body: JSON.stringify({ amount: '1.00', wallet: 'sandbox', key: key() }), headers: { 'content-type': 'application/json', 'accept-language': 'zh-TW' } });
    assert.equal(zh.status, 429);
    assert.match(zh.body.error.message, /頻繁/);
    // Another stand, and the stand's own pages, are not affected.
    assert.equal((await pay(stand.code, { amount: 'x', wallet: 'sandbox', key: key() })).status, 400);
    assert.equal((await page(`/s/${r.body.code}`)).status, 200);
    const rows = await s.rt.store.db.selectFrom('stand_payments').selectAll().where('stand_id', '=', r.body.id).execute();
    assert.equal(rows.length, 0, 'nothing was created');
  });

  test('a disabled stand stops taking payments and its page says so', async () => {
    const r = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId });
    const off = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands/${r.body.id}/disable`);
    assert.equal(off.body.enabled, false);
    assert.equal((await page(`/s/${r.body.code}`)).status, 404);
    assert.equal((await pay(r.body.code, { amount: '1.00', wallet: 'sandbox', key: key() })).status, 404);
  });

  test('limits and store offers apply to stand payments as to any other', async () => {
    const acct = (body: Record<string, unknown>) => s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/channels/sandbox`, { baseUrl: `${s.url}/sandbox/wallet`, ...body });
    await acct({ limitPerTransaction: 500 });
    const over = await pay(stand.code, { amount: '6.00', wallet: 'sandbox', key: key() });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'channel_limit_exceeded');
    await acct({ limitPerTransaction: null });
    const only = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/stores/${s.demo.storeId}/channels`, { channels: ['cash'] });
    assert.equal(only.status, 200, JSON.stringify(only.body));
    try {
      const r = await page(`/s/${stand.code}`);
      assert.equal(r.status, 200);
      assert.doesNotMatch(r.text, /data-testid="wallet-/);
      assert.match(r.text, /本店暂未开通扫码付款/);
      const refused = await pay(stand.code, { amount: '1.00', wallet: 'sandbox', key: key() });
      assert.equal(refused.body.error.code, 'channel_not_offered');
    } finally {
      await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/stores/${s.demo.storeId}/channels`, { channels: [] });
    }
  });

  describe('WeChat: the openid comes through the OAuth redirect and lives only in a signed cookie', () => {
    const merchant = { mchId: '1900000109', appId: 'wx2421b1c4370ec43b', apiKey: '192006250b4c09247ec02edce69f6a2d', appSecret: 'stand-test-app-secret-0123456789' };
    let wx: Awaited<ReturnType<typeof startWechatEmulator>>;
    const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers: { 'user-agent': WECHAT_UA, ...headers } });
    /** Our own URL for a link under the (unreachable) public URL. */
    const local = (publicLink: string) => `${s.url}${new URL(publicLink).pathname}${new URL(publicLink).search}`;

    before(async () => {
      wx = await startWechatEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'wechat-emulator.db'), merchants: [merchant] });
      const r = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/channels/wechat`, { baseUrl: wx.url, credentials: { appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, signType: 'HMAC-SHA256', appSecret: merchant.appSecret } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    });
    after(async () => {
      await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/channels/wechat`, { enabled: false });
      await wx.app.close();
    });

    async function signIn(): Promise<{ cookie: string; callback: string }> {
      const first = await get(`${s.url}/s/${stand.code}`);
      assert.equal(first.status, 302);
      const authorize = new URL(first.headers.get('location')!);
      assert.equal(authorize.origin, new URL(wx.url).origin);
      assert.equal(authorize.pathname, '/connect/oauth2/authorize');
      assert.equal(authorize.searchParams.get('redirect_uri'), `${stand.url}/oauth`);
      assert.equal(authorize.searchParams.get('scope'), 'snsapi_base');
      const back = await get(authorize.toString());
      assert.equal(back.status, 302);
      const callback = local(back.headers.get('location')!);
      const done = await get(callback);
      assert.equal(done.status, 302);
      assert.equal(done.headers.get('location'), `/s/${stand.code}`);
      const setCookie = done.headers.get('set-cookie') ?? '';
      assert.match(setCookie, /^saoma_payer=[^;]+; Path=\/s\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/);
      return { cookie: setCookie.split(';')[0]!, callback };
    }

    test('an ordinary browser\'s picker does not offer WeChat (it pays only inside WeChat) but says to scan with it', async () => {
      const r = await page(`/s/${stand.code}`, BROWSER_UA, 'en');
      assert.equal(r.status, 200);
      assert.match(r.text, /data-testid="picker"/);
      assert.match(r.text, /value="sandbox"/);
      assert.doesNotMatch(r.text, /value="wechat"/);
      assert.match(r.text, /To pay with WeChat Pay, scan this code with the WeChat Pay app\./);
      const zh = await page(`/s/${stand.code}`, BROWSER_UA, 'zh-CN');
      assert.match(zh.text, /请打开微信[^扫]*扫一扫/);
    });

    test('signed in, WeChat gets the amount page and a JSAPI order for its openid', async () => {
      const { cookie } = await signIn();
      const r = await get(`${s.url}/s/${stand.code}`, { cookie, 'accept-language': 'zh-CN' });
      assert.equal(r.status, 200);
      const text = await r.text();
      assert.doesNotMatch(text, /data-testid="picker"/);
      const paid = await s.raw('POST', `/s/${stand.code}/pay`, { body: JSON.stringify({ amount: '9.90', wallet: 'wechat', key: key() }), headers: { 'content-type': 'application/json', cookie } });
      assert.equal(paid.status, 200, paid.text);
      assert.equal(paid.body.pay.kind, 'wechat_jsapi');
      assert.match(paid.body.pay.params.package, /^prepay_id=/);
      assert.equal(paid.body.pay.params.appId, merchant.appId);
      const trade = wx.emulator.trade(merchant.mchId, (await s.terminal('GET', `/v1/payments/${paid.body.paymentId}`)).body.outTradeNo) as { openid?: string; trade_type?: string } | undefined;
      assert.equal(trade?.trade_type, 'JSAPI');
      assert.ok(trade?.openid, 'the order carries the openid from the sign-in');
    });

    test('no cookie, a forged cookie or a forged state: no payment, and the sign-in starts over', async () => {
      const body = JSON.stringify({ amount: '1.00', wallet: 'wechat', key: key() });
      const none = await s.raw('POST', `/s/${stand.code}/pay`, { body, headers: { 'content-type': 'application/json' } });
      assert.equal(none.status, 400);
      const forged = `saoma_payer=${Buffer.from(JSON.stringify({ m: s.demo.merchantId, c: 'wechat', p: 'oAttacker', e: Date.now() + 60_000 })).toString('base64url')}.${'0'.repeat(64)}`;
      const withForged = await s.raw('POST', `/s/${stand.code}/pay`, { body, headers: { 'content-type': 'application/json', cookie: forged } });
      assert.equal(withForged.status, 400);
      const page2 = await get(`${s.url}/s/${stand.code}`, { cookie: forged });
      assert.equal(page2.status, 302, 'a forged cookie is no sign-in');
      const badState = await get(`${s.url}/s/${stand.code}/oauth?code=abc&state=${encodeURIComponent('e30.00')}`);
      assert.equal(badState.status, 302);
      assert.equal(badState.headers.get('location'), `/s/${stand.code}`);
      assert.equal(badState.headers.get('set-cookie'), null);
    });

    test('a WeChat account without the 公众号 AppSecret cannot sign in: WeChat gets the picker, not a dead end', async () => {
      const put = (appSecret?: string) => s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/channels/wechat`, { baseUrl: wx.url, credentials: { appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, signType: 'HMAC-SHA256', ...(appSecret ? { appSecret } : {}) } });
      await put();
      try {
        const r = await get(`${s.url}/s/${stand.code}`, { 'accept-language': 'zh-CN' });
        assert.equal(r.status, 200);
        const text = await r.text();
        assert.match(text, /data-testid="notice"/);
        assert.match(text, /data-testid="wallet-sandbox"/);
        assert.doesNotMatch(text, /data-testid="wallet-wechat"/);
      } finally {
        await put(merchant.appSecret);
      }
    });

    test('a sign-in code used twice is refused by WeChat: a friendly page, no cookie', async () => {
      const { callback } = await signIn();
      const again = await get(callback, { 'accept-language': 'en' });
      assert.equal(again.status, 500);
      assert.equal(again.headers.get('set-cookie'), null);
      assert.match(await again.text(), /Something went wrong/);
    });
  });
});
