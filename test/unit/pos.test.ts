import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';
import Fastify from 'fastify';
import { parseAmount } from '../../web/pos/src/amount.ts';
import { AREAS, DICTS, LANGS, formatAmount, pickLang } from '../../web/pos/src/i18n.ts';
import { ES_VERSION, MAX_INITIAL_JS_GZIP, MIN_CHROME } from '../../web/pos/build-target.ts';
import { POS_DIST, posRoutes } from '../../src/http/pos.ts';

describe('POS amount entry', () => {
  test('decimal yuan become integer fen', () => {
    assert.deepEqual(parseAmount('12.50'), { ok: true, minor: 1250 });
    assert.deepEqual(parseAmount('12.5'), { ok: true, minor: 1250 });
    assert.deepEqual(parseAmount('0.01'), { ok: true, minor: 1 });
    assert.deepEqual(parseAmount('.5'), { ok: true, minor: 50 });
    assert.deepEqual(parseAmount(' 8 '), { ok: true, minor: 800 });
  });
  test('bad amounts are refused with a reason', () => {
    assert.deepEqual(parseAmount('12.505'), { ok: false, reason: 'amountTooManyDecimals' });
    assert.deepEqual(parseAmount(''), { ok: false, reason: 'amountEmpty' });
    assert.deepEqual(parseAmount('0.00'), { ok: false, reason: 'amountZero' });
    for (const s of ['1,50', '-1', '1e3', '１２', '.', 'abc', '1.2.3']) assert.deepEqual(parseAmount(s), { ok: false, reason: 'amountInvalid' }, s);
    assert.deepEqual(parseAmount('1000000.01'), { ok: false, reason: 'amountTooLarge' });
  });
});

describe('POS languages', () => {
  test('every dictionary has every key, none empty', () => {
    const keys = Object.keys(DICTS.en).sort();
    for (const l of LANGS) {
      assert.deepEqual(Object.keys(DICTS[l]).sort(), keys, l);
      for (const k of keys) assert.ok((DICTS[l] as Record<string, string>)[k], `${l}.${k}`);
    }
  });
  test('no two areas define the same key (one would silently hide the other)', () => {
    const owner = new Map<string, string>();
    for (const [area, dict] of Object.entries(AREAS)) {
      for (const k of Object.keys(dict.en)) {
        assert.equal(owner.get(k), undefined, `${k} is in both ${owner.get(k)} and ${area}`);
        owner.set(k, area);
      }
    }
  });
  test('picked from the browser locale', () => {
    assert.equal(pickLang(['zh-CN']), 'zh-Hans');
    assert.equal(pickLang(['zh-TW', 'en']), 'zh-Hant');
    assert.equal(pickLang(['zh-Hant-HK']), 'zh-Hant');
    assert.equal(pickLang(['fr-FR', 'en-GB']), 'en');
    assert.equal(pickLang(['fr-FR']), 'zh-Hans');
  });
  test('amounts formatted per locale', () => {
    assert.match(formatAmount('en', 1250), /12\.50/);
    assert.match(formatAmount('zh-Hans', 123456), /1,234\.56/);
  });
});

describe('POS bundle', () => {
  if (!existsSync(join(POS_DIST, 'index.html'))) execFileSync('npm', ['run', '-s', 'build:pos'], { stdio: 'inherit' });
  const html = readFileSync(join(POS_DIST, 'index.html'), 'utf8');
  /** The JavaScript the page loads before it can run: its module scripts and their modulepreloads. */
  const initial = [...html.matchAll(/<script[^>]+src="\/pos\/([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="\/pos\/([^"]+\.js)"/g)].map((m) => (m[1] ?? m[2])!);

  test(`initial JS is at most ${MAX_INITIAL_JS_GZIP / 1024} KB gzipped`, () => {
    assert.ok(initial.length > 0, 'index.html loads a script');
    const gz = initial.reduce((n, f) => n + gzipSync(readFileSync(join(POS_DIST, f)), { level: 9 }).length, 0);
    assert.ok(gz <= MAX_INITIAL_JS_GZIP, `initial JS is ${gz} bytes gzipped; the budget is ${MAX_INITIAL_JS_GZIP}`);
  });

  test(`the bundle needs nothing newer than Chrome ${MIN_CHROME} parses (ES${ES_VERSION})`, () => {
    for (const f of initial) {
      const code = readFileSync(join(POS_DIST, f), 'utf8');
      // esbuild lowers whatever Chrome 64 lacks; if it changes nothing, the bundle only uses what Chrome 64 has.
      const same = (target: string) => transformSync(code, { target, format: 'esm', minifyWhitespace: true }).code;
      assert.equal(same(`chrome${MIN_CHROME}`), same('esnext'), `${f} uses syntax newer than Chrome ${MIN_CHROME}`);
      for (const api of ['crypto.randomUUID', 'new AbortController', 'Object.fromEntries', 'structuredClone', '.replaceAll(', '.at(']) {
        assert.ok(!code.includes(api), `${f} calls ${api}, which Chrome ${MIN_CHROME} lacks`);
      }
    }
  });
});

describe('/pos without a build', () => {
  test('answers a page saying how to build it, never a crash', async () => {
    const app = Fastify();
    await app.register(async (scope) => posRoutes(scope, '/nonexistent-saoma-pos-dist/'));
    const r = await app.inject('/pos/');
    assert.equal(r.statusCode, 503);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.body, /npm run build:web/);
    assert.equal((await app.inject('/pos')).headers.location, '/pos/');
    await app.close();
  });
});
