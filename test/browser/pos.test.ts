import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';
import { NO_CHROMIUM, ensureBuilt, fitsWidth, launch, notBlank, openPos, openShift } from './pos-driver.ts';
import { ensureApp } from './chromium.ts';
import { WALLET_DIST } from '../../src/http/wallet.ts';

/**
 * The POS terminal (/pos) in Debian's Chromium: pair with the demo terminal token, log in with the
 * demo cashier's PIN (after a wrong one), open the shift, take a dynamic-QR sale the sandbox wallet
 * pays, take a payment-code sale typed by a "scanner gun" into the focused amount field, refuse a
 * scanned link, and render every language at 1024×600 and 1280×800. One browser, one page.
 */
describe('POS terminal in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Script errors on the page (a failed request is the API's answer, asserted where it matters). */
  let problems: string[] = [];

  before(async () => {
    ensureBuilt();
    ensureApp(WALLET_DIST, 'build:wallet');
    s = await startServer({ qrTtlMs: 120_000 });
    browser = await launch();
    ({ context, page, problems } = await openPos(browser));
  });
  after(async () => {
    await context?.close();
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
    await openShift(page, '200.00');
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

  test('12.50 by dynamic QR, paid from the wallet simulator (/wallet) in another tab', async () => {
    for (const k of ['1', '2', '.', '5', '0']) await page.click(`.keypad button:text-is("${k}")`);
    assert.equal(await page.inputValue('#amount'), '12.50');
    await page.click('#show-qr');
    const qr = await page.waitForSelector('canvas.qr[data-qr]');
    const code = (await qr.getAttribute('data-qr'))!;
    assert.match(await page.innerText('#status'), /Waiting for the customer/);
    assert.match(await page.innerText('#expiry'), /Expires in \d+ s/);
    // The customer's phone: the simulator opened with the QR's content, as a wallet app after a scan.
    const phone = await page.context().newPage();
    await phone.setViewportSize({ width: 360, height: 640 });
    await phone.goto(`${s.url}/wallet?wallet=sandbox&qr=${encodeURIComponent(code)}`);
    await phone.click('#open');
    await phone.waitForSelector('#summary');
    assert.match(await phone.innerText('#summary'), /12\.50/);
    await phone.click('#pay');
    await phone.waitForSelector('#result[data-result="paid"]');
    await phone.close();
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

  test('a scanned link or product barcode is explained, and nothing is sent', async () => {
    const before = (await s.terminal('GET', '/v1/payments')).body.data.length;
    await page.fill('#amount', '5.00');
    await page.focus('#amount');
    await page.keyboard.type('https://example.com/x');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#sale-error');
    assert.match(await page.innerText('#sale-error'), /link|URL|url/i);
    await page.keyboard.type('6901234567892');
    await page.keyboard.press('Enter');
    await page.waitForFunction('/EAN|barcode|product/i.test(document.querySelector("#sale-error").textContent)');
    assert.equal(await page.inputValue('#amount'), '5.00', 'what the gun typed is taken back out of the field');
    assert.equal((await s.terminal('GET', '/v1/payments')).body.data.length, before);
    await page.fill('#amount', '');
  });

  test('quick items set up on the terminal are tapped into a sale; the items are sent with it and kept for the next visit', async () => {
    await page.click('#edit-items');
    for (const [name, price] of [['Latte', '18.00'], ['Croissant', '12.50']] as const) {
      await page.fill('input[name=item-name]', name);
      await page.fill('input[name=item-price]', price);
      await page.click('#add-quick');
    }
    await page.click('#edit-items');
    await page.click('[data-item="Latte"]');
    await page.click('[data-item="Latte"]');
    await page.click('[data-item="Croissant"]');
    assert.match(await page.innerText('#items-total'), /48\.50/);
    assert.equal(await page.inputValue('#amount'), '48.50', 'the items make the amount');
    await page.click('#show-qr');
    const code = (await (await page.waitForSelector('canvas.qr[data-qr]')).getAttribute('data-qr'))!;
    const pay = await fetch(`${s.url}/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: code }) });
    assert.equal(pay.status, 200);
    await paid();
    const sale = (await s.terminal('GET', '/v1/sales?limit=1')).body.data[0];
    assert.equal(sale.amount, 4850);
    assert.equal(sale.state, 'completed');
    assert.deepEqual(sale.items, [{ name: 'Latte', quantity: 2, unitPrice: 1800 }, { name: 'Croissant', quantity: 1, unitPrice: 1250 }]);
    await page.click('#new-sale');
    await page.waitForSelector('#amount');
    assert.equal(await page.$('#cart'), null, 'a new sale starts with no items');
    await page.reload();
    await page.waitForSelector('[data-item="Croissant"]');
  });

  test('the menu reaches history, the shift and the settings, and comes back to the amount', async () => {
    await page.click('#nav-history');
    await page.waitForSelector('#history');
    await page.click('#nav-shift');
    await page.waitForSelector('#shift-figures');
    await page.click('#nav-settings');
    await page.waitForSelector('#settings');
    assert.ok(await fitsWidth(page), 'settings fit at 1024×600');
    await page.click('#nav-sale');
    await page.waitForSelector('#amount');
    assert.deepEqual(problems, []);
  });

  test('a second tab of the POS on the same device is refused: one outbox per device', async () => {
    const second = await context.newPage();
    try {
      await second.goto(`${s.url}/pos`);
      await second.waitForSelector('#other-tab');
      assert.match(await second.innerText('#other-tab'), /already open in another tab/);
      assert.equal(await second.$('#amount'), null);
    } finally { await second.close(); }
    await page.waitForSelector('#amount');
  });

  test('each language renders at 1024×600 and 1280×800: the amount screen and the tender screen, no horizontal scrollbar', async () => {
    const known = { 'zh-Hans': ['出示收款码', '实收现金'], 'zh-Hant': ['出示收款碼', '實收現金'], en: ['Show QR', 'Cash received'] } as const;
    await page.fill('#amount', '30.00');
    await page.click('#pay-cash');
    await page.waitForSelector('#line-amount');
    for (const size of [{ width: 1024, height: 600 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      for (const [lang, [, onTender]] of Object.entries(known)) {
        await page.click(`button[data-lang="${lang}"]`);
        await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lang)}`);
        assert.ok((await page.innerText('body')).includes(onTender), `${lang}: "${onTender}" on the tender screen`);
        assert.ok(await fitsWidth(page), `${lang} ${size.width}×${size.height}: no horizontal scrollbar on the tender screen`);
        assert.ok(notBlank(await page.screenshot()), `${lang}: the tender screen is not blank`);
        // The main flow fits without scrolling: the button that takes the cash is on screen.
        const box = await page.locator('#add-cash').boundingBox();
        assert.ok(box && box.y + box.height <= size.height, `${lang} ${size.width}×${size.height}: the cash button is on screen`);
      }
    }
    await page.click('button[data-lang="en"]');
    await page.click('#void-sale');
    await page.waitForSelector('#amount');
    for (const size of [{ width: 1024, height: 600 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      for (const [lang, [onSale]] of Object.entries(known)) {
        await page.click(`button[data-lang="${lang}"]`);
        await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lang)}`);
        assert.ok((await page.innerText('body')).includes(onSale), `${lang}: "${onSale}" on the page`);
        await page.fill('#amount', '12.50');
        assert.ok(await fitsWidth(page), `${lang} ${size.width}×${size.height}: no horizontal scrollbar`);
        assert.ok(notBlank(await page.screenshot()), `${lang}: the screenshot is not blank`);
        const keys = await page.locator('.keypad button').last().boundingBox();
        assert.ok(keys && keys.y + keys.height <= size.height, `${lang} ${size.width}×${size.height}: the whole keypad is on screen`);
        await page.fill('#amount', '');
      }
    }
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await fitsWidth(page), 'a phone: no horizontal scrollbar');
    await page.click('button[data-lang="en"]');
    assert.deepEqual(problems, []);
  });
});
