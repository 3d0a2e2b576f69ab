import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { Aes, Formatter, Hash, Rsa, Transformer, Wechatpay } from 'wechatpay-axios-plugin';
import { buildXml, parseXml, sign, stringToSign, type Params, type SignType } from '../../src/channels/wechat/sign.ts';
import { startWechatEmulator, type WechatEmulator } from '../../src/channels/wechat/emulator.ts';
import { freePort } from '../helpers/server.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Our v2 signing and XML against an independent implementation: wechatpay-axios-plugin (TheNorthMemory),
 * whose Hash.sign / Formatter.ksort+queryStringLike / Transformer implement APIv2.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:/=&?中文支付¥';

function randomText(max: number): string {
  let s = '';
  const n = randomInt(0, max + 1);
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(0, ALPHABET.length)];
  return s;
}

function randomParams(): Params {
  const p: Params = {};
  const n = randomInt(1, 16);
  for (let i = 0; i < n; i++) {
    const key = `${'abcdefghijklmnopqrstuvwxyz'[randomInt(0, 26)]}${randomText(6).replace(/[^a-z_]/g, '')}`;
    p[key] = randomInt(0, 5) === 0 ? '' : randomText(24);
  }
  return p;
}

describe('v2 signatures agree with wechatpay-axios-plugin', () => {
  test('stringA equals ksort + queryStringLike (non-empty values)', () => {
    for (let i = 0; i < 300; i++) {
      const p = randomParams();
      const nonEmpty = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== ''));
      assert.equal(stringToSign(p), Formatter.queryStringLike(Formatter.ksort(nonEmpty)), JSON.stringify(p));
    }
  });

  for (const type of ['MD5', 'HMAC-SHA256'] as SignType[]) {
    test(`${type}: 500 random parameter sets`, () => {
      for (let i = 0; i < 500; i++) {
        const p = randomParams();
        const key = randomBytes(16).toString('hex');
        const theirs = Hash.sign(type, p, key);
        assert.equal(sign(p, key, type), theirs, JSON.stringify(p));
      }
    });
  }

  test('XML: our documents parse the same in theirs and theirs in ours', () => {
    for (let i = 0; i < 200; i++) {
      // Their parser turns an empty <xml></xml> into '' (ours: {}); WeChat never sends one, so keep a field.
      const p = { return_code: 'SUCCESS', ...Object.fromEntries(Object.entries(randomParams()).filter(([, v]) => v !== '')) };
      assert.deepEqual(Transformer.toObject(buildXml(p)), p);
      assert.deepEqual(parseXml(Transformer.toXml(p)), p);
    }
  });
});

describe('wechatpay-axios-plugin as a v2 client against our emulator', () => {
  const merchant = { mchId: '1900000109', appId: 'wx2421b1c4370ec43b', apiKey: randomBytes(16).toString('hex') };
  let wx: { url: string; emulator: WechatEmulator; app: { close(): Promise<unknown> } };
  let out = '';
  type Call = (data: object, config?: object) => Promise<{ data: Record<string, string> }>;
  let v2: { pay: Record<string, { post: Call }>; secapi: { pay: Record<string, { post: Call }> } };

  before(async () => {
    wx = await startWechatEmulator({ port: await freePort(), dbPath: ':memory:', merchants: [merchant] });
    // Only its v2 (XML) client is used; the v3 fields are placeholders it requires.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const client = new Wechatpay({ mchid: merchant.mchId, serial: 'MERCHANT_SERIAL', privateKey, certs: { PLATFORM_SERIAL: publicKey }, secret: merchant.apiKey, baseURL: `${wx.url}/` } as never);
    v2 = (client as unknown as { v2: typeof v2 }).v2;
  });
  after(async () => { await wx.app.close(); });

  test('micropay, orderquery, refund and refundquery verify on their side', async () => {
    out = `XC${Date.now()}`;
    const authCode = `13${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}00`;
    const base = { appid: merchant.appId, mch_id: merchant.mchId };
    const paid = await v2.pay.micropay!.post({ ...base, body: 'crosscheck', out_trade_no: out, total_fee: 101, spbill_create_ip: '127.0.0.1', auth_code: authCode });
    assert.equal(paid.data.result_code, 'SUCCESS');
    assert.equal(paid.data.total_fee, '101');
    const q = await v2.pay.orderquery!.post({ ...base, out_trade_no: out });
    assert.equal(q.data.trade_state, 'SUCCESS');
    const r = await v2.secapi.pay.refund!.post({ ...base, out_trade_no: out, out_refund_no: `${out}R`, total_fee: 101, refund_fee: 1 }, { security: true });
    assert.equal(r.data.result_code, 'SUCCESS');
    const rq = await v2.pay.refundquery!.post({ ...base, out_refund_no: `${out}R` });
    assert.equal(rq.data.refund_status_0, 'SUCCESS');
  });

  test('a reply signed with the wrong key is rejected by their verifier', async () => {
    wx.emulator.faults.set({ badSignature: true });
    try {
      // A paid trade: the only thing wrong with the reply is its signature.
      await assert.rejects(v2.pay.orderquery!.post({ appid: merchant.appId, mch_id: merchant.mchId, out_trade_no: out }),
        (e: Error) => /EV2_RES_SIGNATURE_NOT_EQUAL|doesn't matched/.test(`${e.message} ${JSON.stringify(e)}`));
    } finally {
      wx.emulator.faults.set({ badSignature: false });
    }
  });

  test('a request signed with the wrong key gets return_code FAIL from the emulator', async () => {
    const p: Params = { appid: merchant.appId, mch_id: merchant.mchId, out_trade_no: 'x', nonce_str: Formatter.nonce() };
    p.sign = sign(p, 'ffffffffffffffffffffffffffffffff');
    const res = await fetch(`${wx.url}/pay/orderquery`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: buildXml(p) });
    const reply = parseXml(await res.text());
    assert.equal(reply.return_code, 'FAIL');
    assert.equal(reply.return_msg, '签名错误');
  });
});

describe('wechatpay-axios-plugin as an unchanged v3 client against our emulator', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const merchant = {
    mchId: '1900006891', appId: 'wxdace645e0bc2c424', apiKey: randomBytes(16).toString('hex'),
    // aes-256-gcm in their AesGcm: a 32-byte APIv3 key, as WeChat issues.
    v3: { apiV3Key: randomBytes(16).toString('hex'), merchantPublicKey: keys.publicKey, merchantSerial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1' },
  };
  let wx: { url: string; emulator: WechatEmulator; app: { close(): Promise<unknown> } };
  type V3 = any; // eslint-disable-line @typescript-eslint/no-explicit-any
  let v3: V3;
  let receiver: Server;
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];

  before(async () => {
    wx = await startWechatEmulator({ port: await freePort(), dbPath: ':memory:', merchants: [merchant] });
    // Response-signature validation on: their verifier checks every answer against certs[Wechatpay-Serial].
    const client = new Wechatpay({ mchid: merchant.mchId, serial: merchant.v3.merchantSerial, privateKey: keys.privateKey, certs: { [wx.emulator.platform.id]: wx.emulator.platform.publicKeyPem }, secret: merchant.apiKey, baseURL: `${wx.url}/` } as never);
    v3 = (client as unknown as { v3: V3 }).v3;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { received.push({ headers: req.headers, body }); res.statusCode = 204; res.end(); });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    await wx.app.close();
    await new Promise((r) => receiver.close(r));
  });

  test('native, query, close, refund and refund query succeed with their signing and verification', async () => {
    const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
    const base = { appid: merchant.appId, mchid: merchant.mchId, notify_url: notifyUrl };
    const open = `XC3O${Date.now()}`;
    const native = await v3.pay.transactions.native.post({ ...base, description: 'crosscheck', out_trade_no: open, amount: { total: 101, currency: 'CNY' } });
    assert.equal(native.status, 200);
    assert.match(native.data.code_url, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const q = await v3.pay.transactions.outTradeNo.$out_trade_no$.get({ params: { mchid: merchant.mchId }, out_trade_no: open });
    assert.equal(q.data.trade_state, 'NOTPAY');
    const closed = await v3.pay.transactions.outTradeNo.$out_trade_no$.close.post({ mchid: merchant.mchId }, { out_trade_no: open });
    assert.equal(closed.status, 204);
    assert.equal((await v3.pay.transactions.outTradeNo.$out_trade_no$.get({ params: { mchid: merchant.mchId }, out_trade_no: open })).data.trade_state, 'CLOSED');

    const paid = `XC3P${Date.now()}`;
    const order = await v3.pay.transactions.native.post({ ...base, description: 'crosscheck', out_trade_no: paid, amount: { total: 202, currency: 'CNY' } });
    assert.equal(wx.emulator.scan(order.data.code_url).ok, true);
    const r = await v3.refund.domestic.refunds.post({ out_trade_no: paid, out_refund_no: `${paid}R`, amount: { refund: 2, total: 202, currency: 'CNY' } });
    assert.equal(r.data.status, 'SUCCESS');
    const rq = await v3.refund.domestic.refunds.$out_refund_no$.get({ out_refund_no: `${paid}R` });
    assert.equal(rq.data.amount.refund, 2);

    // The trade bill: their verifier accepts the signed answer, their download (exempt from verification) gets the file.
    const bill = await v3.bill.tradebill.get({ params: { bill_date: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10), bill_type: 'ALL' } });
    assert.equal(bill.data.hash_type, 'SHA1');
    const token = new URL(bill.data.download_url).searchParams.get('token');
    const file = await v3.billdownload.file.get({ params: { token }, responseType: 'text' });
    assert.equal(Hash.sha1(file.data), bill.data.hash_value);
    assert.match(file.data, new RegExp(`\`${paid},`));

    // Their Rsa and AesGcm accept our emulator's notification.
    const n = await (async () => { for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((res) => setTimeout(res, 50)); return received[0]; })();
    assert.ok(n, 'a notification arrived');
    const h = (k: string) => String(n.headers[k]);
    assert.equal(Rsa.verify(Formatter.response(h('wechatpay-timestamp'), h('wechatpay-nonce'), n.body), h('wechatpay-signature'), Rsa.from(wx.emulator.platform.publicKeyPem, Rsa.KEY_TYPE_PUBLIC)), true);
    assert.equal(h('wechatpay-serial'), wx.emulator.platform.id);
    const { resource } = JSON.parse(n.body);
    const t = JSON.parse(Aes.AesGcm.decrypt(resource.ciphertext, merchant.v3.apiV3Key, resource.nonce, resource.associated_data));
    assert.deepEqual({ out_trade_no: t.out_trade_no, trade_state: t.trade_state, total: t.amount.total, mchid: t.mchid }, { out_trade_no: paid, trade_state: 'SUCCESS', total: 202, mchid: merchant.mchId });
  });

  test('their verifier rejects the emulator\'s badSignature answers; the emulator rejects a request signed by another key', async () => {
    const no = `XC3B${Date.now()}`;
    await v3.pay.transactions.native.post({ appid: merchant.appId, mchid: merchant.mchId, notify_url: 'http://127.0.0.1:9/n', description: 'x', out_trade_no: no, amount: { total: 1, currency: 'CNY' } });
    wx.emulator.faults.set({ badSignature: true });
    try {
      // The same 200 answer, signed by a stranger: only the signature is wrong.
      await assert.rejects(v3.pay.transactions.outTradeNo.$out_trade_no$.get({ params: { mchid: merchant.mchId }, out_trade_no: no }),
        (e: Error) => /Verify the response's data with/.test(e.message));
    } finally {
      wx.emulator.faults.set({ badSignature: false });
    }
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forger = new Wechatpay({ mchid: merchant.mchId, serial: merchant.v3.merchantSerial, privateKey: other.privateKey, certs: { [wx.emulator.platform.id]: wx.emulator.platform.publicKeyPem }, secret: merchant.apiKey, baseURL: `${wx.url}/` } as never) as unknown as { v3: V3 };
    await assert.rejects(forger.v3.pay.transactions.outTradeNo.$out_trade_no$.get({ params: { mchid: merchant.mchId }, out_trade_no: 'NOSUCHORDER1' }),
      (e: { response?: { status: number; data: { code: string } } }) => e.response?.status === 401 && e.response.data.code === 'SIGN_ERROR');
  });
});
