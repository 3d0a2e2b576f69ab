import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { NO_CHROMIUM, launch, watchProblems } from './chromium.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { POS_DIST } from '../../src/http/pos.ts';
import { DICTS } from '../../web/pos/src/i18n.ts';
import { code128Video, fakeCameraArgs, qrVideo, videoFile } from './fake-camera.ts';

/**
 * The POS camera in Debian's Chromium with a fake camera playing a Y4M drawn at test time: the
 * customer's payment code as a QR (and, in a second browser, as the Code128 under it) is read in
 * the decoding worker with the wasm from our own origin, the wallet is shown, and the sandbox
 * charges it. A product barcode or a link typed as the code is explained and sends nothing. After
 * the first load the service worker opens the POS with the network down.
 * Page driving is in small functions below, so a change to the login or sale flow is one place.
 */
// Sandbox payment codes: 18 digits starting 28; the last two choose the outcome (00, 11: paid).
const QR_CODE = '281234567890123400';
const BAR_CODE = '281234567890123411';

/** Keeps every camera track the page opens (the real getUserMedia, wrapped), so a test can see them stopped. */
const TRACK_SPY = `(() => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const real = md.getUserMedia.bind(md);
  window.__tracks = [];
  md.getUserMedia = (c) => real(c).then((s) => { window.__tracks.push(...s.getTracks()); return s; });
})()`;
const liveTracks = (page: Page) => page.evaluate('window.__tracks.filter((t) => t.readyState !== "ended").length') as Promise<number>;

interface Counter { browser: Browser; context: BrowserContext; page: Page; problems: string[]; external: string[]; dispose(): Promise<void> }

/** A browser whose camera shows `video`; every request that leaves the test server is refused and recorded. */
async function counter(s: TestServer, video: Buffer): Promise<Counter> {
  const file = videoFile(video);
  const browser = await launch([...fakeCameraArgs(file.path)]);
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1024, height: 700 } });
  const external: string[] = [];
  await context.route('**/*', (r) => (r.request().url().startsWith(s.url) ? r.continue() : (external.push(r.request().url()), r.abort())));
  await context.addInitScript(TRACK_SPY);
  const page = await context.newPage();
  const problems: string[] = [];
  watchProblems(page, problems);
  return { browser, context, page, problems, external, dispose: async () => { await browser.close(); file.dispose(); } };
}

/** Pair with the demo terminal and log the demo cashier in; open a shift if the POS asks for one. */
async function reachSale(page: Page, s: TestServer): Promise<void> {
  await page.goto(`${s.url}/pos/`);
  await page.waitForSelector('#pair');
  await page.fill('#pair input[name=token]', s.demo.terminalToken);
  await page.click('#pair button[type=submit]');
  await page.waitForSelector('#login');
  await page.selectOption('#login select[name=operator]', s.demo.operator.id);
  await page.fill('#login input[name=pin]', s.demo.operator.pin);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#amount, #open-shift', { timeout: 15_000 });
  if (await page.$('#open-shift')) {
    await page.click('#open-shift');
    await page.waitForSelector('#amount', { timeout: 15_000 });
  }
}

async function openScanPanel(page: Page, amount: string): Promise<void> {
  await page.fill('#amount', amount);
  if (!(await page.$('#scan-panel'))) await page.click('#scan-code');
  await page.waitForSelector('#scan-panel');
}

/** Opens the camera and waits for the decoded code to be offered with its wallet. */
async function scanWithCamera(page: Page): Promise<{ wallet: string; code: string }> {
  await page.click('#camera-open');
  const badge = await page.waitForSelector('#scan-wallet', { timeout: 30_000 }).catch(async (e: Error) => {
    const seen = await page.evaluate(`JSON.stringify({ camera: document.querySelector('#camera')?.getAttribute('data-state'), panel: document.querySelector('#scan-panel')?.innerText, tracks: (window.__tracks || []).map((t) => t.readyState) })`);
    throw new Error(`${e.message}\nthe page: ${seen}`);
  });
  return { wallet: (await badge.getAttribute('data-wallet'))!, code: await page.inputValue('#code') };
}

async function paid(page: Page): Promise<void> {
  await page.waitForSelector('#status[data-state="succeeded"]', { timeout: 20_000 });
}

async function newSale(page: Page): Promise<void> {
  if (await page.$('#new-sale')) await page.click('#new-sale');
  await page.waitForSelector('#amount');
}

async function openScannerSettings(page: Page): Promise<void> {
  await page.click('#nav-settings');
  await page.waitForSelector('#scanner-settings');
}

async function backToSale(page: Page): Promise<void> {
  await page.click('#nav-sale');
  await page.waitForSelector('#amount');
}

/** What the scanner test field said after `keys` and Enter, typed `delay` ms apart. */
async function tryScanner(page: Page, keys: string, delay = 0): Promise<{ result: string; text: string }> {
  const shown = await page.$('#scanner-test-result');
  const before = shown ? Number(await shown.getAttribute('data-try')) : 0;
  await page.click('#scanner-test');
  await page.keyboard.type(keys, { delay });
  await page.keyboard.press('Enter');
  const el = await page.waitForSelector(`#scanner-test-result[data-try="${before + 1}"]`);
  return { result: (await el.getAttribute('data-result'))!, text: await el.innerText() };
}

async function payments(s: TestServer): Promise<Array<{ id: string; amount: number; method: string; channel: string; state: string }>> {
  const r = await s.terminal('GET', '/v1/payments');
  assert.equal(r.status, 200);
  return r.body.data;
}

describe('POS camera scanning and offline shell', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let c: Counter;

  before(async () => {
    if (!existsSync(`${POS_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:pos'], { stdio: 'inherit' });
    s = await startServer({ qrTtlMs: 120_000 });
    c = await counter(s, qrVideo(QR_CODE));
    await reachSale(c.page, s);
  });
  after(async () => {
    await c?.dispose();
    await s?.close();
  });

  test('the camera reads the QR, shows the wallet, stops, and the charge is paid by the server', async () => {
    const { page } = c;
    const before = (await payments(s)).length;
    await openScanPanel(page, '12.34');
    const read = await scanWithCamera(page);
    // The POS classifies by the server's own rules (GET /v1/terminal): with the sandbox on, 28… is the sandbox wallet's.
    assert.deepEqual(read, { wallet: 'sandbox', code: QR_CODE });
    assert.match(await page.innerText('#scan-wallet'), /Sandbox wallet payment code/i);
    assert.equal(await page.$('#camera-video'), null, 'the camera view is closed once a code is read');
    assert.ok(await page.evaluate('window.__tracks.length') as number > 0);
    await page.waitForFunction('window.__tracks.every((t) => t.readyState === "ended")');
    assert.equal(await liveTracks(page), 0, 'and the camera itself is stopped');
    assert.equal((await payments(s)).length, before, 'nothing is charged before the cashier presses Charge');
    await page.click('#charge');
    await paid(page);
    const list = await payments(s);
    assert.equal(list.length, before + 1);
    const p = (await s.terminal('GET', `/v1/payments/${list[0]!.id}`)).body;
    assert.deepEqual({ amount: p.amount, method: p.method, channel: p.channel, state: p.state }, { amount: 1234, method: 'payment_code', channel: 'sandbox', state: 'succeeded' });
    await newSale(page);
  });

  test('a product barcode or a link as the code: told what it is, nothing sent', async () => {
    const { page } = c;
    const before = (await payments(s)).length;
    await openScanPanel(page, '5.00');
    await page.fill('#code', '6901234567892');
    await page.click('#charge');
    assert.match(await page.innerText('#scan-error'), /That is a product barcode \(EAN-13 6901234567892\), not a payment code: ask the customer to open their wallet’s payment code \(付款码\)/);
    await page.fill('#code', 'https://qr.alipay.com/bax03431ljhokirwl38f00a7');
    await page.click('#charge');
    assert.match(await page.innerText('#scan-error'), /That is a link \(https:\/\/qr\.alipay\.com\/bax03431l…\), not a payment code/);
    await page.click('button[data-lang="zh-Hans"]');
    await page.fill('#code', '6901234567892');
    await page.click('#charge');
    assert.match(await page.innerText('#scan-error'), /这是商品条形码.*不是付款码/);
    await page.click('button[data-lang="en"]');
    // A typed wallet code shows its wallet before anything is charged.
    await page.fill('#code', '134567890123456789');
    assert.equal(await page.getAttribute('#scan-wallet', 'data-wallet'), 'wechat');
    await page.fill('#code', '');
    assert.equal((await payments(s)).length, before, 'no payment was created');
  });

  test('scanner gun timing: bad values are refused with a message; the saved timing judges a test scan', async () => {
    const { page } = c;
    await openScannerSettings(page);
    const save = async (gap: string, min: string) => {
      await page.fill('#scanner-settings input[name=maxGapMs]', gap);
      await page.fill('#scanner-settings input[name=minLength]', min);
      await page.click('#scanner-settings button[type=submit]');
      return page.innerText('#scanner-settings-msg');
    };
    assert.match(await save('abc', '10'), /The gap must be a whole number of milliseconds from 10 to 500/);
    assert.match(await save('5000', '10'), /from 10 to 500/);
    assert.match(await save('40', '2'), /The shortest scan must be a whole number of characters from 4 to 64/);
    assert.equal(await page.evaluate('localStorage.getItem("saoma.pos.scanner")'), null, 'nothing invalid is kept');
    assert.equal(await save('40', '8'), 'Saved on this device.');
    assert.deepEqual(JSON.parse(await page.evaluate('localStorage.getItem("saoma.pos.scanner")') as string), { maxGapMs: 40, minLength: 8 });

    assert.deepEqual(await tryScanner(page, '6901234567892'), { result: 'scan', text: 'Recognised as a scan: 6901234567892 (13 characters).' });
    const slow = await tryScanner(page, '12345678', 120); // a person typing, or a slow gun
    assert.equal(slow.result, 'too_slow');
    assert.match(slow.text, /the longest gap between keys was \d+ ms, more than 40 ms\. Set the gap to \d+ ms and save/);
    assert.deepEqual(await tryScanner(page, '12345'), { result: 'too_short', text: 'Not recognised: 5 characters, fewer than the shortest scan (8).' });

    await page.reload();
    await openScannerSettings(page);
    assert.equal(await page.inputValue('#scanner-settings input[name=maxGapMs]'), '40', 'kept on this device');
    await page.click('#scanner-settings button:text-is("Defaults")');
    assert.equal(await page.evaluate('localStorage.getItem("saoma.pos.scanner")'), null);
    assert.equal(await page.inputValue('#scanner-settings input[name=maxGapMs]'), '100');
    await backToSale(page);
  });

  test('after the first load the service worker opens the POS with the network down', async () => {
    const { page, context } = c;
    // Registered after load; installed once the whole shell (wasm included) is in its cache; then it takes the page.
    await page.waitForFunction('!!navigator.serviceWorker.controller', undefined, { timeout: 30_000 });
    // (Page code as strings: the tests are typechecked without the DOM library.)
    const cached = await page.evaluate(`(async () => {
      const urls = [];
      for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) urls.push(new URL(r.url).pathname);
      return urls;
    })()`) as string[];
    assert.ok(cached.some((u) => /\/pos\/assets\/zxing_reader-[\w-]+\.wasm$/.test(u)), 'the scanner wasm is precached');
    assert.ok(cached.includes('/pos/'), 'the page is precached');
    assert.deepEqual(cached.filter((u) => !u.startsWith('/pos/')), [], 'nothing outside /pos/ (no API answer) is cached');

    await context.setOffline(true);
    try {
      // The network really is down, for the page and for the worker's own fetches.
      assert.equal(await page.evaluate(() => fetch('/v1/terminal').then(() => 'online', () => 'offline')), 'offline');
      assert.equal(await page.evaluate(() => fetch('/pos/manifest.webmanifest?not-cached').then(() => 'online', () => 'offline')), 'offline');
      await page.reload();
      await page.waitForSelector('header strong', { timeout: 15_000 }).catch(async (e: Error) => {
        const seen = await page.evaluate(`JSON.stringify({ controlled: !!navigator.serviceWorker.controller, html: document.documentElement.outerHTML.slice(0, 600) })`).catch((x: Error) => x.message);
        throw new Error(`${e.message}\nthe page: ${seen}\nproblems: ${c.problems.join(' | ')}`);
      });
      assert.equal(await page.innerText('header strong'), DICTS.en.appTitle);
      assert.ok(await page.evaluate('!!navigator.serviceWorker.controller'), 'the reloaded page is served by the service worker');
      assert.ok((await page.$$('.langs button')).length === 3, 'the app shell rendered (language switch)');
    } finally {
      await context.setOffline(false);
    }
    assert.deepEqual(c.external, [], 'no request left the test server (no CDN)');
    assert.deepEqual(c.problems.filter((p) => !/Failed to fetch|NetworkError|net::ERR_INTERNET_DISCONNECTED/.test(p)), []);
  });

  test('no camera, or the camera refused: a message saying what to do, in the cashier\'s language', async () => {
    // A camera the page may not use (no --use-fake-ui: the permission is refused), then no camera at all.
    const cases = [
      { args: ['--use-fake-device-for-media-stream'], grant: false, en: /The camera is blocked for this page/, zhHant: /相機權限被封鎖/ },
      { args: [], grant: true, en: /No camera found on this device/, zhHant: /找不到相機/ },
    ];
    for (const k of cases) {
      const browser = await launch([...k.args]);
      try {
        const context = await browser.newContext({ locale: 'en-US' });
        if (k.grant) await context.grantPermissions(['camera']);
        const page = await context.newPage();
        await reachSale(page, s);
        await openScanPanel(page, '1.00');
        await page.click('#camera-open');
        await page.waitForSelector('#camera[data-state="error"]', { timeout: 15_000 });
        assert.match(await page.innerText('#camera-error'), k.en);
        await page.click('button[data-lang="zh-Hant"]');
        assert.match(await page.innerText('#camera-error'), k.zhHant);
        // The typed code still works beside a failed camera.
        await page.fill('#code', '134567890123456789');
        assert.equal(await page.getAttribute('#scan-wallet', 'data-wallet'), 'wechat');
      } finally {
        await browser.close();
      }
    }
  });

  test('two cameras: the cashier picks the other one; closing the panel stops the camera', async () => {
    const browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=device-count=2']);
    try {
      const context = await browser.newContext({ locale: 'en-US' });
      await context.addInitScript(TRACK_SPY);
      const page = await context.newPage();
      await reachSale(page, s);
      await openScanPanel(page, '1.00');
      await page.click('#camera-open');
      await page.waitForSelector('#camera[data-state="running"]');
      const select = await page.waitForSelector('#camera-device');
      const options = await select.$$eval('option', (os) => os.map((o) => (o as unknown as { value: string }).value));
      assert.equal(options.length, 2);
      const first = await select.inputValue();
      const other = options.find((o) => o !== first)!;
      await page.selectOption('#camera-device', other);
      // The first camera is let go, the chosen one runs.
      await page.waitForFunction('window.__tracks.length === 2 && window.__tracks[0].readyState === "ended" && window.__tracks[1].readyState === "live"');
      await page.waitForSelector('#camera[data-state="running"]');
      assert.equal(await page.inputValue('#camera-device'), other);
      await page.click('#camera-close');
      assert.equal(await page.$('#camera-video'), null);
      await page.waitForFunction('window.__tracks.every((t) => t.readyState === "ended")');
      // Leaving the screen with the camera open stops it too.
      await page.click('#camera-open');
      await page.waitForFunction('window.__tracks.length === 3 && window.__tracks[2].readyState === "live"');
      await page.click('#nav-history');
      await page.waitForFunction('window.__tracks.every((t) => t.readyState === "ended")');
    } finally {
      await browser.close();
    }
  });

  test('the Code128 under the QR reads too', async () => {
    const b = await counter(s, await code128Video(BAR_CODE));
    try {
      await reachSale(b.page, s);
      await openScanPanel(b.page, '3.21');
      assert.deepEqual(await scanWithCamera(b.page), { wallet: 'sandbox', code: BAR_CODE });
      await b.page.click('#charge');
      await paid(b.page);
      const p = (await payments(s))[0]!;
      assert.deepEqual({ amount: p.amount, channel: p.channel, state: p.state }, { amount: 321, channel: 'sandbox', state: 'succeeded' });
      assert.deepEqual(b.external, []);
    } finally {
      await b.dispose();
    }
  });
});
