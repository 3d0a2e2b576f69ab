import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import {
  buildReply, certIdOf, checkChain, digestHex, formDecode, formEncode, parseReply, sign, signString, trustAnchors, verifyReply, verifyWith,
} from '../../src/channels/unionpay/sign.ts';
import { emulatorPki, testMerchantCredentials } from '../../src/channels/unionpay/fixtures.ts';

/** §7 U-2, offline variant: the W-2 key (the test merchant's fixture key), the QR 被扫 request shape. */
const U2_OFFLINE = {
  accessType: '0', backUrl: 'http://127.0.0.1:8080/notify', bizType: '000000', certId: '69903319369', channelType: '08', currencyCode: '156',
  encoding: 'UTF-8', merId: '777290058110048', orderId: '20240101120000001', qrNo: '6220123456789012345', signMethod: '01', txnAmt: '1',
  txnSubType: '06', txnTime: '20240101120000', txnType: '01', version: '5.1.0',
};
const U2_OFFLINE_STRING = 'accessType=0&backUrl=http://127.0.0.1:8080/notify&bizType=000000&certId=69903319369&channelType=08&currencyCode=156&encoding=UTF-8&merId=777290058110048&orderId=20240101120000001&qrNo=6220123456789012345&signMethod=01&txnAmt=1&txnSubType=06&txnTime=20240101120000&txnType=01&version=5.1.0';
const U2_OFFLINE_HEX = 'e7f57e12290a271d587b7adf992cbf0154d0f95e5352d3838b5f07e124384666';
const U2_OFFLINE_SIG = 'lsCh38WIH/l8jCSqB1VghMzrb9yXM3gljNiLlkltkTUdmVuj1Wr55dxOCwXZ8OKE2uXmEbVDLG+AkTGnTQZt22ZX3VJPMLoHyvRR2mFIDi2+xem2wCL8sktkjGpBiNUDHIOXZXRfyiU9zb86dOIbolLI8Y4ztH2EElvCQ3Xc1tSKeqNqdOHDS1oAlbBYYivKkx35lZJlDdlfefL+exYJ4aHYjZ8i3wG0aTikDyOAlxX3UrxohWyxoCA6IXn22+lW3+lJ0kx79Kpl1d7b/C8qX6M6Y05FROS36KYgCNvPytb+yvi/jAGQ+7GTU92+/xqbUeirOXcK1xKIGCx/kd7ZVw==';

test('U-2 offline vector: sign string, SHA-256 hex and signature byte for byte', () => {
  const m = testMerchantCredentials();
  assert.equal(signString(U2_OFFLINE), U2_OFFLINE_STRING);
  assert.equal(digestHex(U2_OFFLINE), U2_OFFLINE_HEX);
  assert.equal(sign(U2_OFFLINE, m.signKey), U2_OFFLINE_SIG);
  // `signature` itself and empty fields are left out of what is signed.
  assert.equal(sign({ ...U2_OFFLINE, signature: 'x', reqReserved: '' }, createPrivateKey(m.signKey)), U2_OFFLINE_SIG);
  assert.equal(verifyWith({ ...U2_OFFLINE, signature: U2_OFFLINE_SIG }, new X509Certificate(m.signCert).publicKey), true);
  assert.equal(verifyWith({ ...U2_OFFLINE, txnAmt: '2', signature: U2_OFFLINE_SIG }, new X509Certificate(m.signCert).publicKey), false);
});

test('U-2 official vector: the sign string is rebuilt byte for byte (the key is in a binary .pfx we could not obtain)', () => {
  const fields = {
    accessType: '0', backUrl: 'https://yansongda.cn/unipay/notify', bizType: '000201', certId: '69903319369', channelType: '07', currencyCode: '156',
    encoding: 'utf-8', frontUrl: 'https://yansongda.cn/unipay/return', merId: '777290058167151', orderId: 'yansongda20220903065448', signMethod: '01',
    txnAmt: '1', txnSubType: '01', txnTime: '20220903065448', txnType: '01', version: '5.1.0',
  };
  assert.equal(signString(fields), 'accessType=0&backUrl=https://yansongda.cn/unipay/notify&bizType=000201&certId=69903319369&channelType=07&currencyCode=156&encoding=utf-8&frontUrl=https://yansongda.cn/unipay/return&merId=777290058167151&orderId=yansongda20220903065448&signMethod=01&txnAmt=1&txnSubType=01&txnTime=20220903065448&txnType=01&version=5.1.0');
});

test('certId is the signing certificate serial in decimal', () => {
  assert.equal(certIdOf(testMerchantCredentials().signCert), '69903319369');
});

test('a reply verifies only with a certificate that chains to the configured root and names UnionPay', () => {
  const pki = emulatorPki();
  const anchors = trustAnchors(pki.rootCert, pki.middleCert);
  const reply: Record<string, string> = { respCode: '00', respMsg: '成功[0000000]', merId: '777290058110048', signPubKeyCert: pki.signCert };
  reply.signature = sign(reply, pki.signKey);
  assert.equal(verifyReply(reply, anchors), true);
  // signPubKeyCert is part of what is signed.
  assert.equal(verifyReply({ ...reply, respCode: '01' }, anchors), false);
  // The merchant's own certificate chains to the same test root, but it is not UnionPay's.
  assert.equal(checkChain(testMerchantCredentials().signCert, anchors), null);
  assert.ok(checkChain(pki.signCert, anchors));
  // Another root (a middle that is not the configured one) does not vouch for it.
  assert.equal(checkChain(pki.signCert, trustAnchors(pki.rootCert, pki.rootCert)), null);
  // A right signature from a key that is not the certificate's.
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const forged: Record<string, string> = { ...reply };
  forged.signature = sign(forged, other);
  assert.equal(verifyReply(forged, anchors), false);
  assert.equal(verifyReply({ ...reply, signPubKeyCert: '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----' }, anchors), false);
  const { signPubKeyCert: _drop, ...noCert } = reply;
  assert.equal(verifyReply(noCert, anchors), false);
});

test('reply parsing keeps {…} and […] blocks whole, including & and = inside', () => {
  const text = 'accessType=0&reqReserved={a=1&b={c=2&d=3}}&riskRateInfo=[x=1&y=2]&respCode=00&respMsg=成功[0000000]&signPubKeyCert=-----BEGIN CERTIFICATE-----\r\nMIIB+/=\r\n-----END CERTIFICATE-----&empty=&last=z';
  assert.deepEqual(parseReply(text), {
    accessType: '0', reqReserved: '{a=1&b={c=2&d=3}}', riskRateInfo: '[x=1&y=2]', respCode: '00', respMsg: '成功[0000000]',
    signPubKeyCert: '-----BEGIN CERTIFICATE-----\r\nMIIB+/=\r\n-----END CERTIFICATE-----', empty: '', last: 'z',
  });
  const p = { b: '2', a: '{x=1&y=2}', c: 'v=w' };
  assert.deepEqual(parseReply(buildReply(p)), p);
  assert.deepEqual(formDecode(formEncode({ a: 'x&y=z', b: '中文 +' })), { a: 'x&y=z', b: '中文 +' });
});
