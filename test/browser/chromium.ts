/**
 * Debian's Chromium for the browser tests (never `npx playwright install`): where it is, how it is
 * launched, and the checks every screen test makes on what it shows.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SAOMA_CHROMIUM ?? '/usr/bin/chromium';
/** For `describe(…, { skip: NO_CHROMIUM })`: false when Chromium is here, else why the suite is skipped. */
export const NO_CHROMIUM: string | false = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
export const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_ARGS, ...extraArgs] });
}

/** Builds a web app once (`npm run build:<name>`) if its dist has no index.html. */
export function ensureApp(dist: string, script: string): void {
  if (!existsSync(`${dist}index.html`)) execFileSync('npm', ['run', '-s', script], { stdio: 'inherit' });
}

/**
 * Collect the page's script errors and console errors into `problems`, which a test asserts empty.
 * A resource that failed to load is left to the test that caused it (a server stopped on purpose).
 */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text()); });
}

/** No horizontal scrollbar: the page is no wider than the window. */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate('document.scrollingElement.scrollWidth <= window.innerWidth') as Promise<boolean>;
}

/** True when a PNG screenshot has real content: its pixel bytes take many values, not one colour. */
export function notBlank(png: Buffer): boolean {
  const chunks: Buffer[] = [];
  for (let i = 8; i < png.length;) {
    const len = png.readUInt32BE(i);
    const type = png.toString('latin1', i + 4, i + 8);
    if (type === 'IDAT') chunks.push(png.subarray(i + 8, i + 8 + len));
    i += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const seen = new Set<number>();
  for (let i = 0; i < raw.length; i += 7) seen.add(raw[i]!);
  return seen.size > 16;
}
