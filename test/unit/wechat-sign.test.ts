import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildXml, parseXml, sign, signedParams, stringToSign, verify, XmlError } from '../../src/channels/wechat/sign.ts';
import { beijingTime, WechatChannel } from '../../src/channels/wechat/adapter.ts';
import { mapTradeState } from '../../src/channels/wechat/v2-states.ts';

// W-1: the official example (pay.weixin.qq.com/doc/v2/merchant/4011985891), research/channels.md §7.
const W1 = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
const W1_KEY = '192006250b4c09247ec02edce69f6a2d';

describe('WeChat v2 signing', () => {
  test('W-1 stringA byte for byte', () => {
    assert.equal(stringToSign(W1), 'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA');
  });
  test('W-1 MD5', () => {
    assert.equal(sign(W1, W1_KEY, 'MD5'), '9A0A8659F005D6984697E2CA0A9CF3B7');
    assert.equal(sign(W1, W1_KEY), '9A0A8659F005D6984697E2CA0A9CF3B7');
  });
  test('W-1 HMAC-SHA256', () => {
    assert.equal(sign(W1, W1_KEY, 'HMAC-SHA256'), '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6');
  });
  test('empty values and sign are left out', () => {
    assert.equal(sign({ ...W1, attach: '', sign: 'whatever' }, W1_KEY), '9A0A8659F005D6984697E2CA0A9CF3B7');
  });
  test('verify accepts the vector and rejects every tampering', () => {
    assert.ok(verify({ ...W1, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, W1_KEY));
    assert.ok(verify({ ...W1, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, W1_KEY, 'MD5'));
    assert.ok(!verify({ ...W1, sign: '9a0a8659f005d6984697e2ca0a9cf3b7' }, W1_KEY), 'lowercase is not what WeChat sends');
    assert.ok(!verify({ ...W1, body: 'test ', sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, W1_KEY));
    assert.ok(!verify({ ...W1, total_fee: '1', sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, W1_KEY), 'an added field breaks it');
    assert.ok(!verify({ ...W1, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, `${W1_KEY.slice(0, -1)}e`));
    assert.ok(!verify({ ...W1 }, W1_KEY), 'no sign');
    assert.ok(!verify({ ...W1, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, W1_KEY, 'HMAC-SHA256'), 'sign type must match');
    assert.ok(!verify({ ...W1, sign_type: 'SHA1', sign: 'x' }, W1_KEY));
    const h = signedParams({ appid: 'a', mch_id: 'm' }, W1_KEY, 'HMAC-SHA256');
    assert.equal(h.sign_type, 'HMAC-SHA256');
    assert.ok(verify(h, W1_KEY, 'HMAC-SHA256'));
    assert.ok(!verify({ ...h, sign_type: 'MD5' }, W1_KEY, 'HMAC-SHA256'), 'sign_type is signed');
  });
});

describe('WeChat v2 XML', () => {
  test('round trip, CDATA, entities, "]]>" in a value, Chinese', () => {
    const p = { return_code: 'SUCCESS', err_code_des: '需要用户输入支付密码', attach: 'a]]>b<c>&d', empty: '' };
    assert.deepEqual(parseXml(buildXml(p)), p);
    assert.deepEqual(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <a>1 &amp; 2 &lt;3&gt; &#20013;&#x6587;</a>\n  <b><![CDATA[x]]>y<![CDATA[z]]></b><c/><d></d>\n</xml>\n'),
      { a: '1 & 2 <3> 中文', b: 'xyz', c: '', d: '' });
  });
  test('rejects truncated, nested, mismatched, duplicate, DOCTYPE and trailing content', () => {
    const bad = [
      '', '<xml>', '<xml><a>1</a>', '<xml><a>1</xml>', '<xml><a><![CDATA[1]]', '<xml><a>1</a></xm', '<xml><a><b>1</b></a></xml>',
      '<xml><a>1</b></xml>', '<xml><a>1</a><a>2</a></xml>', '<!DOCTYPE x [<!ENTITY e "boom">]><xml><a>&e;</a></xml>',
      '<xml><a>&e;</a></xml>', '<xml><a>1 & 2</a></xml>', '<xml></xml><xml></xml>', 'not xml', '<xml><a>&#xD800;</a></xml>',
    ];
    for (const b of bad) assert.throws(() => parseXml(b), XmlError, JSON.stringify(b));
  });
  test('names that are not XML names are refused when building', () => {
    assert.throws(() => buildXml({ 'a b': '1' }), XmlError);
  });
});

describe('WeChat adapter details', () => {
  test('default timing forbids reversing within 15 s', () => {
    const c = new WechatChannel({ appId: 'wx', mchId: '1', apiKey: 'k' });
    assert.equal(c.timing.minReverseDelayMs, 15_000);
  });
  test('trade_state mapping (WeChat v2 and QQ Wallet); unknown states are never success', () => {
    const paid = { trade_state: 'SUCCESS', transaction_id: '42', total_fee: '1250' };
    assert.deepEqual(mapTradeState(paid), { status: 'succeeded', channelTradeNo: '42', amount: 1250 });
    assert.equal(mapTradeState({ ...paid, trade_state: 'REFUND' }).status, 'succeeded');
    assert.equal(mapTradeState({ ...paid, total_fee: '12.50' }).status, 'unknown', 'a decimal total_fee is not fen');
    assert.equal(mapTradeState({ trade_state: 'NOTPAY' }).status, 'waiting_customer');
    assert.equal(mapTradeState({ trade_state: 'USERPAYING' }).status, 'waiting_customer');
    assert.equal(mapTradeState({ trade_state: 'CLOSED' }).status, 'closed');
    assert.equal(mapTradeState({ trade_state: 'REVOKED' }).status, 'reversed');
    assert.equal(mapTradeState({ trade_state: 'PAYERROR' }).status, 'failed');
    assert.equal(mapTradeState({ trade_state: 'ACCEPT' }).status, 'unknown');
    assert.equal(mapTradeState({}).status, 'unknown');
  });
  test('time_expire is Beijing time', () => {
    assert.equal(beijingTime(new Date('2026-01-01T16:30:05Z')), '20260102003005');
  });
});
