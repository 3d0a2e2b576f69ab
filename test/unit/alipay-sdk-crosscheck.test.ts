import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { startAlipayEmulator } from '../../src/channels/alipay/emulator.ts';
import { parseBillZip } from '../../src/channels/alipay/bill.ts';
import { alipayTimestamp } from '../../src/channels/alipay/adapter.ts';

/**
 * The official alipay-sdk (unchanged, response-signature validation on) as a client of our emulator:
 * if the emulator's signing or its answers were off, the official client would refuse them.
 */
describe('alipay-sdk 4.x against the Alipay emulator', () => {
  let emu: Awaited<ReturnType<typeof startAlipayEmulator>>;
  let sdk: AlipaySdk;
  let dir: string;
  const code = (b: string) => `25${String(Date.now()).slice(-8)}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}${b}`;
  const no = (p: string) => `${p}${Date.now()}${Math.floor(Math.random() * 1e6)}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'saoma-alipay-sdk-'));
    emu = await startAlipayEmulator({ port: 0, dbPath: join(dir, 'alipay.db') });
    sdk = new AlipaySdk({
      appId: emu.keys.appId, privateKey: emu.keys.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: emu.keys.alipayPublicKey,
      gateway: `${emu.url}/gateway.do`, endpoint: emu.url, timeout: 5000,
    });
  });
  after(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('precreate: a signed answer with a qr.alipay.com code, validated by the SDK', async () => {
    const outTradeNo = no('SDKQ');
    const r = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo, totalAmount: '88.88', subject: 'Iphone6 16G' } }, { validateSign: true });
    assert.equal(r.code, '10000');
    assert.equal(r.outTradeNo, outTradeNo);
    assert.match(String(r.qrCode), /^https:\/\/qr\.alipay\.com\/bax/);
    assert.equal(emu.emulator.scan(String(r.qrCode)).code, '10000');
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo } }, { validateSign: true });
    assert.equal(q.tradeStatus, 'TRADE_SUCCESS');
    assert.equal(q.totalAmount, '88.88');
  });

  test('pay (bar_code) succeeds; a confirming customer gives 10003 then query shows it paid', async () => {
    const outTradeNo = no('SDKP');
    const r = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo, scene: 'bar_code', authCode: code('00'), subject: 'coffee', totalAmount: '12.50' } }, { validateSign: true });
    assert.equal(r.code, '10000');
    assert.equal(r.totalAmount, '12.50');
    assert.match(String(r.tradeNo), /^\d{20,}$/);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo } }, { validateSign: true });
    assert.equal(q.code, '10000');
    assert.equal(q.tradeStatus, 'TRADE_SUCCESS');

    emu.emulator.faults.set({ userPayingMs: 100 });
    const slow = no('SDKW');
    const w = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: slow, scene: 'bar_code', authCode: code('02'), subject: 'tea', totalAmount: '3.00' } }, { validateSign: true });
    assert.equal(w.code, '10003');
    await new Promise((res) => setTimeout(res, 150));
    const q2 = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: slow } }, { validateSign: true });
    assert.equal(q2.tradeStatus, 'TRADE_SUCCESS');
  });

  test('business failures come back signed too (40004 ACQ.TRADE_NOT_EXIST)', async () => {
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no('NONE') } }, { validateSign: true });
    assert.equal(q.code, '40004');
    assert.equal(q.subCode, 'ACQ.TRADE_NOT_EXIST');
  });

  test('a response signed with the wrong key is refused by the SDK', async () => {
    emu.emulator.faults.set({ badSignature: true });
    try {
      await assert.rejects(sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no('BAD') } }, { validateSign: true }), /验签失败/);
    } finally {
      emu.emulator.faults.set({ badSignature: false });
    }
  });

  test('the emulator refuses a request signed with another key (isv.invalid-signature)', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrong = new AlipaySdk({ appId: emu.keys.appId, privateKey: other, keyType: 'PKCS8', alipayPublicKey: emu.keys.alipayPublicKey, gateway: `${emu.url}/gateway.do` });
    const r = await wrong.exec('alipay.trade.query', { bizContent: { outTradeNo: no('SIG') } }, { validateSign: true });
    assert.equal(r.code, '40002');
    assert.equal(r.subCode, 'isv.invalid-signature');
  });

  test('bill download URL query: a signed answer the SDK validates; the zip it points to parses', async () => {
    const outTradeNo = no('SDKB');
    const paid = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo, scene: 'bar_code', authCode: code('00'), subject: 'bill', totalAmount: '7.77' } }, { validateSign: true });
    assert.equal(paid.code, '10000');
    const billDate = alipayTimestamp().slice(0, 10);
    const r = await sdk.exec('alipay.data.dataservice.bill.downloadurl.query', { bizContent: { billType: 'trade', billDate } }, { validateSign: true });
    assert.equal(r.code, '10000');
    assert.match(String(r.billDownloadUrl), /\/downloadBillFile\.resource\?.*fileType=csv\.zip/);
    const res = await fetch(String(r.billDownloadUrl));
    assert.equal(res.status, 200);
    const lines = parseBillZip(new Uint8Array(await res.arrayBuffer()));
    const line = lines.find((l) => l.outTradeNo === outTradeNo);
    assert.deepEqual(line && [line.kind, line.amount, line.channelTradeNo], ['payment', 777, paid.tradeNo]);
  });
});
