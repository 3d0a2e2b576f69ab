import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { NO_CHROMIUM, launch, watchProblems } from './chromium.ts';
import { eventually, startServer, type TestServer } from '../helpers/server.ts';
import { POS_DIST } from '../../src/http/pos.ts';

/**
 * The POS back office in Debian's Chromium, through the real app: open a shift with a counted float,
 * see a cash sale and a sandbox-wallet sale in History, their receipts, a partial refund refused with
 * a wrong supervisor PIN and then approved with the right one, a refund over what is left refused
 * before sending, and the shift closed ¥1 short — each checked against the API as well as the screen.
 */

describe('POS back office in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let cashSale = '';
  let qrSale = '';
  let qrPayment = '';
  let qrTradeNo = '';
  let shiftId = '';
  let zhaoId = '';

  before(async () => {
    if (!existsSync(`${POS_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:pos'], { stdio: 'inherit' });
    s = await startServer({ qrTtlMs: 120_000 });
    // A second supervisor, to lock out without losing the demo one (the terminal lists operators when it starts).
    const zhao = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/operators`, { name: '赵 Zhao', role: 'manager', pin: '2468', storeId: s.demo.storeId });
    assert.equal(zhao.status, 201, JSON.stringify(zhao.body));
    zhaoId = zhao.body.id;
    browser = await launch();
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1024, height: 600 } });
    page = await context.newPage();
    watchProblems(page, problems);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function text(sel: string): Promise<string> {
    return page.innerText(sel);
  }
  /** Log in on the terminal as one operator: a session of our own, for checking what a role may do. */
  async function session(operatorId: string, pin: string): Promise<string> {
    const r = await s.terminal('POST', '/v1/operators/login', { operatorId, pin });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.token as string;
  }
  async function refundsOf(paymentId: string): Promise<Array<{ amount: number; state: string; createdBy: { name: string } | null }>> {
    return (await s.terminal('GET', `/v1/payments/${paymentId}/refunds`)).body.data;
  }

  test('pair and log in as the cashier: no shift yet, so the float is counted first', async () => {
    await page.goto(`${s.url}/pos`);
    await page.fill('#pair input[name=token]', s.demo.terminalToken);
    await page.click('#pair button[type=submit]');
    await page.waitForSelector('#login');
    await page.selectOption('#login select[name=operator]', s.demo.operator.id);
    await page.fill('#login input[name=pin]', s.demo.operator.pin);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#shift-open');
    // 2 × ¥100 + 3 × ¥10 + 2 × ¥0.5 + 5 × ¥0.1 = ¥231.50, with a tap on + for one of the coins.
    await page.fill('#float-count input[data-denom="10000"]', '2');
    await page.fill('#float-count input[data-denom="1000"]', '3');
    await page.fill('#float-count input[data-denom="50"]', '1');
    await page.click('#float-count .denom:has(input[data-denom="50"]) button[aria-label="+"]');
    await page.fill('#float-count input[data-denom="10"]', '5');
    assert.equal(await page.getAttribute('#float-count .count-total strong', 'data-minor'), '23150');
    await page.fill('#float-count input[data-denom="100"]', '1.5');
    assert.match(await text('#float-count [role=alert]'), /whole number from 0 to 9999/);
    await page.waitForSelector('#open-shift:disabled');
    await page.fill('#float-count input[data-denom="100"]', '');
    await page.waitForFunction('/231\\.50/.test(document.getElementById("open-shift").textContent)');
    await page.click('#open-shift');
    await page.waitForSelector('#amount');
    const shift = await s.terminal('GET', '/v1/shifts/current');
    assert.equal(shift.status, 200, JSON.stringify(shift.body));
    assert.equal(shift.body.openingFloat, 23150);
    assert.equal(shift.body.openedBy.id, s.demo.operator.id);
    shiftId = shift.body.id;
  });

  test('a cash sale and a sandbox-wallet sale are taken (through the API, with the terminal token)', async () => {
    const cash = await s.terminal('POST', '/v1/sales', { amount: 3850, currency: 'CNY', items: [{ name: '珍珠奶茶', quantity: 2, unitPrice: 1500 }, { name: 'Egg tart', quantity: 1, unitPrice: 850 }] });
    assert.equal(cash.status, 201, JSON.stringify(cash.body));
    cashSale = cash.body.id;
    const cp = await s.terminal('POST', '/v1/payments', { outTradeNo: 'H6CASH1', amount: 3850, currency: 'CNY', method: 'cash', channel: 'cash', tendered: 5000, saleId: cashSale });
    assert.equal(cp.status, 201, JSON.stringify(cp.body));
    assert.equal(cp.body.state, 'succeeded');

    const qr = await s.terminal('POST', '/v1/sales', { amount: 1250, currency: 'CNY', items: [{ name: 'Latte', quantity: 1, unitPrice: 1250 }] });
    assert.equal(qr.status, 201, JSON.stringify(qr.body));
    qrSale = qr.body.id;
    const qp = await s.terminal('POST', '/v1/payments', { outTradeNo: 'H6QR1', amount: 1250, currency: 'CNY', method: 'dynamic_qr', channel: 'sandbox', saleId: qrSale });
    assert.equal(qp.status, 201, JSON.stringify(qp.body));
    qrPayment = qp.body.id;
    const pay = await fetch(`${s.url}/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: qp.body.qrCode }) });
    assert.equal(pay.status, 200, await pay.text());
    const done = await eventually(async () => {
      const p = (await s.terminal('GET', `/v1/payments/${qrPayment}`)).body;
      return p.state === 'succeeded' ? p : null;
    }, 'the sandbox payment to succeed');
    assert.ok(done.channelTradeNo, 'the wallet gave its transaction number');
    qrTradeNo = done.channelTradeNo;
  });

  test('History lists both, newest first, with amount, items, wallet, state and the wallet’s number', async () => {
    await page.click('#nav-history');
    await page.waitForSelector(`#sales [data-sale="${cashSale}"]`);
    const rows = await page.$$eval('#sales .sale-row', (els) => els.map((e) => e.getAttribute('data-sale')));
    assert.deepEqual(rows, [qrSale, cashSale]);
    const qrRow = await text(`#sales [data-sale="${qrSale}"]`);
    assert.match(qrRow, /12\.50/);
    assert.match(qrRow, /Items: 1/);
    assert.match(qrRow, /Sandbox wallet/);
    assert.match(qrRow, /Paid/);
    assert.ok(qrRow.includes(qrTradeNo), qrRow);
    // The time is the merchant's wall clock, whatever zone the device (here UTC) is set to.
    const merchant = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}`);
    const sale = (await s.terminal('GET', `/v1/sales/${qrSale}`)).body;
    const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: merchant.body.timezone, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(sale.createdAt));
    assert.ok(qrRow.includes(hhmm), `${hhmm} (${merchant.body.timezone}) in ${qrRow}`);
    const cashRow = await text(`#sales [data-sale="${cashSale}"]`);
    assert.match(cashRow, /38\.50/);
    assert.match(cashRow, /Items: 3/);
    assert.match(cashRow, /Cash/);
  });

  test('the receipt shows the items, the tenders with the wallet’s number and the change; it can be printed', async () => {
    await page.click(`#sales [data-sale="${cashSale}"]`);
    await page.waitForSelector(`#sale-details[data-sale="${cashSale}"]`);
    await page.click('#open-receipt');
    await page.waitForSelector('#slip');
    const cash = await text('#slip');
    for (const s of ['Sales receipt', '珍珠奶茶', '2 x ￥15.00', '￥30.00', 'Egg tart', 'Total', '￥38.50', 'Cash received', '￥50.00', 'Change', '￥11.50']) assert.ok(cash.includes(s), `${s} in\n${cash}`);
    assert.ok(await page.isEnabled('#receipt-print'));
    // The print stylesheet keeps only the slip, 48 mm wide (58 mm paper less its margins).
    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(`(() => {
      const slip = document.getElementById('slip');
      const button = document.getElementById('receipt-print');
      return { slip: getComputedStyle(slip).visibility, button: getComputedStyle(button).visibility, width: slip.getBoundingClientRect().width };
    })()`) as { slip: string; button: string; width: number };
    await page.emulateMedia({ media: 'screen' });
    assert.equal(printed.slip, 'visible');
    assert.equal(printed.button, 'hidden');
    assert.ok(Math.abs(printed.width - (48 / 25.4) * 96) < 2, `slip ${printed.width}px wide`);
    await page.click('#receipt-back');

    await page.click(`#sales [data-sale="${qrSale}"]`);
    await page.waitForSelector(`#sale-details[data-sale="${qrSale}"]`);
    await page.click('#open-receipt');
    await page.waitForSelector('#slip');
    const qr = await text('#slip');
    for (const s of ['Latte', '￥12.50', 'Sandbox wallet', 'Wallet transaction no.', qrTradeNo]) assert.ok(qr.includes(s), `${s} in\n${qr}`);
    // The customer's copy is in the cashier's language.
    await page.click('button[data-lang="zh-Hans"]');
    await page.waitForFunction('document.getElementById("slip").textContent.indexOf("合计") >= 0');
    assert.ok((await text('#slip')).includes('钱包交易号'));
    await page.click('button[data-lang="en"]');
    await page.click('#receipt-back');
  });

  test('a refund needs a supervisor: a wrong PIN is refused with the API’s message and refunds nothing', async () => {
    await page.click(`#sales [data-sale="${qrSale}"]`);
    await page.waitForSelector(`#sale-details[data-sale="${qrSale}"]`);
    await page.click('#open-refund');
    await page.waitForSelector('#refund-form');
    assert.equal(await page.inputValue('#refund-form input[name=refund-amount]'), '12.50', 'the full amount by default');
    assert.equal(await page.inputValue('#refund-form select[name=supervisor]'), s.demo.supervisor.id);
    await page.fill('#refund-form input[name=refund-amount]', '5');
    await page.selectOption('#refund-form select[name=reason]', 'reasonWrongAmount');
    await page.fill('#refund-form input[name=supervisor-pin]', '0000');
    await page.click('#refund-submit');
    await page.waitForSelector('#refund-error');
    assert.match(await text('#refund-error'), /Wrong PIN; 4 tries left/);
    assert.deepEqual(await refundsOf(qrPayment), []);
    // A locked-out approver gets the server's words, in the cashier's language.
    await page.click('button[data-lang="zh-Hans"]');
    await page.selectOption('#refund-form select[name=supervisor]', zhaoId);
    for (let i = 0; i < 5; i++) {
      await page.fill('#refund-form input[name=supervisor-pin]', '0000');
      await page.click('#refund-submit');
      await page.waitForFunction('!document.getElementById("refund-submit").disabled && document.getElementById("refund-error")');
    }
    await page.waitForFunction('/锁定/.test((document.getElementById("refund-error") || {}).textContent)');
    assert.match(await text('#refund-error'), /密码错误次数过多/);
    await page.click('button[data-lang="en"]');
    await page.selectOption('#refund-form select[name=supervisor]', s.demo.supervisor.id);
    assert.deepEqual(await refundsOf(qrPayment), []);
    // The cashier's own session is never enough (the screen never tries; the server refuses it too).
    const cashier = await session(s.demo.operator.id, s.demo.operator.pin);
    const r = await fetch(`${s.url}/v1/payments/${qrPayment}/refunds`, { method: 'POST', headers: { authorization: `Bearer ${cashier}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 100 }) });
    assert.equal(r.status, 403);
    assert.deepEqual(await refundsOf(qrPayment), []);
  });

  test('a refund over what is left is refused before anything is sent', async () => {
    const requests: string[] = [];
    const watch = (req: { url(): string; method(): string }) => { if (req.method() === 'POST' && /operators\/login|refunds/.test(req.url())) requests.push(req.url()); };
    page.on('request', watch);
    await page.fill('#refund-form input[name=refund-amount]', '12.51');
    await page.fill('#refund-form input[name=supervisor-pin]', s.demo.supervisor.pin);
    await page.click('#refund-submit');
    await page.waitForFunction('/more than is left/.test((document.getElementById("refund-error") || {}).textContent)');
    assert.match(await text('#refund-error'), /12\.50/);
    await page.fill('#refund-form input[name=refund-amount]', '1.005');
    await page.click('#refund-submit');
    await page.waitForFunction('/At most 2 decimal places/.test((document.getElementById("refund-error") || {}).textContent)');
    page.off('request', watch);
    assert.deepEqual(requests, [], 'no login, no refund');
    assert.deepEqual(await refundsOf(qrPayment), []);
  });

  test('with the right supervisor PIN the partial refund goes through once, even when its first answer is lost', async () => {
    await page.fill('#refund-form input[name=refund-amount]', '5.00');
    await page.fill('#refund-form input[name=supervisor-pin]', s.demo.supervisor.pin);
    // The server makes the refund but the answer never reaches the terminal.
    const sent: Array<{ key: string | undefined; body: string | null }> = [];
    let drop = true;
    await page.route('**/v1/payments/*/refunds', async (route) => {
      const req = route.request();
      if (req.method() !== 'POST') return route.continue();
      sent.push({ key: req.headers()['idempotency-key'], body: req.postData() });
      if (!drop) return route.continue();
      drop = false;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.click('#refund-submit');
    await page.waitForFunction('/No answer from the server/.test((document.getElementById("refund-error") || {}).textContent)');
    assert.ok(await page.isDisabled('#refund-form input[name=refund-amount]'), 'the amount of an unanswered refund cannot change');
    assert.match(await text('#refund-submit'), /Retry the same refund/);
    assert.equal((await refundsOf(qrPayment)).length, 1, 'the server did make it');
    await page.fill('#refund-form input[name=supervisor-pin]', s.demo.supervisor.pin);
    await page.click('#refund-submit');
    await page.waitForSelector('#refund-status[data-state="succeeded"]', { timeout: 20_000 });
    await page.unroute('**/v1/payments/*/refunds');
    assert.equal(sent.length, 2);
    assert.ok(sent[0]!.key && sent[0]!.key === sent[1]!.key, 'the retry reuses the Idempotency-Key');
    assert.equal(sent[0]!.body, sent[1]!.body, 'and the body, with its outRefundNo');
    assert.match(JSON.parse(sent[0]!.body!).outRefundNo, /^RFD/);
    assert.match(await text('#refund-status'), /Refunded .*5\.00/);
    assert.match(await text('#refund-result'), new RegExp(`Approved by ${s.demo.supervisor.name}`));
    const refunds = await refundsOf(qrPayment);
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0]!.amount, 500);
    assert.equal(refunds[0]!.state, 'succeeded');
    assert.equal(refunds[0]!.createdBy!.name, s.demo.supervisor.name);
    await page.click('#refund-done');
    await page.waitForSelector('#sale-refunds');
    assert.match(await text('#sale-refunds'), /5\.00/);
    assert.match(await text(`#sales [data-sale="${qrSale}"]`), /Refunded .*5\.00/);
    // What is left is now 7.50: the form offers exactly that.
    await page.click('#open-refund');
    await page.waitForSelector('#refund-form');
    assert.equal(await page.inputValue('#refund-form input[name=refund-amount]'), '7.50');
    assert.match(await text('#refund-form'), /7\.50 left to refund/);
    await page.click('#refund-back');
    // The reprint shows the refund.
    await page.click('#open-receipt');
    await page.waitForSelector('#slip');
    const slip = await text('#slip');
    assert.ok(slip.includes('-￥5.00') && slip.includes('Net paid') && slip.includes('￥7.50'), slip);
    await page.click('#receipt-back');
  });

  test('closing the shift ¥1 short: the difference shows before confirming, and the API agrees', async () => {
    await page.click('#nav-shift');
    await page.waitForSelector('#shift-screen #shift-figures');
    // Float 231.50 + cash 38.50 (the change went back out) = 270.00 expected.
    assert.equal(await page.getAttribute('#shift-expected', 'data-minor'), '27000');
    assert.match(await text('#shift-figures'), /Opened by[\s\S]*Wang/);
    assert.match(await text('#shift-bars'), /Cash[\s\S]*38\.50/);
    assert.match(await text('#shift-bars'), /Sandbox wallet[\s\S]*12\.50/);
    await page.click('#close-count [data-mode="total"]');
    await page.fill('#close-count input[name=total]', '269');
    await page.waitForSelector('#shift-difference[data-minor="-100"]');
    const diff = await text('#shift-difference');
    assert.match(diff, /\u22121\.00|\u2212[^\d]*1\.00/, diff);
    assert.match(diff, /Short/);
    assert.equal((await s.terminal('GET', '/v1/shifts/current')).status, 200, 'nothing is closed before the confirmation');
    await page.click('#close-shift');
    await page.waitForSelector('#shift-report');
    assert.match(await text('#shift-report #shift-difference'), /\u2212[^\d]*1\.00/);
    const closed = await s.terminal('GET', `/v1/shifts/${shiftId}`);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.countedCash, 26900);
    assert.equal(closed.body.expectedCash, 27000);
    assert.equal(closed.body.difference, -100);
    assert.ok(closed.body.closedAt);
    await page.click('#shift-done');
    await page.waitForSelector('#shift-open');
    assert.equal((await s.terminal('GET', '/v1/shifts/current')).body.error.code, 'no_open_shift');
  });

  test('History pages with “more”: no sale twice, none missing', async () => {
    const made: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await s.terminal('POST', '/v1/sales', { amount: 100 + i, currency: 'CNY' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      made.push(r.body.id);
    }
    await page.click('#nav-history');
    await page.waitForSelector('#history-more');
    const first = await page.$$eval('#sales .sale-row', (els) => els.map((e) => e.getAttribute('data-sale')));
    // Sales made in the same millisecond have no order of their own: the server's order is the one to show.
    const order = ((await s.terminal('GET', '/v1/sales?limit=50')).body.data as Array<{ id: string }>).map((x) => x.id);
    assert.equal(order.length, 22);
    assert.deepEqual(first, order.slice(0, 20));
    await page.click('#history-more');
    await page.waitForFunction('document.querySelectorAll("#sales .sale-row").length === 22');
    const all = await page.$$eval('#sales .sale-row', (els) => els.map((e) => e.getAttribute('data-sale')));
    assert.deepEqual(all, order);
    assert.deepEqual(all.slice().sort(), made.concat([qrSale, cashSale]).sort());
    assert.match(await text('#history'), /That is every sale/);
  });

  test('no script errors on the page', () => {
    assert.deepEqual(problems, []);
  });
});
