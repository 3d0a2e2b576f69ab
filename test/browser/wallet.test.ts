import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { NO_CHROMIUM, launch, notBlank, watchProblems } from './chromium.ts';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { startServer, type TestServer } from '../helpers/server.ts';
import { WALLET_DIST } from '../../src/http/wallet.ts';

/**
 * The wallet simulator (/wallet) in Debian's Chromium at phone size (360×640), with the four real
 * wallets' emulators mounted as `saoma serve` mounts them in sandbox mode. For every wallet: the
 * payment code it shows has that wallet's shape, its barcode and QR read back as the code, and the POS
 * API charging it ends on that wallet's channel; a dynamic QR from that wallet's emulator is paid or
 * declined in the simulator; the demo store's one-code stand is paid through it. Every language renders.
 * One browser, one page; the build is made first if missing.
 */
const require = createRequire(import.meta.url);

type Wallet = 'alipay' | 'wechat' | 'unionpay' | 'qq' | 'sandbox';
const WALLETS: Wallet[] = ['alipay', 'wechat', 'unionpay', 'qq', 'sandbox'];
const SHAPE: Record<Wallet, RegExp> = {
  alipay: /^(2[5-79]|30)\d{16}$/, wechat: /^1[0-5]\d{16}$/, unionpay: /^62\d{17}$/, qq: /^91\d{16}$/, sandbox: /^28\d{16}$/,
};


describe('wallet simulator in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let standUrl: string;
  const problems: string[] = [];
  let n = 0;

  before(async () => {
    if (!existsSync(`${WALLET_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:wallet'], { stdio: 'inherit' });
    prepareZXingModule({ overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')).buffer as ArrayBuffer }, fireImmediately: true });
    s = await startServer({ qrTtlMs: 120_000, walletEmulators: true });
    await s.rt.walletEmulators!.enroll(s.rt.channelAccounts, s.demo.merchantId);
    const stand = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId, name: 'Wallet test' });
    assert.equal(stand.status, 201, JSON.stringify(stand.body));
    standUrl = stand.body.url;
    browser = await launch();
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    page = await context.newPage();
    watchProblems(page, problems);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function create(body: Record<string, unknown>): Promise<{ id: string; state: string; channel: string; qrCode?: string }> {
    const r = await s.terminal('POST', '/v1/payments', { outTradeNo: `wallet-test-${Date.now()}-${n++}`, currency: 'CNY', ...body }, { 'idempotency-key': `wallet-test-${Date.now()}-${n++}` });
    assert.ok(r.status < 300, JSON.stringify(r.body));
    return r.body;
  }
  async function payment(id: string, want?: string): Promise<{ state: string; channel: string; terminalId: string; amount: number }> {
    let p = (await s.terminal('GET', `/v1/payments/${encodeURIComponent(id)}`)).body;
    for (let i = 0; want && p.state !== want && i < 80; i++) {
      await new Promise((r) => setTimeout(r, 250));
      p = (await s.terminal('GET', `/v1/payments/${encodeURIComponent(id)}`)).body;
    }
    return p;
  }
  async function pickWallet(w: Wallet): Promise<void> {
    await page.selectOption('#wallet', w);
  }
  /** The code on screen once it has the chosen wallet's shape (changing wallet draws a new one). */
  async function shownCode(w: Wallet, outcome: string): Promise<string> {
    await page.waitForFunction(`(() => {
      const c = document.querySelector('#code-digits')?.getAttribute('data-code') ?? '';
      return new RegExp(${JSON.stringify(SHAPE[w].source)}).test(c) && c.endsWith(${JSON.stringify(outcome)});
    })()`);
    return (await page.getAttribute('#code-digits', 'data-code'))!;
  }
  /** Paste a merchant QR (and, on a stand, the amount) and open it as the wallet's app. */
  async function openQr(qr: string, amount?: string): Promise<void> {
    if (await page.$('#timeout')) await page.click('#timeout');
    if (await page.$('#again')) await page.click('#again');
    await page.click('#tab-scan');
    await page.fill('#qr', qr);
    if (amount) await page.fill('#amount', amount);
    await page.click('#open');
  }

  test('the page lists the sandbox wallet and every mounted emulator', async () => {
    await page.goto(`${s.url}/wallet?lang=en`);
    await page.waitForFunction('document.body.dataset.wallets === "alipay wechat unionpay qq sandbox"');
    const options = await page.$$eval('#wallet option', (os) => os.map((o) => o.getAttribute('value') ?? ''));
    assert.deepEqual(options.sort(), [...WALLETS].sort());
  });

  for (const w of WALLETS) {
    test(`${w}: the payment code (barcode, QR, digits) charged at the POS succeeds on ${w}; "decline" fails`, async () => {
      await page.click('#tab-code');
      await pickWallet(w);
      const code = await shownCode(w, '00');
      assert.equal((await page.innerText('#code-digits')).replace(/\s/g, ''), code, 'the digits shown are the code');
      assert.equal(await page.getAttribute('canvas.qr', 'data-qr'), code, 'the QR carries the code');
      assert.equal(await page.getAttribute('svg.barcode', 'data-code'), code);
      // Read back from the pixels the phone shows, by an independent decoder: what a scanner gun would read.
      const bars = await (await page.$('svg.barcode'))!.screenshot();
      assert.deepEqual((await readBarcodes(new Blob([bars]), { formats: ['Code128'] })).map((b) => b.text), [code], 'the barcode reads as the code');
      const qr = await (await page.$('canvas.qr'))!.screenshot();
      assert.deepEqual((await readBarcodes(new Blob([qr]), { formats: ['QRCode'] })).map((b) => b.text), [code], 'the QR reads as the code');

      const p = await create({ amount: 880, method: 'payment_code', authCode: code });
      assert.equal(p.channel, w, 'routed to the wallet by its digits alone');
      assert.equal((await payment(p.id, 'succeeded')).state, 'succeeded');

      await page.selectOption('#outcome', '01');
      const declined = await shownCode(w, '01');
      assert.notEqual(declined, code);
      const d = await create({ amount: 880, method: 'payment_code', authCode: declined });
      assert.equal(d.channel, w);
      assert.equal((await payment(d.id, 'failed')).state, 'failed');
      await page.selectOption('#outcome', '00');
    });

    test(`${w}: a dynamic QR from its emulator, opened in the simulator and paid: succeeded; Decline leaves it unpaid`, async () => {
      await pickWallet(w);
      const p = await create({ amount: 1250, method: 'dynamic_qr', channel: w });
      assert.equal(typeof p.qrCode, 'string', JSON.stringify(p));
      await openQr(p.qrCode!);
      await page.waitForSelector('#summary');
      assert.match(await page.innerText('#summary'), /12\.50/);
      await page.click('#pay');
      await page.waitForSelector('#result[data-result="paid"]');
      assert.equal((await payment(p.id, 'succeeded')).state, 'succeeded');
      // The same QR again: the wallet will not take it twice (WeChat's cashier still shows, and refuses the payment).
      await openQr(p.qrCode!);
      await page.waitForSelector('#summary, #result');
      if (await page.$('#summary')) await page.click('#pay');
      await page.waitForSelector('#result');
      assert.match(await page.getAttribute('#result', 'data-result') ?? '', /^(already_paid|not_payable|closed)$/);
      assert.equal((await payment(p.id)).state, 'succeeded');

      const d = await create({ amount: 300, method: 'dynamic_qr', channel: w });
      await openQr(d.qrCode!);
      await page.waitForSelector('#summary');
      await page.click('#decline');
      await page.waitForSelector('#result[data-result="declined"]');
      // Every wallet reports a declined code as still unpaid (it closes only when the QR expires or the POS cancels).
      const after = await payment(d.id);
      assert.equal(after.state, 'waiting_customer', JSON.stringify(after));
      // Pay it after all: declining did not spoil the order.
      await openQr(d.qrCode!);
      await page.waitForSelector('#summary');
      await page.click('#pay');
      await page.waitForSelector('#result[data-result="paid"]');
      assert.equal((await payment(d.id, 'succeeded')).state, 'succeeded');
    });

    test(`${w}: the one-code stand, pasted with an amount and paid: succeeded on the stand's terminal`, async () => {
      await pickWallet(w);
      await openQr(standUrl, '3.20');
      await page.waitForSelector('#summary');
      assert.match(await page.innerText('#summary'), /3\.20/);
      const id = await page.getAttribute('#payqr', 'data-payment');
      assert.match(id ?? '', /^pay_/);
      await page.click('#pay');
      await page.waitForSelector('#result[data-result="paid"]');
      const p = await payment(id!, 'succeeded');
      assert.equal(p.state, 'succeeded');
      assert.equal(p.channel, w);
      assert.equal(p.terminalId, s.demo.terminalId);
      assert.equal(p.amount, 320);
    });
  }

  test('Let it time out: the order stays unpaid; another wallet\'s QR says which app to use', async () => {
    await pickWallet('qq');
    const p = await create({ amount: 500, method: 'dynamic_qr', channel: 'qq' });
    await openQr(p.qrCode!);
    await page.waitForSelector('#summary');
    await page.click('#timeout');
    await page.waitForSelector('#result[data-result="left"]');
    assert.equal((await payment(p.id)).state, 'waiting_customer');

    const a = await create({ amount: 500, method: 'dynamic_qr', channel: 'alipay' });
    await pickWallet('wechat');
    await openQr(a.qrCode!);
    await page.waitForSelector('#result[data-result="wrong_wallet"]');
    assert.match(await page.innerText('#result'), /Alipay/);
    await page.click('#switch');
    assert.equal(await page.inputValue('#wallet'), 'alipay');

    await openQr('not a merchant code');
    await page.waitForSelector('#result[data-result="invalid"]');
  });

  test('?qr= opens the pay screen with the code filled in', async () => {
    const p = await create({ amount: 300, method: 'dynamic_qr', channel: 'sandbox' });
    await page.goto(`${s.url}/wallet?wallet=sandbox&qr=${encodeURIComponent(p.qrCode!)}`);
    assert.equal(await page.inputValue('#qr'), p.qrCode);
    assert.equal(await page.inputValue('#wallet'), 'sandbox');
  });

  test('each language renders at 360×640, not blank, no sideways scrolling', async () => {
    const dir = join(tmpdir(), 'saoma-wallet-screens');
    mkdirSync(dir, { recursive: true });
    const known = { 'zh-Hans': ['付款码', '支付宝'], 'zh-Hant': ['付款碼', '支付寶'], en: ['Payment code', 'Alipay'] } as const;
    const qr = (await create({ amount: 660, method: 'dynamic_qr', channel: 'alipay' })).qrCode!;
    await page.goto(`${s.url}/wallet?wallet=alipay`);
    await page.waitForSelector('svg.barcode');
    for (const [lang, texts] of Object.entries(known)) {
      await page.click(`button[data-lang="${lang}"]`);
      await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lang)}`);
      const body = await page.innerText('body');
      for (const text of texts) assert.ok(body.includes(text), `${lang}: "${text}" on the page`);
      for (const tab of ['code', 'scan', 'confirm']) {
        if (tab === 'confirm') {
          // The wallet's own cashier answers in the simulator's language.
          await openQr(qr);
          await page.waitForSelector('#summary');
          assert.match(await page.innerText('#summary'), lang === 'en' ? /^Pay ¥6\.60 to / : /^向 .* 付款 ¥6\.60$/);
        } else {
          await page.click(`#tab-${tab}`);
        }
        const width = await page.evaluate('document.documentElement.scrollWidth');
        assert.ok(Number(width) <= 360, `${lang} ${tab}: no sideways scrolling at 360 px (scrollWidth ${width})`);
        const png = await page.screenshot();
        writeFileSync(join(dir, `wallet-${tab}-${lang}.png`), png);
        assert.ok(notBlank(png), `${lang} ${tab}: the screenshot has content`);
      }
      await page.click('#timeout');
      await page.click('#tab-code');
    }
    assert.deepEqual(problems, []);
  });
});

describe('the simulator\'s app backend outside the browser', () => {
  test('sandbox only: with the sandbox off there is no /wallet and no way to act as a wallet app', async () => {
    const s = await startServer({ sandbox: false });
    try {
      for (const [method, path] of [['GET', '/wallet/'], ['GET', '/wallet/api/wallets'], ['POST', '/wallet/api/open'], ['POST', '/wallet/api/act']] as const) {
        const r = await s.raw(method, path, method === 'POST' ? { body: JSON.stringify({ wallet: 'alipay', qr: 'weixin://wxpay/bizpayurl?pr=abc' }), headers: { 'content-type': 'application/json' } } : {});
        assert.equal(r.status, 404, `${method} ${path}`);
      }
    } finally {
      await s.close();
    }
  });

  test('bad requests are a 400 with a stable code, and it presses buttons only on wallet cashiers', async () => {
    const s = await startServer();
    try {
      const post = (path: string, body: unknown) => s.raw('POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      for (const [path, body] of [
        ['/wallet/api/open', { wallet: 'paypal', qr: 'x' }],
        ['/wallet/api/open', { wallet: 'sandbox' }],
        ['/wallet/api/open', { wallet: 'sandbox', qr: 42 }],
        ['/wallet/api/act', { wallet: 'sandbox', action: 'pay', target: { kind: 'cashier', path: '/v1/payments' } }],
        ['/wallet/api/act', { wallet: 'sandbox', action: 'pay', target: { kind: 'cashier', path: '/sandbox/wallet/qr/a/../../../v1/x' } }],
        ['/wallet/api/act', { wallet: 'sandbox', action: 'refund', target: { kind: 'cashier', path: '/sandbox/wallet/qr/a/b' } }],
      ] as const) {
        const r = await post(path, body);
        assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.body.error.code, 'invalid_request');
      }
      // Wallet-level answers are answers: an unknown text, and a real wallet whose emulator is not mounted here.
      assert.deepEqual((await post('/wallet/api/open', { wallet: 'sandbox', qr: 'hello' })).body, { step: 'error', error: 'invalid' });
      assert.deepEqual((await s.raw('GET', '/wallet/api/wallets')).body, { wallets: ['sandbox'] });
      const r = await post('/wallet/api/open', { wallet: 'alipay', qr: `${s.url}/sandbox/alipay/cashier/0266e007fe7009613205a6bd` });
      assert.deepEqual(r.body, { step: 'error', error: 'unavailable', wallet: 'alipay' });
    } finally {
      await s.close();
    }
  });
});
