import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { NO_CHROMIUM, launch } from './chromium.ts';
import { eventually, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { waitState } from '../helpers/flows.ts';
import { watchTerminal, type TerminalFeed } from './terminal-feed.ts';

/**
 * The one-code stand paid in a real browser (Debian's Chromium, headless) with each wallet app's
 * User-Agent and with an unknown one. Every wallet's emulator runs beside the gateway: redirect wallets
 * send the browser to the emulator's cashier page, where the test taps Pay like the customer would;
 * WeChat goes through the emulated OAuth redirect and pays through the WeixinJSBridge its emulator
 * serves (injected into every page, as the WeChat app injects it). Each payment must show paid on the
 * stand's result page, be succeeded on the stand's store and terminal, and have appeared on that
 * terminal's live stream while the customer paid. One browser, one context per User-Agent.
 */

const UA = {
  alipay: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.5.30.6000) Nebula WK RVKType(0) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.5.30.6000 Language/zh-Hans Region/CN NebulaX/1.0.0',
  wechat: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40(0x1800282a) NetType/WIFI Language/zh_CN',
  unionpay: 'Mozilla/5.0 (iPhone; CPU iPhone OS 12_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/16B92 (com.unionpay.chsp) (cordova 4.5.4) (updebug 0) (version 1024) (UnionPay/1.0 CloudPay) (clientVersion 324) (language zh_CN)',
  qq: 'Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 QQ/8.8.88.609 V1_IPH_SQ_8.8.88_1_APP_A Pixel/1170 Core/WKWebView Device/Apple(iPhone 13) NetType/WIFI QBWebViewType/1 WKType/1',
  browser: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};

type Wallet = 'alipay' | 'wechat' | 'unionpay' | 'qq';
/** How to bring up a wallet's emulator and give the demo merchant an account on it. */
type Setup = (s: TestServer) => Promise<{ close(): Promise<unknown>; jsbridge?: string }>;

const SETUPS: Record<Wallet, Setup> = {
  async alipay(s) {
    const { startAlipayEmulator } = await import('../../src/channels/alipay/emulator.ts');
    const port = await freePort();
    const emu = await startAlipayEmulator({ port, dbPath: join(s.db.dataDir, 'alipay-emulator.db'), publicUrl: `http://127.0.0.1:${port}`, merchantName: s.demo.merchantName });
    await account(s, 'alipay', { baseUrl: `${emu.url}/gateway.do`, credentials: { appId: emu.keys.appId, privateKey: emu.keys.appPrivateKey, alipayPublicKey: emu.keys.alipayPublicKey } });
    return { close: () => emu.close() };
  },
  async wechat(s) {
    const { startWechatEmulator } = await import('../../src/channels/wechat/emulator.ts');
    const merchant = { mchId: '1900000109', appId: 'wx2421b1c4370ec43b', apiKey: '192006250b4c09247ec02edce69f6a2d', appSecret: 'stand-test-app-secret-0123456789' };
    const wx = await startWechatEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'wechat-emulator.db'), merchants: [merchant] });
    await account(s, 'wechat', { baseUrl: wx.url, credentials: { appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, signType: 'HMAC-SHA256', appSecret: merchant.appSecret } });
    return { close: () => wx.app.close(), jsbridge: `${wx.url}/emulator/jsbridge.js` };
  },
  async unionpay(s) {
    const { startUnionpayEmulator } = await import('../../src/channels/unionpay/emulator.ts');
    const { testMerchantCredentials } = await import('../../src/channels/unionpay/fixtures.ts');
    const up = await startUnionpayEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'unionpay-emulator.db') });
    await account(s, 'unionpay', { baseUrl: up.url, credentials: { ...testMerchantCredentials() } });
    return { close: () => up.app.close() };
  },
  async qq(s) {
    const { startQqEmulator } = await import('../../src/channels/qq/emulator.ts');
    const merchant = { mchId: '1900005911', apiKey: '8934e7d15453e97507ef794cf7b0519d', opUserId: '1900005911', opUserPassword: 'op-secret-1', name: s.demo.merchantName };
    const qq = await startQqEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'qq-emulator.db'), merchants: [merchant] });
    await account(s, 'qq', { baseUrl: qq.url, credentials: { mchId: merchant.mchId, apiKey: merchant.apiKey, opUserId: merchant.opUserId, opUserPassword: merchant.opUserPassword } });
    return { close: () => qq.app.close() };
  },
};

async function account(s: TestServer, channel: string, body: unknown): Promise<void> {
  const r = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/channels/${channel}`, body);
  assert.equal(r.status, 200, `${channel} account: ${JSON.stringify(r.body)}`);
}

/** Where the cashier pages of the emulators (and the sandbox wallet) live. */
const CASHIER = /\/cashier\/|\/sandbox\/wallet\/qr\//;

describe('one-code stand in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let feed: TerminalFeed;
  let stand: { id: string; code: string; url: string };
  const ready = new Map<Wallet, { jsbridge?: string }>();
  const missing = new Map<Wallet, string>();
  const closers: Array<() => Promise<unknown>> = [];

  before(async () => {
    s = await startServer({ qrTtlMs: 120_000 });
    for (const w of Object.keys(SETUPS) as Wallet[]) {
      try {
        const up = await SETUPS[w](s);
        closers.push(up.close);
        ready.set(w, up.jsbridge ? { jsbridge: up.jsbridge } : {});
      } catch (e) {
        missing.set(w, (e as Error).message.split('\n')[0]!);
      }
    }
    const r = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId, name: '收银台 Stand' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    stand = r.body;
    feed = watchTerminal(s.url, s.demo.terminalId, s.demo.terminalToken);
    await feed.ready;
    browser = await launch();
  });
  after(async () => {
    feed?.close();
    await browser?.close();
    for (const c of closers) await c().catch(() => undefined);
    await s?.close();
  });

  /**
   * One customer: opens the stand in an app with this User-Agent, types the amount, pays the way that
   * wallet pays, and comes back to the stand's result page. Returns the payment id.
   */
  async function customer(opts: { ua: string; locale: string; amount: string; pick?: string; jsbridge?: string; expectText: RegExp }): Promise<string> {
    const context = await browser.newContext({ userAgent: opts.ua, locale: opts.locale, extraHTTPHeaders: { 'accept-language': opts.locale } });
    try {
      if (opts.jsbridge) {
        // The WeChat app injects WeixinJSBridge into every page it opens; the emulator serves the stand-in.
        const script = await (await fetch(opts.jsbridge)).text();
        await context.addInitScript({ content: script });
        // The real bridge is native code in the app, outside the page's origin rules; the stand-in calls the
        // emulator with fetch, so its calls are let through as the app's would be.
        const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST' };
        await context.route(`${new URL(opts.jsbridge).origin}/emulator/**`, async (route) => {
          if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
          const res = await route.fetch();
          return route.fulfill({ response: res, headers: { ...res.headers(), ...cors } });
        });
      }
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      const visited: string[] = [];
      page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
      await page.goto(stand.url);
      await page.waitForSelector('[data-testid="amount"]');
      assert.match(await page.innerText('main'), opts.expectText);
      if (opts.pick) {
        assert.ok(await page.isVisible('[data-testid="picker"]'), 'an unknown app gets the wallet picker');
        await page.check(`[data-testid="wallet-${opts.pick}"] input`);
      } else {
        assert.equal(await page.isVisible('[data-testid="picker"]'), false, 'a wallet app goes straight to its own flow');
      }
      await page.fill('[data-testid="amount"]', opts.amount);
      // A double tap: the page sends one key, so there is one payment.
      await page.dblclick('[data-testid="submit"]');
      // WeChat pays in place (JSAPI) and goes on to the result page; the others pay at their cashier.
      if (opts.jsbridge) await page.waitForURL(/\/p\/pay_/, { timeout: 15_000 });
      else await payAtCashier(page);
      const result = visited.find((u) => /\/s\/[0-9a-z]{12}\/p\/pay_/.test(u)) ?? page.url();
      const m = /\/p\/(pay_[0-9a-z]{26})/.exec(result);
      assert.ok(m, `the stand's result page was visited: ${visited.join(' → ')}`);
      // Back from the wallet's cashier to the stand (the customer taps "back to the merchant").
      if (!page.url().includes('/p/pay_')) await page.goto(result.replace(/\?.*$/, ''));
      await page.waitForSelector('[data-testid="state"][data-state="succeeded"]', { timeout: 20_000 }).catch(async (e: Error) => {
        const p = await s.terminal('GET', `/v1/payments/${m[1]}`);
        const ev = await s.terminal('GET', `/v1/payments/${m[1]}/events`);
        throw new Error(`${e.message}\nconsole: ${problems.join(' | ')}\npayment: ${JSON.stringify(p.body)}\nevents: ${JSON.stringify(ev.body)}\npage: ${await page.innerText('body').catch(() => '?')}`);
      });
      return m[1]!;
    } finally {
      await context.close();
    }
  }

  async function payAtCashier(page: Page): Promise<void> {
    await page.waitForURL(CASHIER, { timeout: 15_000 });
    await page.click('[data-testid="pay"]');
    await page.waitForFunction(`(document.querySelector('[data-testid="outcome"]')?.textContent ?? '').trim().length > 0`, undefined, { timeout: 15_000 });
  }

  async function assertLanded(paymentId: string, channel: string, amount: number): Promise<void> {
    const p = await waitState(s, paymentId, 'succeeded');
    assert.equal(p.channel, channel);
    assert.equal(p.method, 'in_app');
    assert.equal(p.amount, amount);
    assert.equal(p.storeId, s.demo.storeId);
    assert.equal(p.terminalId, s.demo.terminalId);
    const links = await s.rt.store.db.selectFrom('stand_payments').selectAll().where('payment_id', '=', paymentId).execute();
    assert.equal(links.length, 1);
    const mine = await s.rt.store.db.selectFrom('payments').select('id').where('out_trade_no', 'like', 'S%').where('amount', '=', amount).where('channel', '=', channel).execute();
    assert.equal(mine.length, 1, 'the double tap made one payment');
    await eventually(async () => feed.events.some((e) => e.id === paymentId && e.state === 'succeeded'), `${paymentId} on the terminal's live stream`);
    assert.ok(feed.events.some((e) => e.id === paymentId && e.state === 'waiting_customer'), 'the POS saw it waiting before it was paid');
  }

  const cases: Array<{ wallet: Wallet; amount: string; minor: number; locale: string; text: RegExp }> = [
    { wallet: 'alipay', amount: '12.34', minor: 1234, locale: 'zh-CN', text: /付款给 夜市小吃/ },
    { wallet: 'wechat', amount: '8.8', minor: 880, locale: 'zh-CN', text: /付款给/ },
    { wallet: 'unionpay', amount: '66', minor: 6600, locale: 'zh-TW', text: /付款給/ },
    { wallet: 'qq', amount: '0.5', minor: 50, locale: 'en-US', text: /Pay 夜市小吃/ },
  ];
  for (const c of cases) {
    test(`${c.wallet} app (User-Agent) pays on the stand`, async (t) => {
      const up = ready.get(c.wallet);
      if (!up) {
        t.todo(`${c.wallet} emulator not available: ${missing.get(c.wallet)}`);
        return;
      }
      const id = await customer({ ua: UA[c.wallet], locale: c.locale, amount: c.amount, ...(up.jsbridge ? { jsbridge: up.jsbridge } : {}), expectText: c.text });
      await assertLanded(id, c.wallet, c.minor);
    });
  }

  test('an unknown browser gets the wallet picker and pays with the chosen wallet (sandbox)', async () => {
    const id = await customer({ ua: UA.browser, locale: 'en-GB', amount: '3.21', pick: 'sandbox', expectText: /Choose how to pay/ });
    await assertLanded(id, 'sandbox', 321);
  });

  test('an unknown browser can pick a real wallet too (Alipay cashier)', async (t) => {
    if (!ready.has('alipay')) {
      t.todo(`alipay emulator not available: ${missing.get('alipay')}`);
      return;
    }
    const id = await customer({ ua: UA.browser, locale: 'zh-CN', amount: '4.56', pick: 'alipay', expectText: /请选择付款方式/ });
    await assertLanded(id, 'alipay', 456);
  });
});
