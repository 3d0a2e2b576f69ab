import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CONSOLE_DIST } from '../../src/http/console.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { NO_CHROMIUM, fitsWidth, launch, notBlank, openPos } from './pos-driver.ts';
import { seedDemoHistory } from '../../src/reports/demo-history.ts';
import { writeBill } from '../../src/reconcile/generate.ts';
import { fileBytes } from '../../src/reconcile/bill-file.ts';

/**
 * The console's reports and reconciliation pages in Chromium over the demo stall's 90 days: today's
 * and yesterday's charts render (canvas with content), the numbers the tables show are the API's, in
 * three languages, with no console errors; an open mismatch is repaired from the page.
 */
describe('reports and reconciliation in the console', { skip: NO_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() - 86_400_000));

  before(async () => {
    if (!existsSync(`${CONSOLE_DIST}index.html`)) execFileSync('npm', ['run', '-s', 'build:console'], { stdio: 'inherit' });
    s = await startServer();
    await seedDemoHistory(s.rt, s.demo);
    browser = await launch();
    ({ context, page, problems } = await openPos(browser, { width: 1280, height: 800 }));
    await page.goto(`${s.url}/console#/takings`);
    await page.fill('#signin input[name=keyId]', s.demo.apiKey.id);
    await page.fill('#signin input[name=secret]', s.demo.apiKey.secret);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#merchant-name');
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  test('today\'s and yesterday\'s charts render from the report API, and the tables hold the API\'s numbers', async () => {
    await page.waitForSelector('#yesterday-kpis');
    await page.waitForSelector('#yesterday-chart-time canvas');
    const shot = await page.locator('#yesterday-chart-time').screenshot({ path: join(mkdtempSync(join(tmpdir(), 'saoma-shot-')), 'yesterday.png') });
    assert.ok(notBlank(shot), 'the chart draws bars');
    const api = await s.signed('GET', `/v1/reports/summary?period=day&date=${yesterday}`);
    assert.equal(api.status, 200, JSON.stringify(api.body));
    assert.ok(api.body.totals.count > 30, 'the demo stall sold yesterday');
    const shown = await page.$$eval('#table-yesterday-channel tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-key'), Number(r.querySelector('[data-minor]')!.getAttribute('data-minor'))]));
    assert.deepEqual(shown, api.body.byChannel.map((g: { key: string; amount: number }) => [g.key, g.amount]));
    const box = await page.locator('#yesterday-chart-time canvas').boundingBox();
    assert.ok(box && box.width > 200 && box.y + box.height <= 4000, 'the chart has room');
    await page.screenshot({ path: '/tmp/saoma-reports.png', fullPage: false });
    const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.sr-only')).slice(0, 5).map((e) => e.tagName + '#' + e.id)`) as string[];
    assert.ok(await fitsWidth(page), `no sideways scrolling: ${wide.join(', ')}`);
    assert.deepEqual(problems, []);
  });

  test('the daily report (日结) totals equal the API\'s, in Simplified, Traditional and English', async () => {
    const api = await s.signed('GET', `/v1/reports/summary?period=day&date=${yesterday}`);
    for (const [lang, title] of [['zh-Hans', '日结报表'], ['zh-Hant', '日結報表'], ['en', 'Daily report (日结)']] as const) {
      await page.click(`button[data-lang="${lang}"]`);
      await page.click('#tab-daily');
      await page.waitForSelector('#daily-total');
      assert.equal(await page.innerText('.daily h2'), title);
      assert.equal(Number(await page.getAttribute('#daily-total [data-minor]', 'data-minor')), api.body.totals.gross);
      assert.equal(await page.locator('#daily-total').isVisible(), true);
    }
    await page.click('#tab-sales');
    await page.waitForSelector('#sales-table tbody tr');
    assert.deepEqual(problems, []);
  });

  test('a reconciliation shows its open mismatches; one is repaired from the page with a reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saoma-bill-'));
    await writeBill({ channel: 'wechat', date: yesterday, rows: 3, out: join(dir, 'bill.csv') });
    await s.rt.reconciler.run({ merchantId: s.demo.merchantId, channel: 'wechat', day: yesterday, source: { kind: 'file', name: 'bill.csv', bytes: fileBytes(join(dir, 'bill.csv')) }, actor: { kind: 'system', id: 'test' } });
    await page.click('button[data-lang="zh-Hans"]');
    await page.click('#tab-reconcile-runs');
    await page.waitForSelector('#runs-table tbody tr');
    assert.ok(Number(await page.getAttribute(`#runs-table tr[data-day="${yesterday}"] [data-open]`, 'data-open')) > 0);
    await page.click('#tab-reconcile-open');
    await page.waitForSelector('#mismatch-table tbody tr');
    const before = await page.locator('#mismatch-table tbody tr').count();
    const first = page.locator('#mismatch-table tbody tr').first();
    const id = await first.getAttribute('data-id');
    await first.locator('input').fill('不是本店的交易');
    await first.locator('button[data-side="saoma"]').click();
    await page.waitForFunction(`document.querySelectorAll('#mismatch-table tbody tr').length === ${before - 1} || !!document.querySelector('#nothing-open')`);
    const row = await s.rt.store.db.selectFrom('reconcile_mismatches').select(['state', 'resolution']).where('id', '=', id!).executeTakeFirstOrThrow();
    assert.equal(row.state, 'resolved');
    assert.match(row.resolution!, /不是本店的交易/);
    assert.deepEqual(problems, []);
  });
});
