import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tradeNo } from '../helpers/flows.ts';
import { decodeEscPos, textOf } from '../printer/escpos.ts';
import { startFakePrinter, type FakePrinter } from '../printer/fake-9100.ts';
import { NO_CHROMIUM, ensureBuilt, launch, openPos, ready } from './pos-driver.ts';

/**
 * Printing and the customer's signature at the counter, in Debian's Chromium against a real Saoma and
 * a fake network printer on 127.0.0.1: a sale from History printed on the store printer in the
 * printer's language; a print whose answer was lost, pressed again, printed once (same key); an
 * offline printer's slip shown waiting and then printed; the terminal's own printer refused cleanly
 * where the browser lacks WebUSB / Web Serial; a dot refused as a signature; a real signature with a
 * gift printed as a verification slip whose QR opens the public page saying it is authentic.
 */
describe('POS printing and signatures in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let printer: FakePrinter;
  let printerId = '';
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];
  let saleId = '';
  let paymentId = '';
  const m = () => s.demo.merchantId;

  before(async () => {
    ensureBuilt();
    printer = await startFakePrinter();
    s = await startServer();
    // Traditional Chinese on a GBK printer (GBK holds the Traditional characters); the store's template prints in the printer's language.
    const r = await s.signed('POST', `/v1/merchants/${m()}/printers`, { storeId: s.demo.storeId, name: 'Front counter', url: printer.url, lang: 'zh-Hant', autoPrint: false });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    printerId = r.body.id;
    const sale = await s.terminal('POST', '/v1/sales', { amount: 4250, currency: 'CNY', items: [{ name: '鳳梨酥', quantity: 2, unitPrice: 1500 }, { name: '炸雞', quantity: 1, unitPrice: 1250 }] });
    assert.equal(sale.status, 201, JSON.stringify(sale.body));
    saleId = sale.body.id;
    const pay = await s.terminal('POST', '/v1/payments', { saleId, outTradeNo: tradeNo('cash'), amount: 5000, tendered: 5000, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(pay.status, 201, JSON.stringify(pay.body));
    paymentId = pay.body.id;
    browser = await launch();
    const pos = await openPos(browser, { width: 1280, height: 800 });
    page = pos.page;
    problems = pos.problems;
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await printer?.close();
  });

  const jobsOfSale = async () => (await s.signed('GET', `/v1/merchants/${m()}/printers/${printerId}/jobs`)).body.data.filter((j: { ref: string; kind: string }) => j.ref === saleId && j.kind === 'sale');
  const row = () => `#store-printers [data-printer="${printerId}"]`;

  test('History → the sale → Receipt lists the store printer with its status', async () => {
    await ready(page, s);
    await page.click('#nav-history');
    await page.click(`#sales [data-sale="${saleId}"]`);
    await page.waitForSelector(`#sale-details[data-sale="${saleId}"]`);
    await page.click('#open-receipt');
    await page.waitForSelector('#slip');
    await page.waitForSelector(row());
    assert.match(await page.innerText(row()), /Front counter[\s\S]*not seen yet[\s\S]*Print/);
  });

  test('a print whose answer is lost, pressed again, prints once with the same key, in the printer’s language', async () => {
    const keys: string[] = [];
    await page.route(`**/v1/printers/${printerId}/print`, async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      const answer = await route.fetch();
      // The server did the work; the terminal never hears of it the first time.
      if (keys.length === 1) await route.abort('connectionreset');
      else await route.fulfill({ response: answer });
    });
    await page.click(`${row()} button.print-store`);
    await page.waitForSelector(`${row()} .warn`);
    assert.match(await page.innerText(`${row()} .warn`), /Press Print again: it still prints only once/);
    await page.click(`${row()} button.print-store`);
    await page.waitForSelector(`${row()} .job-state[data-state="printed"]`, { timeout: 20_000 });
    assert.match(await page.innerText(`${row()} .job-state`), /Printed on Front counter/);
    await page.unroute(`**/v1/printers/${printerId}/print`);
    assert.equal(keys.length, 2);
    assert.ok(keys[0]!.length >= 16, `a key was sent: ${keys[0]}`);
    assert.equal(keys[0], keys[1], 'the retry sends the same Idempotency-Key');
    assert.equal((await jobsOfSale()).length, 1, 'one job for two presses');
    const got = await printer.waitForJobs(1);
    assert.equal(got.length, 1);
    const text = textOf(decodeEscPos(got[0]!, { encoding: 'gbk' }));
    assert.match(text, /收銀小票[\s\S]*鳳梨酥[\s\S]*炸雞[\s\S]*合計[\s\S]*￥42\.50[\s\S]*找零[\s\S]*￥7\.50/);
    assert.ok(!text.includes('收银'), 'Traditional, not Simplified');
  });

  test('a new press after an answer is a new print; on an offline printer the slip is shown waiting, then printed when it is back', async () => {
    await printer.offline();
    await page.click(`${row()} button.print-store`);
    await page.waitForSelector(`${row()} .job-state[data-state="offline"]`, { timeout: 20_000 });
    assert.match(await page.innerText(`${row()} .job-state`), /offline: the slip waits in its queue/);
    await page.waitForSelector(`${row()}[data-status="offline"]`, { timeout: 20_000 });
    assert.match(await page.innerText(row()), /1 waiting/);
    assert.equal((await jobsOfSale()).length, 2);
    await printer.online();
    await page.waitForSelector(`${row()} .job-state[data-state="printed"]`, { timeout: 60_000 });
    await printer.waitForJobs(2);
    assert.equal(printer.jobs.length, 2);
  });

  test('the terminal’s own printer: a browser without WebUSB or Web Serial is told so and what to do', async () => {
    await page.waitForSelector('#local-printer');
    // Chromium on 127.0.0.1 (a secure context) has WebUSB; its device chooser cannot be driven headless, so the path stops here.
    assert.equal(await page.getAttribute('#local-printer', 'data-unsupported'), '');
    assert.ok(await page.isEnabled('#local-print'));
    await page.screenshot({ path: '/tmp/h8-receipt.png' });
    // Chromium has both; take them away as a browser without them would be.
    await page.evaluate('delete Navigator.prototype.usb; delete Navigator.prototype.serial');
    await page.selectOption('#local-printer select[name=transport]', 'serial');
    await page.waitForSelector('#local-printer[data-unsupported="no-serial"]');
    assert.match(await page.innerText('#local-unsupported'), /cannot reach serial printers \(Web Serial needs Chrome or Edge 89/);
    assert.ok(await page.$('#local-printer select[name=baud]'), 'serial has a speed');
    await page.selectOption('#local-printer select[name=transport]', 'usb');
    await page.waitForSelector('#local-printer[data-unsupported="no-usb"]');
    assert.match(await page.innerText('#local-unsupported'), /WebUSB/);
    assert.equal(await page.$('#local-print'), null, 'no button that cannot work');
    // The choices are kept on the device.
    await page.selectOption('#local-printer select[name=paper]', '80');
    await page.selectOption('#local-printer select[name=encoding]', 'big5');
    const kept = JSON.parse(await page.evaluate('localStorage.getItem("saoma.localPrinter")') as string);
    assert.deepEqual({ paper: kept.paper, encoding: kept.encoding, transport: kept.transport }, { paper: 80, encoding: 'big5', transport: 'usb' });
  });

  test('a dot is not a signature: refused on the page, nothing made', async () => {
    await page.click('#receipt-sign');
    await page.waitForSelector('#sign-pad');
    await page.click('#sign-done');
    await page.waitForSelector('#sign-error');
    assert.match(await page.innerText('#sign-error'), /box is empty/);
    const box = (await page.$('#sign-pad'))!;
    const b = (await box.boundingBox())!;
    await page.mouse.move(b.x + 100, b.y + 100);
    await page.mouse.down();
    await page.mouse.up();
    await page.click('#sign-done');
    await page.waitForFunction('/a dot, not a signature/.test(document.getElementById("sign-error").textContent)');
    const made = await s.signed('GET', `/v1/merchants/${m()}/verification-receipts?paymentId=${paymentId}`);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.deepEqual(made.body.data, []);
  });

  test('the customer signs, a gift is added: the code and QR are shown, the store printer prints the slip, the QR opens “authentic”', async () => {
    await page.click('#sign-clear');
    const b = (await (await page.$('#sign-pad'))!.boundingBox())!;
    // A name-like scribble: three strokes, each moved in steps as a hand would.
    const strokes: Array<Array<[number, number]>> = [[[40, 150], [90, 60], [130, 170], [180, 70]], [[220, 140], [300, 90], [360, 160]], [[400, 80], [420, 180], [520, 120]]];
    for (const st of strokes) {
      await page.mouse.move(b.x + st[0]![0], b.y + st[0]![1]);
      await page.mouse.down();
      for (const [x, y] of st.slice(1)) await page.mouse.move(b.x + x, b.y + y, { steps: 8 });
      await page.mouse.up();
    }
    await page.click('#add-gift');
    await page.fill('input[name=gift-name]', '紙巾');
    await page.fill('input[name=gift-qty]', '2');
    assert.equal(await page.inputValue('select[name=sign-printer]'), printerId, 'the store printer by default');
    const before = printer.jobs.length;
    // The first answer is lost after the server made the record: Done again is the same record and the same print.
    let posts = 0;
    await page.route(`**/v1/payments/${paymentId}/verification-receipts`, async (route) => {
      posts++;
      const answer = await route.fetch();
      if (posts === 1) await route.abort('connectionreset');
      else await route.fulfill({ response: answer });
    });
    await page.click('#sign-done');
    await page.waitForFunction('/Press Done again: the same signature makes one receipt/.test((document.getElementById("sign-error") || {}).textContent || "")');
    await page.click('#sign-done');
    await page.waitForSelector('#sign-code');
    await page.unroute(`**/v1/payments/${paymentId}/verification-receipts`);
    assert.equal(posts, 2);
    const code = (await page.innerText('#sign-code')).trim();
    assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    const url = (await page.innerText('#sign-url')).trim();
    assert.equal(await page.getAttribute('#sign-result canvas.qr', 'data-qr'), url);

    const made = (await s.signed('GET', `/v1/merchants/${m()}/verification-receipts?paymentId=${paymentId}`)).body.data;
    assert.equal(made.length, 1);
    assert.equal(made[0].code, code);
    assert.deepEqual(made[0].gifts, [{ name: '紙巾', quantity: 2 }]);

    const slip = decodeEscPos((await printer.waitForJobs(before + 1))[before]!, { encoding: 'gbk' });
    const text = textOf(slip);
    assert.ok(text.includes(code), `${code} in\n${text}`);
    assert.match(text, /驗證收據[\s\S]*紙巾/);
    assert.ok(slip.qrCodes.includes(url), `QR ${JSON.stringify(slip.qrCodes)} is ${url}`);
    await page.waitForSelector('#sign-result .job-state[data-state="printed"]', { timeout: 20_000 });
    assert.equal(printer.jobs.length, before + 1, 'the slip printed once');
    // The terminal's own printer, through the lazily loaded module, on this page that lost WebUSB above: refused, said why.
    await page.click('#sign-local-print');
    await page.waitForSelector('#sign-result [data-result]');
    assert.equal(await page.getAttribute('#sign-result [data-result]', 'data-result'), 'no-usb');
    assert.match(await page.innerText('#sign-result [data-result]'), /cannot reach USB printers/);

    await page.click('#sign-finish');
    await page.waitForSelector('#slip');
    await page.goto(url);
    assert.match(await page.innerText('body'), /Authentic receipt/);
    assert.deepEqual(problems, []);
  });
});
