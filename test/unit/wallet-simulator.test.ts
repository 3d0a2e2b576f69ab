import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { code128Symbols, code128Widths, PATTERN_TABLE } from '../../web/wallet/src/code128.ts';
import { SHAPES, WALLETS, isStandUrl, walletPaymentCode } from '../../web/wallet/src/code.ts';
import { builtInRules, detectWallet } from '../../src/core/paycode.ts';
import { detectWalletApp } from '../../src/stand/ua.ts';
import { APP_USER_AGENT, classifyQr, isCashierPath, readCashier } from '../../src/http/wallet-app.ts';
import { cashierPage, outcomePage, type CashierWallet } from '../../src/channels/cashier-page.ts';

/**
 * The wallet simulator's pure parts: its Code 128 encoder (read back by an independent decoder, zxing),
 * each wallet's payment-code shape (routed by the gateway's own table to that wallet), and how its app
 * backend reads merchant QRs, cashier pages and User-Agents.
 */
const require = createRequire(import.meta.url);

/** The barcode as the page draws it (same widths, 3 px a module), rasterised by resvg and read by zxing. */
async function decode(code: string): Promise<string[]> {
  const widths = code128Widths(code);
  let x = 10;
  let rects = '';
  widths.forEach((w, i) => { if (i % 2 === 0) rects += `<rect x="${x}" y="0" width="${w}" height="50"/>`; x += w; });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${x + 10} 50" width="${(x + 10) * 3}" height="100" preserveAspectRatio="none"><rect width="${x + 10}" height="50" fill="#fff"/><g fill="#000">${rects}</g></svg>`;
  const png = new Resvg(svg).render().asPng();
  return (await readBarcodes(new Blob([png]), { formats: ['Code128'] })).map((b) => b.text);
}

describe('Code 128 encoder', () => {
  before(() => {
    prepareZXingModule({ overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')).buffer as ArrayBuffer }, fireImmediately: true });
  });
  test('the symbol table is 107 distinct patterns of 11 modules (stop 13), bars even', () => {
    assert.equal(new Set(PATTERN_TABLE).size, 107);
    PATTERN_TABLE.forEach((p, i) => {
      const w = [...p].map(Number);
      assert.equal(w.reduce((a, b) => a + b, 0), i === 106 ? 13 : 11, `symbol ${i}`);
      assert.equal(w.filter((_, k) => k % 2 === 0).reduce((a, b) => a + b, 0) % 2, 0, `symbol ${i} bars`);
    });
  });
  test('start C, digit pairs, the mod-103 check, stop', () => {
    // 105 + 12·1 + 34·2 + 56·3 = 353 → 353 mod 103 = 44
    assert.deepEqual(code128Symbols('123456'), [105, 12, 34, 56, 44, 106]);
    assert.throws(() => code128Symbols('12a4'), RangeError);
  });
  test('every wallet\'s code, and an odd length, read back by zxing', async () => {
    for (const w of WALLETS) {
      const code = walletPaymentCode(w, '00');
      assert.deepEqual(await decode(code), [code], w);
    }
    assert.deepEqual(await decode('6212345678901234507'), ['6212345678901234507']);
  });
});

describe('payment codes per wallet', () => {
  const rules = builtInRules({ sandbox: true });
  for (const w of WALLETS) {
    test(`${w}: its shape, its outcomes, and the gateway (sandbox on) routes it to ${w}`, () => {
      for (const o of SHAPES[w].outcomes) {
        for (let i = 0; i < 20; i++) {
          const code = walletPaymentCode(w, o);
          assert.equal(code.length, SHAPES[w].length, code);
          assert.ok(SHAPES[w].prefixes.includes(code.slice(0, 2)), code);
          assert.ok(code.endsWith(o), code);
          const d = detectWallet(code, rules);
          assert.ok(d.ok && d.wallet === w, `${code} → ${JSON.stringify(d)}`);
        }
      }
    });
  }
  test('shapes as published: Alipay 18 digits 25–30 (not 28, the sandbox\'s), WeChat 10–15, UnionPay 62 ×19, QQ 91', () => {
    assert.match(walletPaymentCode('alipay', '00'), /^(2[5-79]|30)\d{16}$/);
    assert.match(walletPaymentCode('wechat', '00'), /^1[0-5]\d{16}$/);
    assert.match(walletPaymentCode('unionpay', '00'), /^62\d{17}$/);
    assert.match(walletPaymentCode('qq', '00'), /^91\d{16}$/);
    assert.match(walletPaymentCode('sandbox', '00'), /^28\d{16}$/);
    assert.notEqual(walletPaymentCode('wechat', '00'), walletPaymentCode('wechat', '00'));
  });
});

describe('the simulator\'s app backend', () => {
  test('each app\'s User-Agent is told apart by the stand; the sandbox wallet is a plain browser', () => {
    for (const w of ['alipay', 'wechat', 'unionpay', 'qq'] as const) assert.equal(detectWalletApp(APP_USER_AGENT[w]), w);
    assert.equal(detectWalletApp(APP_USER_AGENT.sandbox), null);
  });
  test('merchant QRs: each emulator\'s, mounted or in the real wallets\' own form, and stands', () => {
    const base = 'https://saoma.example';
    assert.deepEqual(classifyQr(`${base}/sandbox/alipay/cashier/0266e007fe70`), { kind: 'cashier', wallet: 'alipay', path: '/sandbox/alipay/cashier/0266e007fe70' });
    assert.deepEqual(classifyQr('https://qr.alipay.com/bax0abc123'), { kind: 'cashier', wallet: 'alipay', path: '/sandbox/alipay/cashier/abc123' });
    assert.deepEqual(classifyQr('weixin://wxpay/bizpayurl?pr=b405ba08c25a'), { kind: 'cashier', wallet: 'wechat', path: '/sandbox/wechat/cashier/b405ba08c25a' });
    assert.deepEqual(classifyQr('https://qr.95516.com/00010000/16eebd878705e1ee752da480c839028b'), { kind: 'cashier', wallet: 'unionpay', path: '/sandbox/unionpay/cashier/16eebd878705e1ee752da480c839028b' });
    assert.deepEqual(classifyQr('https://qpay.qq.com/qr/4ed27c4e4b8869c9dc609a2e'), { kind: 'cashier', wallet: 'qq', path: '/sandbox/qq/cashier/4ed27c4e4b8869c9dc609a2e' });
    assert.deepEqual(classifyQr(`${base}/sandbox/qq/cashier/4ed27c4e4b8869c9dc609a2e`)?.kind, 'cashier');
    assert.deepEqual(classifyQr('saoma-sandbox://qr/mch_1/T1'), { kind: 'cashier', wallet: 'sandbox', path: '/sandbox/wallet/qr/mch_1/T1' });
    assert.deepEqual(classifyQr(` ${base}/s/7040w8tmnytw `), { kind: 'stand', path: '/s/7040w8tmnytw' });
    assert.ok(isStandUrl(`${base}/s/7040w8tmnytw`));
    assert.ok(!isStandUrl(`${base}/sandbox/alipay/cashier/x`));
    for (const bad of ['', 'hello', 'javascript:alert(1)', `${base}/sandbox/alipay/cashier/../../v1/payments`, `${base}/v1/payments`, 'https://qr.alipay.com/other', 'weixin://wxpay/bizpayurl?pr=../x']) {
      assert.equal(classifyQr(bad), null, bad);
    }
    assert.ok(isCashierPath('/sandbox/wechat/cashier/abc'));
    assert.ok(!isCashierPath('/v1/payments'));
    assert.ok(!isCashierPath('/sandbox/alipay/cashier/a/../../x'));
  });
  test('reads the shared cashier page: what it asks, its buttons and fields, or its outcome', () => {
    const wallet: CashierWallet = { name: { 'zh-Hans': '支付宝', 'zh-Hant': '支付寶', en: 'Alipay' }, home: 'zh-Hans' };
    const page = cashierPage({
      wallet, locale: 'en', amount: { minor: 1250, currency: 'CNY' }, merchant: 'Tom & Jerry <Shop>',
      form: { target: { pay: 'tok/pay', decline: 'tok/decline' }, fields: { qr_code: 'a"b' }, json: { paid: { code: 'SUCCESS' }, declined: { code: 'PAY_DECLINED' } } },
    });
    const v = readCashier(page);
    assert.equal(v.summary, 'Pay ¥12.50 to Tom & Jerry <Shop>');
    assert.deepEqual(v.buttons, { pay: 'tok/pay', decline: 'tok/decline' });
    assert.deepEqual(v.fields, { qr_code: 'a"b' });
    assert.deepEqual(v.json, { paid: { code: 'SUCCESS' }, declined: { code: 'PAY_DECLINED' } });
    assert.equal(v.outcome, null);
    const done = readCashier(outcomePage({ wallet, locale: 'en', outcome: 'expired' }));
    assert.equal(done.summary, null);
    assert.equal(done.outcome, 'expired');
  });
});
