import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { NO_CHROMIUM, launch, notBlank, watchProblems } from './chromium.ts';
import { eventually, startServer, type TestServer } from '../helpers/server.ts';
import { scan, showQr, tradeNo } from '../helpers/flows.ts';
import { DISPLAY_DIST } from '../../src/http/display.ts';

/**
 * The customer display (/display) in Debian's Chromium, opened with a pairing link as a second screen
 * would be, while the test plays the POS through the API: a sale's lines, a dynamic QR the sandbox
 * wallet pays, the result only once the server says paid, the amount spoken (speechSynthesis.speak is
 * observed, not replaced), the customer's language buttons, and the layout at three screen sizes.
 */


describe('customer display in a browser', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const push = async (body: unknown) => {
    const r = await s.terminal('PUT', '/v1/terminal/display', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const spoken = async () => page.evaluate('window.__spoken') as Promise<Array<{ text: string; lang: string }>>;

  before(async () => {
    if (!existsSync(`${DISPLAY_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:display'], { stdio: 'inherit' });
    s = await startServer({ qrTtlMs: 120_000 });
    browser = await launch(['--autoplay-policy=no-user-gesture-required']);
    // A customer display in mainland China: the browser says zh-CN, so the display starts in Simplified.
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 600 } });
    // Observe what is spoken without replacing the browser's speech: record, then call through.
    await context.addInitScript(`
      window.__spoken = [];
      if (window.speechSynthesis) {
        const original = window.speechSynthesis.speak.bind(window.speechSynthesis);
        window.speechSynthesis.speak = (u) => {
          window.__spoken.push({ text: u.text, lang: u.lang });
          original(u);
        };
      }
    `);
    page = await context.newPage();
    watchProblems(page, problems);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('a link that is not a pairing says so, in the browser\'s language', async () => {
    await page.goto(`${s.url}/display/#disp_forged.0000`);
    await page.waitForSelector('#unpaired');
    assert.match(await page.innerText('#unpaired'), /尚未与收银台配对/);
  });

  test('paired from the POS\'s link: live, the token out of the address bar, the idle greeting', async () => {
    const link = (await s.terminal('POST', '/v1/terminal/display-link')).body as { url: string; token: string };
    await page.goto(link.url);
    await page.waitForSelector('#status[data-status="live"]');
    await page.waitForSelector('#view[data-view="idle"]');
    assert.ok(!page.url().includes('disp_'), `the token left the address bar: ${page.url()}`);
    assert.equal(await page.evaluate('localStorage.getItem("saoma.display.token")'), link.token, 'kept for a reload');
    assert.match(await page.innerText('main'), /欢迎光临/);
  });

  test('the sale\'s lines and total, then the QR, then "paid" only once the wallet has paid, spoken aloud', async () => {
    await push({ view: 'sale', currency: 'CNY', amount: 1250, due: 1250, paid: 0, items: [{ name: '豆浆', quantity: 2, unitPrice: 250 }, { name: '肉包', quantity: 3, unitPrice: 250 }] });
    await page.waitForSelector('#view[data-view="sale"]');
    const items = await page.innerText('#items');
    assert.match(items, /豆浆/);
    assert.match(items, /3 × ¥2\.50/);
    assert.match(await page.innerText('#amount'), /¥12\.50/);

    const qr = await showQr(s, tradeNo('DISPB'), 1250);
    assert.equal(qr.status, 201, JSON.stringify(qr.body));
    await push({ view: 'qr', currency: 'CNY', amount: 1250, paymentId: qr.body.id, qrCode: qr.body.qrCode, expiresAt: qr.body.expiresAt });
    const canvas = await page.waitForSelector(`canvas.qr[data-qr="${qr.body.qrCode}"]`);
    const box = (await canvas.boundingBox())!;
    assert.ok(box.height >= 400, `the QR is large on a 1024×600 screen (${box.width}×${box.height})`);
    assert.match(await page.innerText('#amount'), /¥12\.50/);
    assert.match(await page.innerText('#countdown'), /付款码有效时间 \d+:\d\d/);

    // The POS saying "result" is not the server saying paid: the display waits for the payment event.
    await push({ view: 'result', currency: 'CNY', amount: 1250, paymentId: qr.body.id });
    await page.waitForSelector('#result[data-state="waiting_customer"]');
    assert.match(await page.innerText('#result'), /正在处理/);
    await push({ view: 'qr', currency: 'CNY', amount: 1250, paymentId: qr.body.id, qrCode: qr.body.qrCode, expiresAt: qr.body.expiresAt });
    await page.waitForSelector('canvas.qr');
    assert.deepEqual(await spoken(), [], 'nothing announced before the money arrived');

    const paid = await scan(s, qr.body.qrCode);
    assert.equal(paid.code, 'SUCCESS', JSON.stringify(paid));
    await page.waitForSelector('#result[data-state="succeeded"]', { timeout: 15_000 });
    assert.match(await page.innerText('#result'), /支付成功 ✓/);
    assert.match(await page.innerText('#result'), /¥12\.50/);
    await page.waitForFunction('window.__spoken.length > 0', undefined, { timeout: 10_000 });
    const said = await spoken();
    assert.equal(said.length, 1, JSON.stringify(said));
    // In the customer's language when the device has a Chinese voice (or no voice list to judge by);
    // English words when its only voices are English, since an English voice cannot read 汉字.
    const voices = await page.evaluate('speechSynthesis.getVoices().map((v) => v.lang)') as string[];
    const chinese = voices.length === 0 || voices.some((l) => /^(zh|cmn)/i.test(l));
    assert.deepEqual(said[0], chinese ? { text: '收款成功，12.50元', lang: voices.length ? said[0]!.lang : 'zh-CN' } : { text: 'Payment received, 12.50 yuan', lang: said[0]!.lang }, JSON.stringify(voices));
  });

  test('the customer switches language; each renders at 1024×600', async () => {
    const known = { en: 'Paid ✓', 'zh-Hant': '付款成功 ✓', 'zh-Hans': '支付成功 ✓' } as const;
    for (const [lang, text] of Object.entries(known)) {
      await page.click(`button[data-lang="${lang}"]`);
      await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lang)}`);
      assert.ok((await page.innerText('#result')).includes(text), `${lang}: "${text}"`);
      assert.ok(notBlank(await page.screenshot()), `${lang}: the screenshot is not blank`);
    }
    await page.click('button[data-lang="en"]');
    await push({ view: 'change', currency: 'CNY', amount: 8750, tendered: 10000, change: 1250 });
    await page.waitForSelector('#view[data-view="change"]');
    assert.match(await page.innerText('main'), /Cash received/);
    assert.match(await page.innerText('#amount'), /12\.50/);
    // The next customer starts in the screen's own language again.
    await push({ view: 'idle' });
    await page.waitForFunction('document.documentElement.lang === "zh-Hans"');
  });

  test('muted: a payment lands silently, and the result still shows', async () => {
    await page.click('#sound');
    assert.equal(await page.getAttribute('#sound', 'aria-pressed'), 'false');
    const before = (await spoken()).length;
    const qr = await showQr(s, tradeNo('DISPM'), 300);
    await push({ view: 'qr', currency: 'CNY', amount: 300, paymentId: qr.body.id, qrCode: qr.body.qrCode, expiresAt: qr.body.expiresAt });
    await page.waitForSelector(`canvas.qr[data-qr="${qr.body.qrCode}"]`);
    await scan(s, qr.body.qrCode);
    await page.waitForSelector('#result[data-state="succeeded"]', { timeout: 15_000 });
    assert.equal((await spoken()).length, before);
    await page.click('#sound');
  });

  test('declined, then cancelled at the till: "not completed", never paid', async () => {
    const qr = await showQr(s, tradeNo('DISPD'), 450);
    await push({ view: 'qr', currency: 'CNY', amount: 450, paymentId: qr.body.id, qrCode: qr.body.qrCode, expiresAt: qr.body.expiresAt });
    await page.waitForSelector(`canvas.qr[data-qr="${qr.body.qrCode}"]`);
    assert.equal((await scan(s, qr.body.qrCode, 'decline')).code, 'PAY_DECLINED');
    const cancel = await s.terminal('POST', `/v1/payments/${qr.body.id}/cancel`);
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    await page.waitForSelector('#result.bad', { timeout: 15_000 });
    assert.notEqual(await page.getAttribute('#result', 'data-state'), 'succeeded');
    assert.match(await page.innerText('#result'), /付款未完成/);
  });

  test('the customer signs on the display for a paid payment: an empty pad is refused, then the record is made', async () => {
    const qr = await showQr(s, tradeNo('DISPS'), 880);
    await scan(s, qr.body.qrCode);
    await eventually(async () => ((await s.terminal('GET', `/v1/payments/${qr.body.id}`)).body.state === 'succeeded' ? true : null), 'paid');
    await push({ view: 'sign', currency: 'CNY', amount: 880, paymentId: qr.body.id, gifts: [{ name: '小笼包', quantity: 1 }] });
    await page.waitForSelector('#sign-pad');
    assert.match(await page.innerText('#sign-title'), /8\.80/);
    await page.click('#sign-done');
    await page.waitForSelector('#sign-error');
    const box = (await page.$('#sign-pad'))!;
    const b = (await box.boundingBox())!;
    // A name: one long stroke across the pad, then a short one.
    await page.mouse.move(b.x + 30, b.y + b.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(b.x + 30 + i * 12, b.y + b.height / 2 + (i % 2 ? -25 : 25));
    await page.mouse.up();
    await page.mouse.move(b.x + 60, b.y + b.height - 30);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(b.x + 60 + i * 15, b.y + b.height - 30);
    await page.mouse.up();
    await page.click('#sign-done');
    await page.waitForSelector('#signed', { timeout: 15_000 });
    const found = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/verification-receipts?paymentId=${qr.body.id}`);
    assert.equal(found.body.data.length, 1);
    assert.deepEqual(found.body.data[0].gifts, [{ name: '小笼包', quantity: 1 }]);
    const check = await s.raw('GET', `/r/${found.body.data[0].code}`);
    assert.equal(check.status, 200);
    assert.match(check.text, /data-authentic="true"/);
  });

  test('a dropped link shows "connecting", then it reconnects by itself and catches up', async () => {
    await page.waitForSelector('#status[data-status="live"]');
    // No way back for now, then every open connection cut, as a Wi-Fi drop would.
    await page.route('**/v1/display/stream', (route) => route.abort());
    s.app.server.closeAllConnections();
    await page.waitForSelector('#status[data-status="connecting"]', { timeout: 15_000 });
    assert.match(await page.innerText('#status'), /连接|Connecting/);
    await push({ view: 'sale', currency: 'CNY', amount: 4321, due: 4321, paid: 0, items: [{ name: '烧饼', quantity: 1, unitPrice: 4321 }] });
    await page.unroute('**/v1/display/stream');
    await page.waitForSelector('#status[data-status="live"]', { timeout: 20_000 });
    await page.waitForSelector('#view[data-view="sale"]');
    assert.match(await page.innerText('#amount'), /43\.21/);
  });

  test('the QR and the amount fit 800×480, 1024×600 and a 360×640 phone', async () => {
    const qr = await showQr(s, tradeNo('DISPL'), 98_765);
    await push({ view: 'qr', currency: 'CNY', amount: 98_765, paymentId: qr.body.id, qrCode: qr.body.qrCode, expiresAt: qr.body.expiresAt });
    for (const [width, height] of [[800, 480], [1024, 600], [360, 640]] as const) {
      await page.setViewportSize({ width, height });
      await page.waitForFunction(`document.querySelector('.shell').classList.contains(${JSON.stringify(height > width ? 'portrait' : 'landscape')})`);
      const inside = async (sel: string) => {
        const b = (await (await page.waitForSelector(sel)).boundingBox())!;
        assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= width + 0.5 && b.y + b.height <= height + 0.5, `${sel} inside ${width}×${height}: ${JSON.stringify(b)}`);
        return b;
      };
      const code = await inside('canvas.qr');
      assert.ok(Math.min(code.width, code.height) >= Math.min(width, height) * 0.5, `the QR is large at ${width}×${height}: ${code.width}`);
      await inside('#amount');
      await inside('#countdown');
      assert.ok(notBlank(await page.screenshot()), `${width}×${height}: not blank`);
    }
    await page.setViewportSize({ width: 1024, height: 600 });
    assert.deepEqual(problems, []);
  });
});
