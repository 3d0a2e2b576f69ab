import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';
import { DISPLAY_DIST } from '../../src/http/display.ts';
import { NO_CHROMIUM, ensureBuilt, launch, openPos, ready, waitStatus, type Pos } from './pos-driver.ts';

/**
 * The POS and its customer display together, two browser contexts as two devices: the cashier pairs
 * the display from the POS's settings, the display opens the link, a QR sale on the POS appears on the
 * display, and when the wallet pays the POS chimes and speaks the amount (observed, not replaced).
 */
const RECORD_SPEECH = `
  window.__spoken = [];
  if (window.speechSynthesis) {
    const original = window.speechSynthesis.speak.bind(window.speechSynthesis);
    window.speechSynthesis.speak = (u) => { window.__spoken.push({ text: u.text, lang: u.lang }); original(u); };
  }
`;

describe('the POS pairs its customer display', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let pos: Pos;
  let display: Page;

  before(async () => {
    ensureBuilt();
    if (!existsSync(`${DISPLAY_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:display'], { stdio: 'inherit' });
    s = await startServer({ qrTtlMs: 120_000 });
    browser = await launch();
    pos = await openPos(browser);
    await pos.context.addInitScript(RECORD_SPEECH);
    const second = await browser.newContext({ locale: 'zh-TW', viewport: { width: 800, height: 480 } });
    display = await second.newPage();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('settings → pair: a link and its QR; the display opens it and is live', async () => {
    const page = pos.page;
    await ready(page, s);
    await page.click('#nav-settings');
    await page.click('#display-pair');
    const url = (await (await page.waitForSelector('#display-link')).innerText()).trim();
    assert.match(url, new RegExp(`^${s.rt.config.publicUrl.replace(/[.]/g, '\\.')}/display/#disp_`));
    assert.equal(await page.getAttribute('#display-pairing canvas.qr', 'data-qr'), url, 'the QR holds the same link');
    assert.equal(await page.getAttribute('#sound-toggle', 'aria-pressed'), 'true', 'sound is on by default');
    await display.goto(url);
    await display.waitForSelector('#status[data-status="live"]');
    // A display in Taiwan starts in Traditional characters.
    await display.waitForFunction('document.documentElement.lang === "zh-Hant"');
  });

  test('a QR sale on the POS shows on the display; paid, the POS speaks the amount', async () => {
    const page = pos.page;
    await page.click('#nav-sale');
    await page.fill('#amount', '12.50');
    await page.click('#show-qr');
    await waitStatus(page, 'waiting');
    const qr = (await page.getAttribute('canvas.qr', 'data-qr'))!;
    await display.waitForSelector(`canvas.qr[data-qr="${qr}"]`);
    assert.match(await display.innerText('#amount'), /12\.50/);
    const r = await fetch(`${s.url}/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: qr }) });
    assert.equal(r.status, 200, await r.text());
    await waitStatus(page, 'succeeded');
    await page.waitForFunction('window.__spoken.length > 0', undefined, { timeout: 10_000 });
    const said = await page.evaluate('window.__spoken') as Array<{ text: string }>;
    assert.equal(said[0]!.text, 'Payment received, 12.50 yuan');
    assert.deepEqual(pos.problems, []);
  });

  test('the customer signs on the display: History → Receipt → Customer signs → on the display; the POS shows the code', async () => {
    const page = pos.page;
    const sale = (await s.terminal('GET', '/v1/sales?limit=1')).body.data[0] as { id: string; payments: Array<{ id: string }> };
    await page.click('#nav-history');
    await page.click(`#sales [data-sale="${sale.id}"]`);
    await page.click('#open-receipt');
    await page.click('#receipt-sign');
    await page.click('#sign-on-display');
    await page.waitForSelector('#sign-waiting');
    // The display, in Traditional Chinese, asks for the signature.
    await display.waitForSelector('#sign-pad');
    assert.match(await display.innerText('#sign-title'), /請簽名確認[\s\S]*12\.50/);
    const b = (await (await display.$('#sign-pad'))!.boundingBox())!;
    await display.mouse.move(b.x + 20, b.y + b.height / 2);
    await display.mouse.down();
    for (let i = 1; i <= 15; i++) await display.mouse.move(b.x + 20 + i * 15, b.y + b.height / 2 + (i % 2 ? -20 : 20));
    await display.mouse.up();
    await display.click('#sign-done');
    await display.waitForSelector('#signed');
    const code = (await (await page.waitForSelector('#sign-code', { timeout: 20_000 })).innerText()).trim();
    const found = (await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/verification-receipts?paymentId=${sale.payments[0]!.id}`)).body.data;
    assert.equal(found.length, 1);
    assert.equal(found[0].code, code);
    // The POS moves the display on to the payment's result.
    await display.waitForSelector('#view[data-view="result"]');
  });
});
