import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  aeadDecrypt, aeadEncrypt, authorization, errorBody, jsapiMessage, parseAuthorization, requestMessage, responseMessage, rsaSign, rsaVerify,
  SIGNTEST_PREFIX, verifyWechatpaySignature, wechatpayHeaders,
} from '../../src/channels/wechat/v3.ts';
import { W2_KEY } from './vectors.ts';

const W2_SIGNATURE = 'BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==';

// W-5: wechatpay-go utils/aes_test.go; a 16-byte key, so AES-128-GCM.
const W5 = { key: 'testAPIv3Key0000', nonce: 'wCq51qZv4Yfg', aad: 'Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8', ciphertext: 'FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC', plaintext: 'Hello World' };

const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUB_KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000000001';

describe('WeChat Pay v3 primitives', () => {
  test('W-2: SHA256withRSA("source") with the wechatpay-go test key, byte for byte', () => {
    assert.equal(rsaSign('source', W2_KEY), W2_SIGNATURE);
    assert.equal(rsaVerify('source', W2_SIGNATURE, createPublicKey(W2_KEY)), true);
    assert.equal(rsaVerify('sourcE', W2_SIGNATURE, createPublicKey(W2_KEY)), false);
  });

  test('W-5: AEAD_AES_256_GCM decrypt (16-byte key → AES-128), byte for byte; a tampered byte fails', () => {
    assert.equal(aeadDecrypt(W5.key, W5.nonce, W5.aad, W5.ciphertext), W5.plaintext);
    assert.equal(aeadEncrypt(W5.key, W5.nonce, W5.aad, W5.plaintext), W5.ciphertext);
    const bad = Buffer.from(W5.ciphertext, 'base64');
    bad[0] = bad[0]! ^ 1;
    assert.throws(() => aeadDecrypt(W5.key, W5.nonce, W5.aad, bad.toString('base64')));
    assert.throws(() => aeadDecrypt(W5.key, W5.nonce, 'other aad', W5.ciphertext));
  });

  test('a 32-byte APIv3 key is AES-256-GCM and round-trips', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz012345';
    const c = aeadEncrypt(key, '0123456789ab', 'transaction', '{"a":1}');
    assert.equal(aeadDecrypt(key, '0123456789ab', 'transaction', c), '{"a":1}');
    assert.throws(() => aeadDecrypt('short', '0123456789ab', 'transaction', c), RangeError);
  });

  test('request message and Authorization header', () => {
    assert.equal(requestMessage('GET', '/v3/certificates', '1554208460', '593BEC0C930BF1AFEB40B4A08C8FB242', ''),
      'GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n');
    const h = authorization({ mchId: '1900009191', serialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C', privateKey: W2_KEY, method: 'POST', url: '/v3/pay/transactions/native', body: '{"x":1}', timestamp: '1554208460', nonce: 'N1' });
    const p = parseAuthorization(h)!;
    assert.deepEqual({ ...p, signature: '' }, { mchid: '1900009191', nonce_str: 'N1', timestamp: '1554208460', serial_no: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C', signature: '' });
    assert.equal(p.signature, rsaSign('POST\n/v3/pay/transactions/native\n1554208460\nN1\n{"x":1}\n', W2_KEY));
    assert.equal(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1"'), null);
    assert.equal(parseAuthorization(h.replace('WECHATPAY2', 'WECHATPAY3')), null);
    // The parameters' order does not matter.
    const reordered = `WECHATPAY2-SHA256-RSA2048 signature="${p.signature}",serial_no="${p.serial_no}",timestamp="${p.timestamp}",nonce_str="N1",mchid="1900009191"`;
    assert.deepEqual(parseAuthorization(reordered), p);
  });

  test('responses: verified by the key its serial names, within ±300 s; SIGNTEST, stale, unknown serial and tampering fail', () => {
    const keys = new Map([[PUB_KEY_ID, platform.publicKey]]);
    const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=abc"}';
    const h = wechatpayHeaders(body, PUB_KEY_ID, platform.privateKey);
    assert.deepEqual(verifyWechatpaySignature(h, body, keys), { ok: true, serial: PUB_KEY_ID });
    const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(verifyWechatpaySignature(lower, body, keys).ok, true, 'header names are case-insensitive');
    assert.equal(verifyWechatpaySignature(h, `${body} `, keys).ok, false);
    assert.equal(verifyWechatpaySignature({ ...h, 'Wechatpay-Serial': 'OTHER' }, body, keys).ok, false);
    const { 'Wechatpay-Nonce': _n, ...missing } = h;
    assert.equal(verifyWechatpaySignature(missing, body, keys).ok, false);
    const now = Number(h['Wechatpay-Timestamp']) * 1000;
    assert.equal(verifyWechatpaySignature(h, body, keys, now + 299_000).ok, true);
    assert.equal(verifyWechatpaySignature(h, body, keys, now + 301_000).ok, false);
    assert.equal(verifyWechatpaySignature(h, body, keys, now - 301_000).ok, false);
    const probe = { ...h, 'Wechatpay-Signature': `${SIGNTEST_PREFIX}${h['Wechatpay-Signature']}` };
    const r = verifyWechatpaySignature(probe, body, keys);
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /SIGNTEST/);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(verifyWechatpaySignature(wechatpayHeaders(body, PUB_KEY_ID, other.privateKey), body, keys).ok, false);
    const empty = wechatpayHeaders('', PUB_KEY_ID, platform.privateKey);
    assert.equal(rsaVerify(responseMessage(empty['Wechatpay-Timestamp']!, empty['Wechatpay-Nonce']!, ''), empty['Wechatpay-Signature']!, platform.publicKey), true, 'a 204 signs an empty body line');
  });

  test('JSAPI paySign message and v3 error bodies', () => {
    assert.equal(jsapiMessage('wx8888888888888888', '1414561699', '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', 'prepay_id=wx201410272009395522657a690389285100'),
      'wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n');
    assert.deepEqual(errorBody('{"code":"PARAM_ERROR","message":"参数错误"}'), { code: 'PARAM_ERROR', message: '参数错误' });
    assert.equal(errorBody('<html>'), null);
    assert.equal(errorBody('{"message":"x"}'), null);
  });
});
