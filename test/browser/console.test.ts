import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CONSOLE_DIST } from '../../src/http/console.ts';
import { eventually, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { payWithCode, tradeNo, waitFinal } from '../helpers/flows.ts';
import { decodeEscPos, textOf } from '../printer/escpos.ts';
import { startFakePrinter, type FakePrinter } from '../printer/fake-9100.ts';
import { NO_CHROMIUM, fitsWidth, launch, notBlank, openPos } from './pos-driver.ts';

const STROKES = [
  { points: [{ x: 20, y: 60, time: 1 }, { x: 60, y: 20, time: 20 }, { x: 100, y: 70, time: 40 }, { x: 140, y: 25, time: 60 }] },
  { points: [{ x: 15, y: 90, time: 120 }, { x: 120, y: 92, time: 160 }, { x: 200, y: 88, time: 200 }] },
];
/** What the edited template adds on top of the default: looked for in the preview and on paper. */
const MARK = 'Hello from the console';

/** The text an <img src="data:image/svg+xml,…"> shows, as receiptline draws it (one <tspan> per character). */
function svgText(src: string): string {
  const svg = decodeURIComponent(src.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));
  assert.ok(svg.startsWith('<svg'), svg.slice(0, 80));
  return svg.replace(/<[^>]+>/g, '').replace(/&#xa0;|&nbsp;/g, ' ');
}

/**
 * The merchant console (/console) in Debian's Chromium, against a real Saoma and a fake network
 * printer: sign in with the demo API key (after a wrong one); a template with a misspelt field is
 * refused naming its line, which the editor highlights; fixed, the preview shows it, saved it is
 * version 1 and the next sale prints it; a printer added in the console goes online; a batch prints
 * a time range twice with its progress; a verification receipt is found by code and collected; the
 * stands' quality check blocks a code too small to scan and the PDF downloads; every language renders.
 */
describe('merchant console in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let printer: FakePrinter;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  let printerId = '';
  let saleId = '';

  before(async () => {
    if (!existsSync(`${CONSOLE_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:console'], { stdio: 'inherit' });
    printer = await startFakePrinter();
    s = await startServer();
    browser = await launch();
    ({ context, page, problems } = await openPos(browser, { width: 1280, height: 800 }));
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    await printer?.close();
  });

  async function tab(name: string): Promise<void> {
    await page.click(`#tab-${name}`);
    await page.waitForSelector(`#${name}`);
  }

  test('a wrong secret gets the API message; the demo key signs in and shows its merchant', async () => {
    await page.goto(`${s.url}/console`);
    await page.waitForSelector('#signin');
    await page.fill('#signin input[name=keyId]', s.demo.apiKey.id);
    await page.fill('#signin input[name=secret]', 'not-the-secret');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#signin [role=alert]');
    assert.match(await page.innerText('#signin [role=alert]'), /unauthenticated|signature/i);
    await page.fill('#signin input[name=secret]', s.demo.apiKey.secret);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#merchant-name');
    assert.match(await page.innerText('#merchant-name'), /Demo Night Market/);
    assert.equal(await page.evaluate('localStorage.getItem("saoma.console.creds")'), null, 'the secret is not kept past the tab');
  });

  test('templates: a misspelt field names and highlights its line; fixed, the preview shows it; saved, version 1', async () => {
    // The console opens on its first area's first page (Reports → Takings); the templates are a page of their own.
    await tab('templates');
    await page.waitForSelector('#templates #preview');
    const original = await page.inputValue('#template-source');
    assert.match(original, /\{\{merchant\.name\}\}/, 'the default template is loaded');
    await page.fill('#template-source', `^^${MARK}\n{{sale.totl}}\n${original}`);
    await page.waitForSelector('#template-error');
    assert.match(await page.innerText('#template-error'), /2.*sale\.totl/);
    assert.equal(await page.getAttribute('.editor', 'data-error-line'), '2');
    assert.ok(await page.$('.gutter [data-line="2"].bad'), 'line 2 is marked in the gutter');
    assert.ok(await page.$('.line-mark'), 'line 2 is highlighted in the editor');
    assert.equal(await page.innerText('#template-error .bad-line'), '2: {{sale.totl}}');

    await page.fill('#template-source', `^^${MARK}\n${original}`);
    await page.waitForSelector('#template-error', { state: 'detached' });
    await eventually(async () => svgText((await page.getAttribute('#preview', 'src'))!).includes(MARK), 'the preview to show the new line');
    assert.equal(await page.$('.gutter .bad'), null);

    await page.click('#save-template');
    await page.waitForSelector('#template-note');
    assert.match(await page.innerText('#template-note'), /1/);
    await page.waitForSelector('#versions li[data-version="1"]');
    const saved = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/stores/${s.demo.storeId}/receipt-templates/sale`);
    assert.equal(saved.body.version, 1);
    assert.ok(saved.body.source.startsWith(`^^${MARK}\n`));

    // Version 0 is ours: loading it puts the default back in the editor (saving it would make version 2).
    await page.click('#load-default');
    await eventually(async () => (await page.inputValue('#template-source')) === original, 'the default to load');
  });

  test('printers: one added in the console prints the next cash sale with the saved template, and shows online', async () => {
    await tab('printers');
    await page.click('#add-printer');
    await page.fill('#printer-form input[name=name]', 'Counter printer');
    await page.fill('#printer-form input[name=url]', printer.url);
    assert.equal(await page.isChecked('#printer-form input[name=autoPrint]'), true);
    await page.click('#printer-form button[type=submit]');
    const row = await page.waitForSelector('#printer-list tr[data-printer]');
    printerId = (await row.getAttribute('data-printer'))!;

    const sale = await s.terminal('POST', '/v1/sales', { amount: 1200, currency: 'CNY' });
    assert.equal(sale.status, 201, JSON.stringify(sale.body));
    saleId = sale.body.id;
    const pay = await s.terminal('POST', '/v1/payments', { saleId, outTradeNo: tradeNo('cash'), amount: 2000, tendered: 2000, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(pay.status, 201, JSON.stringify(pay.body));
    const job = (await printer.waitForJobs(1))[0]!;
    assert.ok(textOf(decodeEscPos(job, { encoding: 'gbk' })).includes(MARK), 'the printed receipt has the template\'s new line');
    await page.waitForSelector(`#printer-list tr[data-printer="${printerId}"][data-status="online"]`, { timeout: 20_000 });

    await page.click(`tr[data-printer="${printerId}"] [data-act=jobs]`);
    await page.waitForSelector('#jobs tr[data-state="printed"]');
  });

  test('printers: a job for an unreachable printer waits with its error, is retried, then cancelled from the console', async () => {
    const dead = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/printers`, { storeId: s.demo.storeId, name: 'Back office', url: `tcp://127.0.0.1:${await freePort()}` });
    assert.equal(dead.status, 201, JSON.stringify(dead.body));
    const r = await s.terminal('POST', `/v1/printers/${dead.body.id}/print`, { saleId });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const row = `#printer-list tr[data-printer="${dead.body.id}"]`;
    await page.waitForSelector(`${row}[data-status="offline"]`, { timeout: 20_000 });
    assert.equal(await page.innerText(`${row} .queued`), '1');
    assert.notEqual((await page.innerText(`${row} .err-cell`)).trim(), '', 'the last error is shown');
    await page.click(`${row} [data-act=jobs]`);
    const job = '#jobs tr[data-state="queued"]';
    await page.waitForSelector(job);
    await page.click(`${job} [data-act=retry]`);
    await page.waitForSelector(job);
    // A retry that lands while the worker is mid-attempt is refused saying so; either way the job still waits.
    const refused = await page.$('#jobs [role=alert]');
    if (refused) assert.match(await refused.innerText(), /printing/);
    await page.click(`${job} [data-act=cancel]`);
    await page.waitForSelector('#jobs tr[data-state="cancelled"]');
    const jobs = (await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/printers/${dead.body.id}/jobs`)).body.data as Array<{ state: string }>;
    assert.deepEqual(jobs.map((j) => j.state), ['cancelled']);
    await page.waitForSelector(`${row} .queued:text-is("0")`);
  });

  test('batch: a time range printed twice, the progress bar reaching the total', async () => {
    await tab('batch');
    await page.selectOption('#batch-form select[name=printer]', printerId);
    const before = printer.jobs.length;
    await page.fill('#batch-form input[name=copies]', '2');
    await page.click('#start-batch');
    await page.waitForSelector('#batch-progress[data-done="true"]', { timeout: 30_000 });
    const total = Number(await page.getAttribute('#batch-progress', 'data-total'));
    assert.equal(total, 2, 'one sale in the range, two copies');
    assert.equal(await page.getAttribute('#batch-progress', 'data-printed'), '2');
    assert.equal(await page.getAttribute('#batch-progress progress', 'value'), '2');
    const jobs = await printer.waitForJobs(before + 2);
    for (const j of jobs.slice(before)) assert.ok(textOf(decodeEscPos(j, { encoding: 'gbk' })).includes(MARK));
  });

  test('verification receipts: found by code, collected; the gifts report charts them', async () => {
    const pay = await payWithCode(s, tradeNo('vr'), 8800, '00');
    const paymentId = (await waitFinal(s, pay.body.id)).id;
    const made = await s.terminal('POST', `/v1/payments/${paymentId}/verification-receipts`, { strokes: STROKES, gifts: [{ name: '纸巾 Tissues', quantity: 2 }] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await tab('verification');
    await page.fill('#vr-search input[name=code]', made.body.code);
    await page.check('#vr-search input[name=notCollected]');
    await page.click('#vr-search button[type=submit]');
    const row = `#vr-list tr[data-receipt="${made.body.id}"]`;
    await page.waitForSelector(`${row}[data-collected="false"]`);
    assert.equal(await page.$$eval('#vr-list tbody tr', (rs) => rs.length), 1);
    const text = await page.innerText(row);
    assert.match(text, /88\.00/);
    assert.match(text, /纸巾 Tissues ×2/);
    assert.equal(await page.getAttribute(`${row} a`, 'href'), made.body.url);
    await page.click(`${row} [data-act=collect]`);
    await page.waitForSelector(`${row}[data-collected="true"]`);
    const found = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/verification-receipts?code=${encodeURIComponent(made.body.code)}`);
    assert.ok(found.body.data[0].collectedAt, 'collected on the server');

    await page.click('#gifts-form button[type=submit]');
    await page.waitForSelector('#gift-chart rect');
    assert.match(await page.innerText('#gifts-report'), /纸巾 Tissues[\s\S]*2/);
  });

  test('stands: a code too small to scan blocks the PDF; at 10 cm the check passes and the PDF downloads', async () => {
    await tab('stands');
    await page.fill('#quality-form input[name=size]', '1cm');
    await page.click('#check-quality');
    await page.waitForSelector('#quality li[data-level="error"]');
    assert.equal(await page.isDisabled('#download-pdf'), true);
    await page.fill('#quality-form input[name=size]', '10cm');
    assert.equal(await page.isDisabled('#download-pdf'), true, 'a changed size needs a new check');
    await page.click('#check-quality');
    await page.waitForSelector('#quality tr[data-code]');
    assert.equal(await page.$('#quality li[data-level="error"]'), null);
    assert.match(await page.innerText('#quality'), /mm/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-pdf:not([disabled])')]);
    const file = await download.path();
    assert.equal(readFileSync(file).subarray(0, 4).toString('latin1'), '%PDF');
    // A sticker found on the counter: ours, then someone else's.
    const ours = (await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/stands`)).body.data.find((x: { enabled: boolean }) => x.enabled).url as string;
    await page.fill('#sticker-form input[name=sticker]', ours);
    await page.click('#check-sticker');
    await page.waitForSelector('#sticker-verdict[data-ours="true"]');
    await page.fill('#sticker-form input[name=sticker]', 'https://pay.evil.example/s/abcdefghjkmn');
    await page.click('#check-sticker');
    await page.waitForSelector('#sticker-verdict[data-ours="false"]');
  });

  test('every language renders every screen, at 1280×800 and 1024×600', async () => {
    const words: Record<string, RegExp> = { 'zh-Hans': /小票模板/, 'zh-Hant': /收據範本/, en: /Receipt templates/ };
    for (const size of [{ width: 1280, height: 800 }, { width: 1024, height: 600 }]) {
      await page.setViewportSize(size);
      for (const lang of ['zh-Hans', 'zh-Hant', 'en']) {
        await page.click(`header [data-lang="${lang}"]`);
        assert.match(await page.innerText('nav.sections'), words[lang]!);
        for (const name of ['templates', 'printers', 'batch', 'verification', 'stands']) {
          await tab(name);
          assert.ok(await fitsWidth(page), `${name} in ${lang} fits ${size.width}px`);
        }
        await tab('templates');
        await page.waitForSelector('#preview');
        assert.ok(notBlank(await page.screenshot()), `${lang} at ${size.width}×${size.height} is not blank`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
