import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  extractRaw, notifyContent, rsa2Sign, rsa2Verify, signContent, signedResponse, signRequest, toPem, verifyNotify, verifyRequest, verifyResponse,
} from '../../src/channels/alipay/signing.ts';
import { W2_KEY } from './vectors.ts';

const W2_PUBLIC = createPublicKey(createPrivateKey(W2_KEY)).export({ type: 'spki', format: 'pem' }).toString();

// §7 A-1: a real Alipay-signed notification (alipay-sdk-nodejs-all test/alipay.test.ts @e167639, MIT).
const A1_ALIPAY_PUBLIC_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB';
const A1_CONTENT = 'app_id=2019073166072302&auth_app_id=2019073166072302&buyer_id=2088102534368455&buyer_logon_id=xud***@126.com&buyer_pay_amount=0.10&charset=utf-8&fund_bill_list=[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]&gmt_create=2019-08-15 15:56:22&gmt_payment=2019-08-15 15:56:24&invoice_amount=0.10&notify_id=2019081500222155624068450559358070&notify_time=2019-08-15 15:56:25&notify_type=trade_status_sync&out_trade_no=20190815155618536-564-57&point_amount=0.00&receipt_amount=0.10&seller_email=z97-yuquerevenue@service.aliyun.com&seller_id=2088531891668739&subject=语雀空间 500人规模&total_amount=0.10&trade_no=2019081522001468450512505578&trade_status=TRADE_SUCCESS&version=1.0';
const A1_SIGN = 'QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==';

// §7 A-3: oracle = alipay-sdk 4.14.0 sign().
const A3_CONTENT = 'app_id=2014072300007148&biz_content={"out_trade_no":"20240101000001","total_amount":"88.88","subject":"Iphone6 16G"}&charset=utf-8&method=alipay.trade.precreate&notify_url=https://example.com/alipay/notify&sign_type=RSA2&timestamp=2024-01-01 12:00:00&version=1.0';
const A3_SIGN = 'GNYznWwj8u3hhI1aImOwBPjssMmYIpwuoR5skjJKAwozRvDpl9BS+2gunoXVVYAND1SaIOGRtdMnfkSx9D017pdrgfaHnIanJDL4wG4BepwGo7UNBqOmTl5adRBKpqIcw04DwkhLEkZXT/MNmm+wbpvQglEybGi1bnqo3YBUtdxQZ7QRwshIiJmL2dhor0JvM/G0VE8/aKRLAa2FOrxkX4kA9gexpvUrLbHWeal1HwJ4sMPubODBJ2PMhAbMfBvDt06bTDI5jTDDlOfbaWF5ulkcF4fapaQsWtRTjmf8PmL6hAZSUREBIW0B/ANVx7EcriTuusnFp5iVnkGAwX544w==';

/** The A-1 notification as the form parser hands it to us (values decoded), in arrival order, with sign and sign_type. */
function a1Params(): Record<string, string> {
  const p: Record<string, string> = { sign: A1_SIGN, sign_type: 'RSA2' };
  for (const pair of A1_CONTENT.split('&').reverse()) {
    const i = pair.indexOf('=');
    p[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return p;
}

function a3Params(): Record<string, string> {
  return {
    method: 'alipay.trade.precreate', app_id: '2014072300007148', charset: 'utf-8', version: '1.0', sign_type: 'RSA2',
    timestamp: '2024-01-01 12:00:00', notify_url: 'https://example.com/alipay/notify', app_auth_token: '',
    biz_content: '{"out_trade_no":"20240101000001","total_amount":"88.88","subject":"Iphone6 16G"}',
  };
}

describe('Alipay RSA2: published vectors', () => {
  test('A-1: the notification sign string is rebuilt byte for byte and Alipay\'s signature verifies', () => {
    const p = a1Params();
    assert.equal(notifyContent(p), A1_CONTENT);
    assert.equal(Buffer.compare(Buffer.from(notifyContent(p), 'utf8'), Buffer.from(A1_CONTENT, 'utf8')), 0);
    assert.equal(verifyNotify(p, A1_ALIPAY_PUBLIC_KEY), true);
    // The same through a form body, as the adapter receives it.
    const fromForm = Object.fromEntries(new URLSearchParams(new URLSearchParams(p).toString()));
    assert.equal(verifyNotify(fromForm, A1_ALIPAY_PUBLIC_KEY), true);
  });

  test('A-1 tampered: any changed value, a missing field, a cut signature or another key fails', () => {
    assert.equal(verifyNotify({ ...a1Params(), total_amount: '10.00' }, A1_ALIPAY_PUBLIC_KEY), false);
    assert.equal(verifyNotify({ ...a1Params(), trade_status: 'TRADE_CLOSED' }, A1_ALIPAY_PUBLIC_KEY), false);
    const missing = a1Params();
    delete missing.buyer_id;
    assert.equal(verifyNotify(missing, A1_ALIPAY_PUBLIC_KEY), false);
    assert.equal(verifyNotify({ ...a1Params(), extra: 'x' }, A1_ALIPAY_PUBLIC_KEY), false);
    assert.equal(verifyNotify({ ...a1Params(), sign: A1_SIGN.slice(4) }, A1_ALIPAY_PUBLIC_KEY), false);
    assert.equal(verifyNotify({ ...a1Params(), sign: '' }, A1_ALIPAY_PUBLIC_KEY), false);
    assert.equal(verifyNotify(a1Params(), W2_PUBLIC), false);
    // sign_type is not part of a notification's signed content, so changing it alone changes nothing.
    assert.equal(verifyNotify({ ...a1Params(), sign_type: 'RSA' }, A1_ALIPAY_PUBLIC_KEY), true);
  });

  test('A-3: the request sign string and signature equal alipay-sdk 4.14.0 byte for byte', () => {
    const p = a3Params();
    assert.equal(signContent(p), A3_CONTENT);
    assert.equal(signRequest(p, W2_KEY), A3_SIGN);
    assert.equal(rsa2Sign(A3_CONTENT, W2_KEY), A3_SIGN);
    // A bare base64 key (as Alipay's console shows it) gives the same signature.
    const bare = W2_KEY.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    assert.equal(signRequest(p, bare), A3_SIGN);
    assert.equal(verifyRequest({ ...p, sign: A3_SIGN }, W2_PUBLIC), true);
  });

  test('A-3 tampered: a changed amount, method or sign_type is refused', () => {
    assert.equal(verifyRequest({ ...a3Params(), sign: A3_SIGN, biz_content: a3Params().biz_content!.replace('88.88', '8.88') }, W2_PUBLIC), false);
    assert.equal(verifyRequest({ ...a3Params(), sign: A3_SIGN, method: 'alipay.trade.pay' }, W2_PUBLIC), false);
    assert.equal(verifyRequest({ ...a3Params(), sign: A3_SIGN, sign_type: 'RSA' }, W2_PUBLIC), false);
    assert.equal(verifyRequest(a3Params(), W2_PUBLIC), false);
    assert.equal(rsa2Verify(A3_CONTENT, A3_SIGN, A1_ALIPAY_PUBLIC_KEY), false);
  });
});

describe('Alipay RSA2: responses are verified over their raw text', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  test('a signed response escapes / as Alipay does and verifies over the exact substring', () => {
    const body = signedResponse('alipay.trade.precreate', { code: '10000', msg: 'Success', out_trade_no: 'T1', qr_code: 'https://qr.alipay.com/bax01' }, privateKey);
    assert.match(body, /^\{"alipay_trade_precreate_response":\{.*"qr_code":"https:\\\/\\\/qr\.alipay\.com\\\/bax01"\},"sign":"[^"]+"\}$/);
    const raw = extractRaw(body, 'alipay_trade_precreate_response')!;
    assert.equal(raw.includes('\\/'), true);
    const v = verifyResponse(body, 'alipay.trade.precreate', pub)!;
    assert.equal(v.verified, true);
    assert.equal(v.data.qr_code, 'https://qr.alipay.com/bax01');
    // Re-serializing would lose the escapes and fail: that is why we never do it.
    assert.equal(rsa2Verify(JSON.stringify(JSON.parse(raw)), JSON.parse(body).sign, pub), false);
  });

  test('whitespace and key order around the response object do not matter; its bytes do', () => {
    const inner = '{"code":"10003","msg":"order success pay inprocess","trade_no":"2024","out_trade_no":"T2"}';
    const sign = rsa2Sign(inner, privateKey);
    const spaced = `{ "sign" : "${sign}", "alipay_trade_pay_response" : ${inner} }`;
    assert.equal(verifyResponse(spaced, 'alipay.trade.pay', pub)!.verified, true);
    const tampered = `{"alipay_trade_pay_response":${inner.replace('10003', '10000')},"sign":"${sign}"}`;
    assert.equal(verifyResponse(tampered, 'alipay.trade.pay', pub)!.verified, false);
    // A nested key of the same name is not the response.
    assert.equal(extractRaw('{"x":{"alipay_trade_pay_response":{"code":"10000"}}}', 'alipay_trade_pay_response'), null);
    assert.equal(verifyResponse('{"alipay_trade_pay_response":{"code":"10000"}}', 'alipay.trade.pay', pub)!.verified, false);
    assert.equal(verifyResponse('not json', 'alipay.trade.pay', pub), null);
  });

  test('error_response is found and checked too; empty values are skipped in sign strings', () => {
    const body = signedResponse('alipay.trade.nope', { code: '40002', msg: 'Invalid Arguments' }, privateKey, 'error_response');
    const v = verifyResponse(body, 'alipay.trade.nope', pub)!;
    assert.equal(v.key, 'error_response');
    assert.equal(v.verified, true);
    assert.equal(signContent({ b: '2', a: '1', c: '', d: undefined, sign: 'x' }), 'a=1&b=2');
    assert.match(toPem('QUJD', 'PUBLIC KEY'), /^-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----\n$/);
  });
});
