import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { Formatter, Hash, Transformer, Wechatpay } from 'wechatpay-axios-plugin';
import { buildXml, parseXml, sign, stringToSign, type Params, type SignType } from '../../src/channels/wechat/sign.ts';
import { startWechatEmulator, type WechatEmulator } from '../../src/channels/wechat/emulator.ts';
import { freePort } from '../helpers/server.ts';

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
    wx.emulator.faults.badSignature = true;
    try {
      // A paid trade: the only thing wrong with the reply is its signature.
      await assert.rejects(v2.pay.orderquery!.post({ appid: merchant.appId, mch_id: merchant.mchId, out_trade_no: out }),
        (e: Error) => /EV2_RES_SIGNATURE_NOT_EQUAL|doesn't matched/.test(`${e.message} ${JSON.stringify(e)}`));
    } finally {
      wx.emulator.faults.badSignature = false;
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
