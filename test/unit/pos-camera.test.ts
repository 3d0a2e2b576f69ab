import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';
import Fastify from 'fastify';
import { ZXING_WASM_SHA256, ZXING_WASM_VERSION } from 'barcode-detector/ponyfill';
import { classifyScan, scanProblem, walletName } from '../../web/pos/src/scan-classify.ts';
import { cameraErrorKey } from '../../web/pos/src/camera/camera-errors.ts';
import { LANGS, translate } from '../../web/pos/src/i18n.ts';
import { MIN_CHROME } from '../../web/pos/build-target.ts';
import { POS_DIST, posRoutes } from '../../src/http/pos.ts';
import { WALLET_RULES } from '../../src/core/paycode.ts';

describe('what a scan is', () => {
  test('each wallet by its prefix and length', () => {
    assert.deepEqual(classifyScan('134567890123456789'), { kind: 'paycode', wallet: 'wechat', code: '134567890123456789' });
    assert.deepEqual(classifyScan('281234567890123400'), { kind: 'paycode', wallet: 'alipay', code: '281234567890123400' });
    assert.equal(classifyScan('2512345678901234').kind, 'paycode'); // Alipay, 16 digits
    assert.deepEqual(classifyScan('6212345678901234567'), { kind: 'paycode', wallet: 'unionpay', code: '6212345678901234567' });
    assert.deepEqual(classifyScan('910728310408849937'), { kind: 'paycode', wallet: 'qq', code: '910728310408849937' });
  });
  test('typed with spaces, dashes or full-width digits is still the code', () => {
    assert.deepEqual(classifyScan(' 1345 6789 0123-4567 89 '), { kind: 'paycode', wallet: 'wechat', code: '134567890123456789' });
    assert.deepEqual(classifyScan('１３４５６７８９０１２３４５６７８９'), { kind: 'paycode', wallet: 'wechat', code: '134567890123456789' });
  });
  test('a product barcode, a link, a shop QR and the rest are not payment codes', () => {
    assert.deepEqual(classifyScan('6901234567892'), { kind: 'product', code: '6901234567892', format: 'EAN-13' });
    assert.deepEqual(classifyScan('036000291452'), { kind: 'product', code: '036000291452', format: 'UPC-A' });
    assert.equal(classifyScan('https://qr.alipay.com/bax03431ljhokirwl38f00a7').kind, 'url');
    assert.equal(classifyScan('weixin://wxpay/bizpayurl?pr=abc').kind, 'url');
    assert.deepEqual(classifyScan('00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING6304A13A'), { kind: 'unknown', code: '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING6304A13A', why: 'merchant_qr' });
    assert.deepEqual(classifyScan('6901234567890'), { kind: 'unknown', code: '6901234567890', why: 'length' }, 'an EAN-13 with a wrong check digit is not a product');
    assert.deepEqual(classifyScan('991234567890123456'), { kind: 'unknown', code: '991234567890123456', why: 'no_match' });
    assert.deepEqual(classifyScan('hello'), { kind: 'unknown', code: 'hello', why: 'not_digits' });
    assert.deepEqual(classifyScan('   '), { kind: 'unknown', code: '', why: 'empty' });
  });
  test('the table is the server\'s: a configured rule is honoured', () => {
    const jd = { wallet: 'jd', description: 'JD', prefixes: [{ from: '18', to: '18' }], lengths: [{ min: 18, max: 18 }] };
    assert.equal(classifyScan('181234567890123456').kind, 'unknown');
    assert.deepEqual(classifyScan('181234567890123456', [jd, ...WALLET_RULES]), { kind: 'paycode', wallet: 'jd', code: '181234567890123456' });
  });
  test('the cashier is told what was scanned and what to do, in each language', () => {
    for (const lang of LANGS) {
      const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v);
      const product = scanProblem(t, classifyScan('6901234567892'))!;
      assert.ok(product.includes('6901234567892') && product.includes('EAN-13') && product.includes('付款'), `${lang}: ${product}`);
      const url = scanProblem(t, classifyScan('https://example.com/a/very/long/link/that/goes/on/and/on'))!;
      assert.ok(url.includes('https://example.com/a/very/long…'), `${lang}: ${url}`);
      assert.ok(!/\{\w+\}/.test(scanProblem(t, classifyScan('12345'))!), `${lang}: no placeholder left`);
      assert.equal(scanProblem(t, classifyScan('134567890123456789')), null);
      assert.notEqual(walletName(t, 'wechat'), 'wechat');
    }
    assert.match(scanProblem((k, v) => translate('en', k, v), classifyScan('6901234567892'))!, /^That is a product barcode \(EAN-13 6901234567892\), not a payment code: ask the customer to open their wallet’s payment code \(付款码\)/);
  });
});

describe('camera errors', () => {
  test('denied, none and in use get their own message (old Chrome names too)', () => {
    assert.equal(cameraErrorKey('NotAllowedError'), 'cameraDenied');
    assert.equal(cameraErrorKey('PermissionDeniedError'), 'cameraDenied');
    assert.equal(cameraErrorKey('NotFoundError'), 'cameraNone');
    assert.equal(cameraErrorKey('DevicesNotFoundError'), 'cameraNone');
    assert.equal(cameraErrorKey('NotReadableError'), 'cameraInUse');
    assert.equal(cameraErrorKey('TrackStartError'), 'cameraInUse');
    assert.equal(cameraErrorKey('Whatever'), 'cameraFailed');
  });
});

/** The ZXing reader wasm barcode-detector's glue was built with: its own (nested) zxing-wasm, found here without the build's resolver. */
function barcodeDetectorsWasm(): { file: string; version: string } {
  const root = join(dirname(createRequire(import.meta.url).resolve('barcode-detector')), '..', '..');
  const wanted = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['zxing-wasm']!;
  for (const dir of [join(root, 'node_modules', 'zxing-wasm'), join(root, '..', 'zxing-wasm')]) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    if (version === wanted) return { file: join(dir, 'dist', 'reader', 'zxing_reader.wasm'), version };
  }
  throw new Error(`zxing-wasm ${wanted} (barcode-detector's) is not installed`);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

describe('POS camera, offline shell and their build', () => {
  if (!existsSync(join(POS_DIST, 'index.html'))) execFileSync('npm', ['run', '-s', 'build:pos'], { stdio: 'inherit' });
  const files = walk(POS_DIST).map((f) => relative(POS_DIST, f).split('\\').join('/'));
  const html = readFileSync(join(POS_DIST, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]+src="\/pos\/([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="\/pos\/([^"]+\.js)"/g)].map((m) => (m[1] ?? m[2])!);
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  const worker = files.filter((f) => /scan-worker-[\w-]+\.js$/.test(f));
  const cameraView = files.filter((f) => /camera-view-[\w-]+\.js$/.test(f));
  const gz = (f: string) => gzipSync(readFileSync(join(POS_DIST, f)), { level: 9 }).length;

  test('the served wasm is byte for byte the one barcode-detector ships, and matches its glue', async () => {
    assert.equal(wasm.length, 1, `one wasm in the build: ${wasm.join(', ')}`);
    const ours = readFileSync(join(POS_DIST, wasm[0]!));
    const theirs = barcodeDetectorsWasm();
    assert.equal(theirs.version, ZXING_WASM_VERSION, 'the glue and the installed zxing-wasm are one release');
    assert.ok(ours.equals(readFileSync(theirs.file)), `${wasm[0]} differs from ${theirs.file}`);
    assert.equal(createHash('sha256').update(ours).digest('hex'), ZXING_WASM_SHA256);
    // And the worker asks for exactly that file.
    assert.equal(worker.length, 1);
    assert.ok(readFileSync(join(POS_DIST, worker[0]!), 'utf8').includes(`/pos/${wasm[0]}`), 'the worker locates the wasm on our origin');

    const app = Fastify();
    await app.register(async (scope) => posRoutes(scope));
    const r = await app.inject(`/pos/${wasm[0]}`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'application/wasm');
    assert.ok(r.rawPayload.equals(ours), 'served as built');
    await app.close();
  });

  test('no built file points at a CDN or any other site', () => {
    for (const f of files) {
      if (f.endsWith('.wasm') || f.endsWith('.png')) continue;
      const text = readFileSync(join(POS_DIST, f), 'utf8');
      assert.ok(!/jsdelivr|fastly|unpkg|cdnjs|googleapis/i.test(text), `${f} names a CDN`);
      // Any host name with a domain; XML namespace names (w3.org) are identifiers, never fetched, and
      // the reserved example domains or "https://…" / localhost in a help text are no site either.
      const urls = (text.match(/\bhttps?:\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b[^\s"'`)<>]*/gi) ?? [])
        .filter((u) => !/^http:\/\/www\.w3\.org\//.test(u) && !/^https?:\/\/([\w-]+\.)*example\.(com|org|net)\b/i.test(u));
      assert.deepEqual(urls, [], `${f} references another site`);
    }
  });

  test('the camera, its worker and the wasm are not in the initial JS', (t) => {
    assert.equal(cameraView.length, 1, 'the camera view is its own chunk');
    for (const f of initial) {
      assert.ok(![...cameraView, ...worker].includes(f), `${f} is loaded up front`);
      const code = readFileSync(join(POS_DIST, f), 'utf8');
      assert.ok(!code.includes('BarcodeDetector') && !code.includes('zxing'), `${f} carries the decoder`);
    }
    const initialGz = initial.reduce((n, f) => n + gz(f), 0);
    const lazyGz = gz(cameraView[0]!) + gz(worker[0]!);
    // The README quotes these; printed so a change is visible in the test log.
    t.diagnostic(`initial JS ${initialGz} B gz; camera chunk + worker ${lazyGz} B gz; wasm ${statSync(join(POS_DIST, wasm[0]!)).size} B (${gz(wasm[0]!)} B gz)`);
  });

  test(`the worker and sw.js run on Chrome ${MIN_CHROME}`, () => {
    for (const [f, format] of [...worker.map((w) => [w, 'iife'] as const), ...cameraView.map((c) => [c, 'esm'] as const), ['sw.js', 'iife'] as const]) {
      const code = readFileSync(join(POS_DIST, f), 'utf8');
      const same = (target: string) => transformSync(code, { target, format, minifyWhitespace: true }).code;
      assert.equal(same(`chrome${MIN_CHROME}`), same('esnext'), `${f} uses syntax newer than Chrome ${MIN_CHROME}`);
    }
    // Module workers need Chrome 80: the decoder is a classic worker.
    assert.ok(!/new Worker\([^)]*type:\s*[`'"]module/.test(readFileSync(join(POS_DIST, cameraView[0]!), 'utf8')));
  });

  test('sw.js precaches this build\'s whole shell and nothing of the API', () => {
    const sw = readFileSync(join(POS_DIST, 'sw.js'), 'utf8');
    const shell = JSON.parse(/var SHELL = (\[[^\]]*\]);/.exec(sw)![1]!) as string[];
    const expected = ['/pos/', ...files.filter((f) => f !== 'sw.js' && f !== 'index.html').map((f) => `/pos/${f}`)].sort();
    assert.deepEqual([...shell].sort(), expected);
    assert.ok(shell.every((u) => u.startsWith('/pos/')));
    assert.match(sw, /var VERSION = '[0-9a-f]{16}';/);
    assert.ok(!sw.includes('__SAOMA_SW_'), 'placeholders filled');
  });

  test('the manifest: standalone, starts at /pos/, its icons are real PNGs of the stated size', () => {
    const m = JSON.parse(readFileSync(join(POS_DIST, 'manifest.webmanifest'), 'utf8')) as { start_url: string; scope: string; display: string; lang: string; name: string; icons: Array<{ src: string; sizes: string; type: string }> };
    assert.equal(m.start_url, '/pos/');
    assert.equal(m.scope, '/pos/');
    assert.equal(m.display, 'standalone');
    assert.ok(m.name && m.lang);
    assert.ok(m.icons.some((i) => i.sizes === '512x512') && m.icons.some((i) => i.sizes === '192x192'));
    for (const i of m.icons) {
      const png = readFileSync(join(POS_DIST, i.src));
      assert.equal(png.toString('latin1', 1, 4), 'PNG', i.src);
      assert.equal(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, i.sizes, i.src);
    }
    assert.match(html, /<link rel="manifest" href="\/pos\/manifest\.webmanifest">/);
  });

  test('the server: sw.js may control /pos/ and is never cached long; hashed assets are', async () => {
    const app = Fastify();
    await app.register(async (scope) => posRoutes(scope));
    const sw = await app.inject('/pos/sw.js');
    assert.equal(sw.statusCode, 200);
    assert.match(sw.headers['content-type'] as string, /javascript/);
    assert.equal(sw.headers['service-worker-allowed'], '/pos/');
    assert.match(sw.headers['cache-control'] as string, /no-cache/);
    const manifest = await app.inject('/pos/manifest.webmanifest');
    assert.equal(manifest.headers['content-type'], 'application/manifest+json');
    assert.match((await app.inject(`/pos/${worker[0]}`)).headers['cache-control'] as string, /immutable/);
    await app.close();
  });
});
