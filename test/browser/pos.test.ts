import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';
import { POS_DIST } from '../../src/http/pos.ts';

/**
 * The POS terminal (/pos) in Debian's Chromium: pair with the demo terminal token, log in with the
 * demo cashier's PIN (after a wrong one), take a dynamic-QR sale the sandbox wallet pays, take a
 * payment-code sale typed by a "scanner gun" into the focused amount field, and render every
 * language. One browser, one page; the build is made first if missing.
 */
const CHROMIUM = process.env.SAOMA_CHROMIUM ?? '/usr/bin/chromium';

/** True when a PNG screenshot has real content: its pixel bytes take many values, not one colour. */
function notBlank(png: Buffer): boolean {
  const chunks: Buffer[] = [];
  for (let i = 8; i < png.length;) {
    const len = png.readUInt32BE(i);
    const type = png.toString('latin1', i + 4, i + 8);
    if (type === 'IDAT') chunks.push(png.subarray(i + 8, i + 8 + len));
    i += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const seen = new Set<number>();
  for (let i = 0; i < raw.length; i += 7) seen.add(raw[i]!);
  return seen.size > 16;
}

describe('POS terminal in a browser', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Script errors on the page (a failed request is the API's answer, asserted where it matters). */
  const problems: string[] = [];

  before(async () => {
    if (!existsSync(`${POS_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:pos'], { stdio: 'inherit' });
    s = await startServer({ qrTtlMs: 120_000 });
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1024, height: 600 } });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text()); });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function paid(): Promise<void> {
    await page.waitForSelector('#status[data-state="succeeded"]', { timeout: 15_000 });
  }

  test('pair, then a wrong PIN and a lock-out get the API messages, then the cashier logs in', async () => {
    await page.goto(`${s.url}/pos`);
    await page.waitForSelector('#pair');
    await page.fill('#pair input[name=token]', 'nonsense');
    await page.click('#pair button[type=submit]');
    assert.match(await page.innerText('#pair [role=alert]'), /term_/);
    await page.fill('#pair input[name=token]', s.demo.terminalToken);
    await page.click('#pair button[type=submit]');
    await page.waitForSelector('#login');
    await page.selectOption('#login select[name=operator]', s.demo.operator.id);
    await page.fill('#login input[name=pin]', '0000');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login [role=alert]');
    assert.match(await page.innerText('#login [role=alert]'), /Wrong PIN; 4 tries left/);
    // Five wrong PINs lock an operator: the supervisor here, so the cashier can still log in.
    await page.selectOption('#login select[name=operator]', s.demo.supervisor.id);
    for (let i = 0; i < 5; i++) {
      await page.fill('#login input[name=pin]', '0000');
      await page.click('#login button[type=submit]');
      await page.waitForFunction('!document.querySelector("#login button[type=submit]").disabled');
    }
    await page.waitForFunction('/locked/.test(document.querySelector("#login [role=alert]").textContent)');
    assert.match(await page.innerText('#login [role=alert]'), /Too many wrong PINs; this operator is locked/);
    await page.selectOption('#login select[name=operator]', s.demo.operator.id);
    await page.fill('#login input[name=pin]', s.demo.operator.pin);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#amount');
    assert.equal(await page.evaluate('localStorage.getItem("saoma.pos.token")'), s.demo.terminalToken, 'the token is kept on the device');
  });

  test('too many decimals is refused with a clear message and nothing is sent', async () => {
    const before = (await s.terminal('GET', '/v1/payments')).body.data.length;
    await page.fill('#amount', '12.505');
    await page.click('#show-qr');
    assert.match(await page.innerText('#sale-error'), /At most 2 decimal places/);
    assert.equal((await s.terminal('GET', '/v1/payments')).body.data.length, before);
    await page.fill('#amount', '');
  });

  test('12.50 by dynamic QR, paid with the sandbox wallet', async () => {
    for (const k of ['1', '2', '.', '5', '0']) await page.click(`.keypad button:text-is("${k}")`);
    assert.equal(await page.inputValue('#amount'), '12.50');
    await page.click('#show-qr');
    const qr = await page.waitForSelector('canvas.qr[data-qr]');
    const code = (await qr.getAttribute('data-qr'))!;
    assert.match(await page.innerText('#status'), /Waiting for the customer/);
    assert.match(await page.innerText('#expiry'), /Expires in \d+ s/);
    const pay = await fetch(`${s.url}/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: code }) });
    assert.equal(pay.status, 200, await pay.text());
    await paid();
    assert.equal(await page.innerText('#status'), 'Paid');
    const list = (await s.terminal('GET', '/v1/payments')).body.data as Array<{ amount: number; method: string; state: string }>;
    assert.equal(list[0]!.amount, 1250);
    assert.equal(list[0]!.method, 'dynamic_qr');
    assert.equal(list[0]!.state, 'succeeded');
    await page.click('#new-sale');
  });

  test('a scanner gun types a payment code into the focused amount field: charged and paid', async () => {
    await page.waitForSelector('#amount');
    await page.focus('#amount');
    await page.keyboard.type('8.80', { delay: 150 }); // the cashier, at human speed
    await new Promise((r) => setTimeout(r, 200));
    // The gun: 18 digits, no delay between keys, then Enter, all into the focused amount field.
    await page.keyboard.type('281234567890123400');
    await page.keyboard.press('Enter');
    await paid();
    const p = (await s.terminal('GET', '/v1/payments')).body.data[0] as { amount: number; method: string; channel: string; state: string };
    assert.deepEqual({ amount: p.amount, method: p.method, channel: p.channel, state: p.state }, { amount: 880, method: 'payment_code', channel: 'sandbox', state: 'succeeded' });
    await page.click('#new-sale');
    assert.equal(await page.inputValue('#amount'), '', 'a new sale starts empty');
  });

  test('each language renders', async () => {
    const known = { 'zh-Hans': '出示收款码', 'zh-Hant': '出示收款碼', en: 'Show QR' } as const;
    for (const [lang, text] of Object.entries(known)) {
      await page.click(`button[data-lang="${lang}"]`);
      await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lang)}`);
      assert.ok((await page.innerText('body')).includes(text), `${lang}: "${text}" on the page`);
      await page.fill('#amount', '12.50');
      assert.ok(notBlank(await page.screenshot()), `${lang}: the screenshot is not blank`);
      await page.fill('#amount', '');
    }
    assert.deepEqual(problems, []);
  });
});
