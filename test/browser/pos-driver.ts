/**
 * Driving the POS terminal (/pos) in Debian's Chromium, shared by the browser tests: launch, pair the
 * demo terminal, log the cashier in, open a shift, take amounts, read a PNG for "not blank".
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.ts';
import { POS_DIST } from '../../src/http/pos.ts';
import { ensureApp, watchProblems } from './chromium.ts';

export { CHROMIUM, NO_CHROMIUM, fitsWidth, launch, notBlank } from './chromium.ts';

/** Builds the POS once if it has not been built. */
export function ensureBuilt(): void {
  ensureApp(POS_DIST, 'build:pos');
}

export interface Pos { context: BrowserContext; page: Page; problems: string[] }

/**
 * A fresh browser context and page at `width`×`height`; script errors are collected in `problems`.
 * Dialogs (the "leave the page?" prompt while a payment is unsent) are accepted, as a cashier reloading would.
 */
export async function openPos(browser: Browser, opts: { width?: number; height?: number; locale?: string } = {}): Promise<Pos> {
  const context = await browser.newContext({ locale: opts.locale ?? 'en-US', viewport: { width: opts.width ?? 1024, height: opts.height ?? 600 } });
  const page = await context.newPage();
  const problems: string[] = [];
  watchProblems(page, problems);
  page.on('dialog', (d) => void d.accept());
  return { context, page, problems };
}

export async function pair(page: Page, s: TestServer): Promise<void> {
  await page.goto(`${s.url}/pos`);
  await page.waitForSelector('#pair');
  await page.fill('#pair input[name=token]', s.demo.terminalToken);
  await page.click('#pair button[type=submit]');
  await page.waitForSelector('#login');
}

export async function login(page: Page, s: TestServer, who: { id: string; pin: string } = s.demo.operator): Promise<void> {
  await page.waitForSelector('#login');
  await page.selectOption('#login select[name=operator]', who.id);
  await page.fill('#login input[name=pin]', who.pin);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#amount, #shift-open, #tender-error, #lines');
}

/** When the terminal has no open shift, open one with `float` (yuan as typed, e.g. "200.00"); then the amount screen or the sale on the counter. */
export async function openShift(page: Page, float = '0'): Promise<void> {
  await page.waitForSelector('#amount, #shift-open, #lines');
  if (await page.$('#shift-open')) {
    await page.click('#float-count [data-mode="total"]');
    await page.fill('#float-count input[name=total]', float);
    await page.click('#open-shift:not([disabled])');
  }
  await page.waitForSelector('#amount, #lines');
}

/** Pair, log in, open a shift: the amount screen. */
export async function ready(page: Page, s: TestServer): Promise<void> {
  await pair(page, s);
  await login(page, s);
  await openShift(page);
}

/** Type an amount on the amount screen (into the field, as a cashier with a keyboard would). */
export async function enterAmount(page: Page, text: string): Promise<void> {
  await page.waitForSelector('#amount');
  await page.fill('#amount', text);
}

/** The headline state of the sale on the tender screen. */
export async function status(page: Page): Promise<string | null> {
  return page.getAttribute('#status', 'data-state');
}

export async function waitStatus(page: Page, state: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`#status[data-state="${state}"]`, { timeout });
}

/** The outbox as IndexedDB holds it on the page: what the terminal recorded before sending. */
export async function outboxRecords(page: Page): Promise<{ sales: any[]; lines: any[] }> {
  // A string, not a function: this file is typechecked without the DOM library.
  return page.evaluate(`new Promise((resolve, reject) => {
    const req = indexedDB.open('saoma-pos');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['sales', 'lines'], 'readonly');
      const a = tx.objectStore('sales').getAll();
      const b = tx.objectStore('lines').getAll();
      tx.oncomplete = () => { db.close(); resolve({ sales: a.result, lines: b.result }); };
      tx.onerror = () => reject(tx.error);
    };
  })`);
}

/** Pay a WeChat dynamic QR as the customer: the emulator's cashier page behind the QR's `pr` token. */
export async function payWechatQr(s: TestServer, qr: string): Promise<void> {
  const token = new URL(qr).searchParams.get('pr');
  if (!token) throw new Error(`not a WeChat NATIVE code: ${qr}`);
  const res = await fetch(`${s.url}/sandbox/wechat/cashier/${token}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (res.status !== 200) throw new Error(`WeChat cashier answered ${res.status}: ${await res.text()}`);
}
