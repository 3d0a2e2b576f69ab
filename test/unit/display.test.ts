import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';
import Fastify from 'fastify';
import { DICTS, LANGS, formatAmount, pickLang } from '../../web/display/src/i18n.ts';
import { ES_VERSION, MAX_INITIAL_JS_GZIP, MIN_CHROME } from '../../web/pos/build-target.ts';
import { DISPLAY_DIST, displayPageRoutes } from '../../src/http/display.ts';
import { DISPLAY_TOKEN_TTL_MS, DisplayTokens } from '../../src/display/token.ts';
import { MAX_DISPLAY_STATE_BYTES, fitDisplayState, type DisplayState } from '../../src/display/state.ts';
import { can, type Permission, type Principal } from '../../src/core/roles.ts';
import { PaymentBus } from '../../src/payments/bus.ts';

describe('display pushes on the bus', () => {
  test('remembered per terminal; a late push from another instance never overwrites a newer one', async () => {
    const bus = new PaymentBus();
    const seen: string[] = [];
    const forwarded: number[] = [];
    bus.forwardDisplay = async (_t, _s, at) => { forwarded.push(at); };
    bus.subscribeDisplay('trm_1', (st) => seen.push(String(st.amount ?? st.view)));
    await bus.publishDisplay('trm_1', { view: 'sale', amount: 100 });
    await bus.publishDisplay('trm_1', { view: 'sale', amount: 200 });
    assert.equal(forwarded.length, 2);
    assert.ok(forwarded[1]! > forwarded[0]!, 'stamps grow even within one millisecond');
    // The NOTIFY of a push made on another instance before the last one here arrives late: dropped.
    await bus.publishDisplay('trm_1', { view: 'sale', amount: 150 }, { at: forwarded[1]! - 1 });
    // A newer one from there is shown, and not sent back out.
    await bus.publishDisplay('trm_1', { view: 'idle' }, { at: forwarded[1]! + 5 });
    assert.deepEqual(seen, ['100', '200', 'idle']);
    assert.equal(forwarded.length, 2);
    assert.deepEqual(bus.lastDisplay('trm_1'), { view: 'idle' });
    assert.equal(bus.lastDisplay('trm_2'), null);
  });
});

describe('customer display role', () => {
  const ALL: readonly Permission[] = ['merchant:create', 'merchant:read', 'merchant:admin', 'payment:create', 'payment:read', 'payment:cancel', 'refund:create', 'ledger:read', 'webhook:manage', 'display:push', 'display:read'];
  const display: Principal = { kind: 'display', merchantId: 'm_1', terminalId: 't_1' };

  test('a display may read its stream and do nothing else', () => {
    assert.deepEqual(ALL.filter((p) => can(display, p)), ['display:read']);
  });

  test('terminals and every operator push to their display; keys do not, and nobody else reads a display stream', () => {
    const at = { merchantId: 'm_1', storeId: 's_1', terminalId: 't_1' };
    const pushers: Principal[] = [{ kind: 'terminal', ...at }, ...(['cashier', 'supervisor', 'manager'] as const).map((role): Principal => ({ kind: 'operator', ...at, operatorId: 'o_1', role }))];
    for (const p of pushers) assert.deepEqual([can(p, 'display:push'), can(p, 'display:read')], [true, false], p.kind);
    for (const p of [{ kind: 'platform' }, { kind: 'merchant', merchantId: 'm_1', keyId: 'k_1' }] as Principal[]) {
      assert.deepEqual([can(p, 'display:push'), can(p, 'display:read')], [false, false], p.kind);
    }
  });
});

describe('customer display tokens', () => {
  const tokens = new DisplayTokens('a'.repeat(64));
  const { token } = tokens.issue('mch_1', 'trm_1', 'hash-of-device-token', 1_000);

  test('carry the terminal, bound to its device token, until they expire', () => {
    const c = tokens.verify(token, 2_000)!;
    assert.deepEqual({ m: c.merchantId, t: c.terminalId }, { m: 'mch_1', t: 'trm_1' });
    assert.equal(c.bound, tokens.fingerprint('hash-of-device-token'));
    assert.notEqual(c.bound, tokens.fingerprint('hash-of-another-device-token'));
    assert.equal(tokens.verify(token, 1_000 + DISPLAY_TOKEN_TTL_MS), null, 'expired');
  });

  test('another key, an edited claim or a cut token is no token', () => {
    assert.equal(new DisplayTokens('b'.repeat(64)).verify(token, 2_000), null);
    const [body, mac] = token.slice(5).split('.');
    const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), t: 'trm_2' })).toString('base64url');
    assert.equal(tokens.verify(`disp_${edited}.${mac}`, 2_000), null);
    assert.equal(tokens.verify(token.slice(0, -2), 2_000), null);
    assert.equal(tokens.verify(token.replace('disp_', 'term_'), 2_000), null);
  });
});

describe('customer display state', () => {
  const sale = (n: number, name: string): DisplayState => ({ view: 'sale', currency: 'CNY', amount: n * 100, due: n * 100, paid: 0, items: Array.from({ length: n }, (_, i) => ({ name: `${name}${i}`, quantity: 1, unitPrice: 100 })) });

  test('a state that fits travels as it is', () => {
    const s = sale(5, '豆浆');
    assert.equal(fitDisplayState(s), s);
  });

  test('one too big loses its last lines, just enough to fit, and says so', () => {
    const s = sale(100, '特级手工拉面配卤牛肉加蛋特级手工拉面配卤牛肉加蛋');
    const f = fitDisplayState(s) as Extract<DisplayState, { view: 'sale' }>;
    assert.equal(f.truncated, true);
    assert.ok(Buffer.byteLength(JSON.stringify(f)) <= MAX_DISPLAY_STATE_BYTES);
    const oneMore = { ...f, items: (s as typeof f).items.slice(0, f.items.length + 1) };
    assert.ok(Buffer.byteLength(JSON.stringify(oneMore)) > MAX_DISPLAY_STATE_BYTES, 'no line dropped that would have fitted');
    assert.equal(f.amount, s.view === 'sale' ? s.amount : 0);
  });
});

describe('customer display languages', () => {
  test('every dictionary has every key, none empty', () => {
    const keys = Object.keys(DICTS.en).sort();
    for (const l of LANGS) {
      assert.deepEqual(Object.keys(DICTS[l]).sort(), keys, l);
      for (const k of keys) assert.ok((DICTS[l] as Record<string, string>)[k], `${l}.${k}`);
    }
  });

  test('the browser\'s locale picks the script; amounts through Intl', () => {
    assert.equal(pickLang(['zh-TW']), 'zh-Hant');
    assert.equal(pickLang(['zh-HK', 'en']), 'zh-Hant');
    assert.equal(pickLang(['zh-CN']), 'zh-Hans');
    assert.equal(pickLang(['en-US']), 'en');
    assert.equal(pickLang(['fr-FR']), 'zh-Hans');
    assert.equal(formatAmount('zh-Hans', 1250, 'CNY'), '¥12.50');
    assert.match(formatAmount('en', 1250, 'CNY'), /12\.50/);
  });
});

describe('customer display bundle', () => {
  if (!existsSync(join(DISPLAY_DIST, 'index.html'))) execFileSync('npm', ['run', '-s', 'build:display'], { stdio: 'inherit' });
  const html = readFileSync(join(DISPLAY_DIST, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]+src="\/display\/([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="\/display\/([^"]+\.js)"/g)].map((m) => (m[1] ?? m[2])!);

  test(`initial JS is at most ${MAX_INITIAL_JS_GZIP / 1024} KB gzipped (the /pos budget)`, () => {
    assert.ok(initial.length > 0, 'index.html loads a script');
    const gz = initial.reduce((n, f) => n + gzipSync(readFileSync(join(DISPLAY_DIST, f)), { level: 9 }).length, 0);
    assert.ok(gz <= MAX_INITIAL_JS_GZIP, `initial JS is ${gz} bytes gzipped; the budget is ${MAX_INITIAL_JS_GZIP}`);
  });

  test(`the bundle needs nothing newer than Chrome ${MIN_CHROME} parses (ES${ES_VERSION})`, () => {
    for (const f of initial) {
      const code = readFileSync(join(DISPLAY_DIST, f), 'utf8');
      const same = (target: string) => transformSync(code, { target, format: 'esm', minifyWhitespace: true }).code;
      assert.equal(same(`chrome${MIN_CHROME}`), same('esnext'), `${f} uses syntax newer than Chrome ${MIN_CHROME}`);
      for (const api of ['crypto.randomUUID', 'new AbortController', 'Object.fromEntries', 'structuredClone', '.replaceAll(', '.at(']) {
        assert.ok(!code.includes(api), `${f} calls ${api}, which Chrome ${MIN_CHROME} lacks`);
      }
    }
  });
});

describe('/display without a build', () => {
  test('answers a page saying how to build it, in three languages', async () => {
    const app = Fastify();
    await app.register(async (scope) => displayPageRoutes(scope, '/nonexistent-saoma-display-dist/'));
    const r = await app.inject('/display/');
    assert.equal(r.statusCode, 503);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.body, /npm run build:web/);
    assert.match(r.body, /顾客显示屏尚未构建/);
    assert.match(r.body, /顧客顯示屏尚未建置/);
    assert.equal((await app.inject('/display')).headers.location, '/display/');
    await app.close();
  });
});
