import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';
import Fastify from 'fastify';
import { DICTS, LANGS } from '../../web/wallet/src/i18n.ts';
import { groupDigits, newPaymentCode } from '../../web/wallet/src/code.ts';
import { ES_VERSION, MAX_INITIAL_JS_GZIP, MIN_CHROME } from '../../web/pos/build-target.ts';
import { WALLET_DIST, walletRoutes } from '../../src/http/wallet.ts';

describe('wallet simulator payment codes', () => {
  test('18 digits, starting 28, ending with the chosen outcome, different each time', () => {
    for (const o of ['00', '01', '02', '03'] as const) assert.match(newPaymentCode(o), new RegExp(`^28\\d{14}${o}$`));
    assert.notEqual(newPaymentCode('00'), newPaymentCode('00'));
    assert.equal(newPaymentCode('02', (n) => new Uint8Array(n).fill(13)), `28${'3'.repeat(14)}02`);
  });
  test('shown in groups of four', () => {
    assert.equal(groupDigits('281234567890123400'), '2812 3456 7890 1234 00');
  });
});

describe('wallet simulator languages', () => {
  test('every dictionary has every key, none empty', () => {
    const keys = Object.keys(DICTS.en).sort();
    for (const l of LANGS) {
      assert.deepEqual(Object.keys(DICTS[l]).sort(), keys, l);
      for (const k of keys) assert.ok((DICTS[l] as Record<string, string>)[k], `${l}.${k}`);
    }
  });
});

describe('wallet simulator bundle', () => {
  if (!existsSync(join(WALLET_DIST, 'index.html'))) execFileSync('npm', ['run', '-s', 'build:wallet'], { stdio: 'inherit' });
  const html = readFileSync(join(WALLET_DIST, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]+src="\/wallet\/([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="\/wallet\/([^"]+\.js)"/g)].map((m) => (m[1] ?? m[2])!);

  test(`initial JS is at most ${MAX_INITIAL_JS_GZIP / 1024} KB gzipped (the /pos budget)`, () => {
    assert.ok(initial.length > 0, 'index.html loads a script');
    const gz = initial.reduce((n, f) => n + gzipSync(readFileSync(join(WALLET_DIST, f)), { level: 9 }).length, 0);
    assert.ok(gz <= MAX_INITIAL_JS_GZIP, `initial JS is ${gz} bytes gzipped; the budget is ${MAX_INITIAL_JS_GZIP}`);
  });

  test(`the bundle needs nothing newer than Chrome ${MIN_CHROME} parses (ES${ES_VERSION})`, () => {
    for (const f of initial) {
      const code = readFileSync(join(WALLET_DIST, f), 'utf8');
      const same = (target: string) => transformSync(code, { target, format: 'esm', minifyWhitespace: true }).code;
      assert.equal(same(`chrome${MIN_CHROME}`), same('esnext'), `${f} uses syntax newer than Chrome ${MIN_CHROME}`);
      for (const api of ['crypto.randomUUID', 'new AbortController', 'Object.fromEntries', 'structuredClone', '.replaceAll(', '.at(']) {
        assert.ok(!code.includes(api), `${f} calls ${api}, which Chrome ${MIN_CHROME} lacks`);
      }
    }
  });
});

describe('/wallet without a build', () => {
  test('answers a page saying how to build it; /wallet keeps its query on the redirect', async () => {
    const app = Fastify();
    await app.register(async (scope) => walletRoutes(scope, '/nonexistent-saoma-wallet-dist/'));
    const r = await app.inject('/wallet/');
    assert.equal(r.statusCode, 503);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.body, /npm run build:web/);
    assert.equal((await app.inject('/wallet')).headers.location, '/wallet/');
    assert.equal((await app.inject('/wallet?qr=abc')).headers.location, '/wallet/?qr=abc');
    await app.close();
  });
});
