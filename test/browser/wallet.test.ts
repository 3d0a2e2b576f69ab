import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';
import { WALLET_DIST } from '../../src/http/wallet.ts';

/**
 * The wallet simulator (/wallet) in Debian's Chromium at phone size (360×640): a dynamic QR made
 * through the API is paid by pasting it into the page; the payment code the page shows is charged
 * through the API; every language renders. One browser, one page; the build is made first if missing.
 */
const CHROMIUM = process.env.SAOMA_CHROMIUM ?? '/usr/bin/chromium';

describe('wallet simulator in a browser', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let n = 0;

  before(async () => {
    if (!existsSync(`${WALLET_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:wallet'], { stdio: 'inherit' });
    s = await startServer({ qrTtlMs: 120_000 });
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text()); });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function create(body: Record<string, unknown>): Promise<{ id: string; state: string; qrCode?: string }> {
    const r = await s.terminal('POST', '/v1/payments', { outTradeNo: `wallet-test-${Date.now()}-${n++}`, currency: 'CNY', ...body }, { 'idempotency-key': `wallet-test-${Date.now()}-${n++}` });
    assert.ok(r.status < 300, JSON.stringify(r.body));
    return r.body;
  }
  async function stateOf(id: string, want: string): Promise<string> {
    let state = '';
    for (let i = 0; i < 60; i++) {
      state = (await s.terminal('GET', `/v1/payments/${encodeURIComponent(id)}`)).body.state;
      if (state === want) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    return state;
  }

  test('a dynamic QR made through the API, pasted into /wallet and paid: succeeded', async () => {
    const p = await create({ amount: 1250, method: 'dynamic_qr', channel: 'sandbox' });
    assert.equal(typeof p.qrCode, 'string', JSON.stringify(p));
    await page.goto(`${s.url}/wallet`);
    await page.click('#tab-scan');
    await page.fill('#qr', p.qrCode!);
    await page.click('#pay');
    await page.waitForSelector('#result[data-result="paid"]', { timeout: 10_000 });
    assert.match(await page.innerText('#result'), /Paid .*12\.50/);
    assert.equal(await stateOf(p.id, 'succeeded'), 'succeeded');
    // The same code again: the wallet says it can no longer be paid.
    await page.click('#pay');
    await page.waitForSelector('#result[data-result="closed"]', { timeout: 10_000 });
  });

  test('?qr= opens the pay screen with the code filled in; Decline leaves the payment unpaid', async () => {
    const p = await create({ amount: 300, method: 'dynamic_qr', channel: 'sandbox' });
    await page.goto(`${s.url}/wallet?qr=${encodeURIComponent(p.qrCode!)}`);
    assert.equal(await page.inputValue('#qr'), p.qrCode);
    await page.click('#decline');
    await page.waitForSelector('#result[data-result="declined"]', { timeout: 10_000 });
    assert.notEqual((await s.terminal('GET', `/v1/payments/${encodeURIComponent(p.id)}`)).body.state, 'succeeded');
  });

  test('the payment code shown on /wallet, charged through the API: succeeded', async () => {
    await page.goto(`${s.url}/wallet`);
    const el = await page.waitForSelector('#code-digits[data-code]');
    const code = (await el.getAttribute('data-code'))!;
    assert.match(code, /^28\d{14}00$/);
    assert.equal((await page.innerText('#code-digits')).replace(/\s/g, ''), code, 'the digits shown are the code');
    assert.equal(await page.getAttribute('canvas.qr', 'data-qr'), code, 'the QR carries the code');
    const p = await create({ amount: 880, method: 'payment_code', authCode: code });
    assert.equal(await stateOf(p.id, 'succeeded'), 'succeeded');
    // "Decline" as the outcome: a new code ending 01, which the wallet declines.
    await page.selectOption('#outcome', '01');
    const declined = (await page.getAttribute('#code-digits', 'data-code'))!;
    assert.match(declined, /^28\d{14}01$/);
    assert.notEqual(declined, code);
    const d = await create({ amount: 880, method: 'payment_code', authCode: declined });
    assert.equal(await stateOf(d.id, 'failed'), 'failed');
  });

  test('each language renders', async () => {
    const known = { 'zh-Hans': '付款码', 'zh-Hant': '付款碼', en: 'Payment code' } as const;
    for (const [lang, text] of Object.entries(known)) {
      await page.click(`button[data-lang="${lang}"]`);
      await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lang)}`);
      assert.ok((await page.innerText('body')).includes(text), `${lang}: "${text}" on the page`);
    }
    const width = await page.evaluate('document.documentElement.scrollWidth');
    assert.ok(Number(width) <= 360, `no sideways scrolling at 360 px (scrollWidth ${width})`);
    assert.deepEqual(problems, []);
  });
});
