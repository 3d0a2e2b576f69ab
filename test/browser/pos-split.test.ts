import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { eventually, startServer, type TestServer } from '../helpers/server.ts';
import { NO_CHROMIUM, ensureBuilt, launch, openPos, outboxRecords, payWechatQr, ready, waitStatus, type Pos } from './pos-driver.ts';

/**
 * Split tender at the counter, through the real WeChat Pay adapter and its emulator mounted in the
 * gateway: a WeChat QR line then cash with change; cash then a typed WeChat payment code; a QR line in
 * progress removed (closed at the wallet first, nothing charged); a wallet line over what is left
 * refused before anything is sent. Every outcome is checked on the server and in the wallet's books.
 */
describe('POS split tender in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let pos: Pos;
  let page: Page;
  const MCH = '1900000109';

  before(async () => {
    ensureBuilt();
    s = await startServer({ walletEmulators: true, qrTtlMs: 120_000, payCodeGiveUpMs: 60_000 });
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

  /** The sale on the counter as the server has it. */
  async function serverSale(): Promise<any> {
    const { sales } = await outboxRecords(page);
    const open = sales.filter((x) => !x.closed).sort((a, b) => b.at - a.at)[0];
    assert.ok(open && open.saleId, 'the sale reached the server');
    const r = await s.terminal('GET', `/v1/sales/${open.saleId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  }

  async function startSale(amount: string): Promise<void> {
    await page.waitForSelector('#amount');
    await page.fill('#amount', amount);
    await page.click('#split');
    await page.waitForSelector('#line-amount');
  }

  async function lineAmount(text: string): Promise<void> {
    await page.fill('#line-amount', text);
  }

  test('¥100: ¥70 by WeChat QR paid in the WeChat cashier, then ¥50 cash for the last ¥30: ¥20 change, sale completed', async () => {
    await startSale('100.00');
    assert.match(await page.innerText('#status'), /Left to pay: .*100\.00/);
    await page.click('#mode-qr');
    await page.selectOption('#wallet', 'wechat');
    await lineAmount('70.00');
    await page.click('#add-qr');
    const qr = (await (await page.waitForSelector('canvas.qr[data-qr]')).getAttribute('data-qr'))!;
    assert.match(qr, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    await waitStatus(page, 'waiting');
    await payWechatQr(s, qr);
    await page.waitForSelector('.line[data-method="dynamic_qr"][data-line-state="succeeded"]', { timeout: 20_000 });
    // Half paid is not paid: the sale still wants ¥30.
    await waitStatus(page, 'due');
    assert.match(await page.innerText('#left'), /30\.00/);
    assert.equal(await page.inputValue('#line-amount'), '30.00', 'the next line starts at what is left');
    await page.click('#mode-cash');
    await lineAmount('50.00');
    assert.match(await page.innerText('#cash-change'), /20\.00/, 'the change is shown before the cash is taken');
    await page.click('#add-cash');
    await waitStatus(page, 'succeeded');
    assert.equal(await page.innerText('#status'), 'Paid');
    assert.match(await page.innerText('#change'), /20\.00/);

    const sale = await serverSale();
    assert.equal(sale.state, 'completed');
    assert.equal(sale.amount, 10000);
    assert.equal(sale.paid, 10000);
    assert.equal(sale.change, 2000);
    const pays = sale.payments as Array<{ method: string; channel: string; amount: number; state: string; tendered: number | null; change: number | null; outTradeNo: string }>;
    assert.equal(pays.length, 2);
    assert.ok(pays.every((p) => p.state === 'succeeded'));
    const wechat = pays.find((p) => p.channel === 'wechat')!;
    const cash = pays.find((p) => p.method === 'cash')!;
    assert.deepEqual({ method: wechat.method, amount: wechat.amount }, { method: 'dynamic_qr', amount: 7000 });
    assert.deepEqual({ amount: cash.amount, tendered: cash.tendered, change: cash.change }, { amount: 3000, tendered: 5000, change: 2000 });
    const books = s.rt.walletEmulators!.wechat.chargeSummary().filter((r) => r.out_trade_no === wechat.outTradeNo);
    assert.deepEqual(books.map((r) => [r.charged, r.times_charged]), [[7000, 1]], 'WeChat charged the customer once, ¥70');
    await page.click('#new-sale');
    await page.waitForSelector('#amount');
  });

  test('¥45: ¥15 cash first, then a WeChat payment code from the scanner gun for the ¥30 left', async () => {
    await startSale('45.00');
    await lineAmount('15.00');
    await page.click('#add-cash');
    await page.waitForSelector('.line[data-method="cash"][data-line-state="succeeded"]');
    await waitStatus(page, 'due');
    await page.click('#mode-code');
    assert.equal(await page.inputValue('#line-amount'), '30.00');
    // The scanner gun, with the line's amount field focused: 18 digits and Enter, no delay between keys.
    await page.focus('#line-amount');
    await page.keyboard.type('134567890123456700');
    await page.keyboard.press('Enter');
    await waitStatus(page, 'succeeded');
    const sale = await serverSale();
    assert.equal(sale.state, 'completed');
    const pays = sale.payments as Array<{ method: string; channel: string; amount: number; state: string }>;
    assert.deepEqual(pays.map((p) => [p.method, p.channel, p.amount, p.state]).sort(), [['cash', 'cash', 1500, 'succeeded'], ['payment_code', 'wechat', 3000, 'succeeded']]);
    assert.equal(await page.$('#change'), null, 'no change when the cash was exact');
    await page.click('#new-sale');
  });

  test('removing a QR line still waiting closes it at WeChat first; nothing is charged and the amount is due again', async () => {
    await startSale('20.00');
    await page.click('#mode-qr');
    await page.selectOption('#wallet', 'wechat');
    await page.click('#add-qr');
    await waitStatus(page, 'waiting');
    const line = (await outboxRecords(page)).lines.sort((a, b) => b.at - a.at)[0];
    await page.click('#cancel-line');
    await page.waitForSelector('.line[data-method="dynamic_qr"]', { state: 'detached', timeout: 20_000 });
    await waitStatus(page, 'due');
    assert.match(await page.innerText('#left'), /20\.00/);
    const p = (await s.terminal('GET', `/v1/payments/${line.paymentId}`)).body;
    assert.equal(p.state, 'closed', 'closed at the wallet before the line went');
    assert.equal(s.rt.walletEmulators!.wechat.trade(MCH, p.outTradeNo)!.state, 'CLOSED');
    assert.equal(s.rt.walletEmulators!.wechat.chargeSummary().filter((r) => r.out_trade_no === p.outTradeNo).length, 0, 'nothing charged');
    // The customer's app still holds the code: paying it now is refused by WeChat.
    const late = await fetch(`${s.url}/sandbox/wechat/cashier/${new URL(p.qrCode).searchParams.get('pr')}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(s.rt.walletEmulators!.wechat.trade(MCH, p.outTradeNo)!.state, 'CLOSED', `late pay answered ${late.status}`);
  });

  test('removing a payment-code line while the customer is still confirming reverses it at WeChat first; nothing stays charged', async () => {
    // The sale of the test before is still on the counter with ¥20 due. Code ending 03: the customer never confirms.
    await page.click('#mode-code');
    await page.fill('#code', '134567890123456703');
    await page.click('#charge');
    await waitStatus(page, 'paying');
    const line = (await outboxRecords(page)).lines.sort((a, b) => b.at - a.at)[0];
    await page.click('.line[data-method="payment_code"] .remove-line');
    await page.waitForSelector('.line[data-method="payment_code"]', { state: 'detached', timeout: 40_000 });
    await waitStatus(page, 'due');
    const p = (await s.terminal('GET', `/v1/payments/${line.paymentId}`)).body;
    assert.equal(p.state, 'reversed');
    const books = s.rt.walletEmulators!.wechat.chargeSummary().filter((r) => r.out_trade_no === p.outTradeNo);
    assert.ok(books.every((r) => r.charged === r.returned), 'whatever was charged was given back');
  });

  test('a wallet line over what is left is refused on the terminal and nothing is sent; cash over it is change', async () => {
    // The sale of the test before is still on the counter with ¥20 due.
    const before = (await serverSale()).payments.length;
    await page.click('#mode-qr');
    await lineAmount('25.00');
    await page.click('#add-qr');
    assert.match(await page.innerText('#tender-error'), /Only cash may exceed what is due: at most .*20\.00 is left/);
    await page.click('#mode-code');
    await lineAmount('20.01');
    await page.fill('#code', '134567890123456700');
    await page.click('#charge');
    assert.match(await page.innerText('#tender-error'), /Only cash may exceed/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await serverSale()).payments.length, before, 'nothing was sent');
    const rec = await outboxRecords(page);
    const current = rec.sales.filter((x) => !x.closed)[0];
    assert.equal(rec.lines.filter((l) => l.saleKey === current.key && !l.removed).length, 0, 'nothing was even recorded');
    await page.click('#mode-cash');
    await lineAmount('25.00');
    await page.click('#add-cash');
    await waitStatus(page, 'succeeded');
    assert.match(await page.innerText('#change'), /5\.00/);
    const sale = await eventually(async () => { const x = await serverSale(); return x.state === 'completed' ? x : null; }, 'sale completed');
    assert.equal(sale.change, 500);
    assert.deepEqual(pos.problems, []);
  });
});
