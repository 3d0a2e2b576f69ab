import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';
import { NO_CHROMIUM, ensureBuilt, launch, login, openPos, openShift, outboxRecords, ready, waitStatus, type Pos } from './pos-driver.ts';

/**
 * The terminal when things break: a reload in the middle of a payment, the server stopped in the
 * middle of a WeChat payment-code charge and restarted on the same database and port, and the network
 * gone during a cash sale. Each time the terminal shows the true final state, and the server and the
 * wallet's books hold one payment and one charge.
 */
describe('POS recovery in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let pos: Pos;
  let page: Page;
  const config = { walletEmulators: true, qrTtlMs: 120_000, payCodeGiveUpMs: 60_000 } as const;

  before(async () => {
    ensureBuilt();
    s = await startServer(config);
    await s.rt.walletEmulators!.enroll(s.rt.channelAccounts, s.demo.merchantId);
    browser = await launch();
    pos = await openPos(browser);
    page = pos.page;
    await ready(page, s);
  });
  after(async () => {
    await pos?.context.close();
    await browser?.close();
    await s?.close();
  });

  async function newestLine(): Promise<any> {
    const { lines } = await outboxRecords(page);
    return lines.sort((a, b) => b.at - a.at)[0];
  }
  async function saleOf(line: any): Promise<any> {
    const { sales } = await outboxRecords(page);
    const sale = sales.find((x) => x.key === line.saleKey);
    return (await s.terminal('GET', `/v1/sales/${sale.saleId}`)).body;
  }
  const paySandbox = async (qr: string) => {
    const r = await fetch(`${s.url}/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: qr }) });
    assert.equal(r.status, 200, await r.text());
  };

  test('a reload while the QR waits: the terminal resumes the same line, and shows it paid when the wallet pays', async () => {
    await page.fill('#amount', '12.00');
    await page.click('#show-qr');
    await waitStatus(page, 'waiting');
    const qr = (await page.getAttribute('canvas.qr', 'data-qr'))!;
    const line = await newestLine();
    assert.ok(line.paymentId, 'the server had answered');
    await page.reload();
    await waitStatus(page, 'waiting');
    assert.equal(await page.getAttribute('canvas.qr', 'data-qr'), qr, 'the same QR, resumed');
    const again = await newestLine();
    assert.deepEqual([again.key, again.paymentId, again.body.outTradeNo], [line.key, line.paymentId, line.body.outTradeNo]);
    await paySandbox(qr);
    await waitStatus(page, 'succeeded');
    const sale = await saleOf(line);
    assert.equal(sale.state, 'completed');
    assert.equal(sale.payments.length, 1, 'one payment: the reload sent nothing new');
    await page.click('#new-sale');
    await page.waitForSelector('#amount');
  });

  test('paid while the page was reloading: after the reload the terminal shows the true state, paid', async () => {
    await page.fill('#amount', '6.60');
    await page.click('#show-qr');
    await waitStatus(page, 'waiting');
    const qr = (await page.getAttribute('canvas.qr', 'data-qr'))!;
    await Promise.all([page.reload(), paySandbox(qr)]);
    await waitStatus(page, 'succeeded');
    assert.equal((await saleOf(await newestLine())).payments.length, 1);
    await page.click('#new-sale');
    await page.waitForSelector('#amount');
  });

  test('the server stops while WeChat waits for the customer\'s password and restarts on the same database: paid, charged once', async () => {
    // The customer takes 6 s to confirm (code ending 02): long enough to stop the server meanwhile.
    s.rt.walletEmulators!.wechat.faults.set({ userPayingMs: 6000 });
    await page.fill('#amount', '33.00');
    await page.click('#scan-code');
    await page.fill('#code', '134567890123456702');
    await page.click('#charge');
    await waitStatus(page, 'paying');
    const line = await newestLine();
    const port = Number(new URL(s.url).port);
    const db = s.db;
    // A stopped server drops its connections (the live stream too), as a killed process would.
    await s.close({ keepDatabase: true });
    // No server: the terminal says it does not know, never "paid" or "failed".
    await waitStatus(page, 'unknown');
    s = await startServer(config, { database: db, port });
    await waitStatus(page, 'succeeded', 40_000);
    const sale = await saleOf(line);
    assert.equal(sale.state, 'completed');
    assert.deepEqual(sale.payments.map((p: any) => [p.channel, p.amount, p.state]), [['wechat', 3300, 'succeeded']]);
    const books = s.rt.walletEmulators!.wechat.chargeSummary().filter((r) => r.out_trade_no === line.body.outTradeNo);
    assert.deepEqual(books.map((r) => [r.charged, r.times_charged, r.returned]), [[3300, 1, 0]], 'WeChat charged the customer once');
    await page.click('#new-sale');
    await page.waitForSelector('#amount');
  });

  test('a payment-code charge whose answer is lost on the way back is sent again with the same key: one payment, one charge', async () => {
    let dropped = 0;
    await page.route('**/v1/payments', async (route) => {
      if (route.request().method() !== 'POST' || dropped > 0) return route.continue();
      dropped++;
      await route.fetch(); // the server takes it and charges the code…
      await route.abort('connectionreset'); // …and the terminal never hears back
    });
    await page.fill('#amount', '9.90');
    await page.click('#scan-code');
    await page.fill('#code', '134567890123456700');
    await page.click('#charge');
    await waitStatus(page, 'succeeded', 30_000);
    await page.unroute('**/v1/payments');
    assert.equal(dropped, 1);
    const line = await newestLine();
    const sale = await saleOf(line);
    assert.deepEqual(sale.payments.map((p: any) => [p.id, p.channel, p.amount, p.state]), [[line.paymentId, 'wechat', 990, 'succeeded']]);
    const books = s.rt.walletEmulators!.wechat.chargeSummary().filter((r) => r.out_trade_no === line.body.outTradeNo);
    assert.deepEqual(books.map((r) => r.times_charged), [1], 'the wallet charged once');
    await page.click('#new-sale');
    await page.waitForSelector('#amount');
  });

  test('offline during a cash sale: recorded, "waiting to sync", logout refused; back online it syncs with the same key, once', async () => {
    await page.fill('#amount', '25.00');
    await pos.context.setOffline(true);
    await page.click('#pay-cash');
    await page.waitForSelector('#line-amount');
    // A QR needs the wallet: refused offline, nothing recorded.
    await page.click('#mode-qr');
    await page.click('#add-qr');
    assert.match(await page.innerText('#tender-error'), /cannot be shown offline/);
    await page.click('#mode-cash');
    await page.fill('#line-amount', '30.00');
    await page.click('#add-cash');
    await page.waitForSelector('.line[data-method="cash"][data-line-state="recorded"]');
    await waitStatus(page, 'recorded');
    await page.waitForSelector('#sync-pending');
    assert.match(await page.innerText('#sync-pending'), /2 waiting to sync/);
    await page.click('#logout');
    assert.match(await page.innerText('#header-msg'), /waiting to sync; log out once they are sent/);
    assert.ok(await page.$('#lines'), 'still logged in, the sale still on the counter');
    const line = await newestLine();
    assert.equal(line.paymentId, null);
    assert.equal(line.body.tendered, 3000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await page.getAttribute('#status', 'data-state'), 'recorded', 'never "paid" without the server');
    const none = (await s.terminal('GET', '/v1/payments')).body.data.filter((p: any) => p.outTradeNo === line.body.outTradeNo);
    assert.equal(none.length, 0);

    await pos.context.setOffline(false);
    await waitStatus(page, 'succeeded', 30_000);
    assert.match(await page.innerText('#change'), /5\.00/);
    await page.waitForSelector('#sync-pending', { state: 'detached' });
    const synced = await newestLine();
    assert.equal(synced.key, line.key);
    const mine = (await s.terminal('GET', '/v1/payments')).body.data.filter((p: any) => p.outTradeNo === line.body.outTradeNo);
    assert.equal(mine.length, 1, 'one payment on the server');
    assert.deepEqual([mine[0].id, mine[0].amount, mine[0].tendered, mine[0].change, mine[0].state], [synced.paymentId, 2500, 3000, 500, 'succeeded']);
    // The key the terminal kept is the one the server stored: sending it again changes nothing.
    const sale = (await outboxRecords(page)).sales.find((x) => x.key === line.saleKey);
    const replay = await s.terminal('POST', '/v1/payments', { ...line.body, saleId: sale.saleId }, { 'idempotency-key': line.key });
    assert.equal(replay.body.id, synced.paymentId);
    assert.equal((await s.terminal('GET', `/v1/sales/${sale.saleId}`)).body.payments.length, 1);

    await page.click('#new-sale');
    await page.click('#logout');
    await page.waitForSelector('#login');
    await login(page, s);
    await openShift(page);
    assert.deepEqual(pos.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|NetworkError/.test(p)), []);
  });
});
