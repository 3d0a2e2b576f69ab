import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sign, stringToSign, verify, type Params } from '../../src/channels/wechat/sign.ts';

/**
 * U-3 (research/channels.md §7; yansongda/pay tests/Traits/UnipayTraitTest.php): UnionPay QRA's MD5 rule,
 * which is WeChat v2's and QQ Wallet's. QRA's PHP builds `k=v&…&` and appends `key=…` with no extra `&`;
 * our signer joins without a trailing `&` and adds `&key=`, so both produce the same bytes.
 */
const KEY = '979da4cfccbae7923641daa5dd7047c2';

const REQUEST: Params = {
  service: 'unified.trade.micropay', charset: 'UTF-8', sign_type: 'MD5', mch_id: 'QRA29045311KKR1',
  nonce_str: 'UhxOr4kzerPGku9wCaVQyfd1zisoAnAm', out_trade_no: 'pos-qra-20240106163401', body: '测试商品', total_fee: '1',
  mch_create_ip: '127.0.0.1', auth_code: '131969896307360385', op_device_id: '123',
  terminal_info: '{"device_type":"07","terminal_id":"123"}',
};

const RESPONSE: Params = {
  charset: 'UTF-8', code: '9999999', err_code: 'NOAUTH',
  err_msg: '此商家涉嫌违规，收款功能已被限制，暂无法支付。商家可以登录微信商户平台/微信支付商家助手小程序查看原因和解决方案。',
  mch_id: 'QRA29045311KKR1', need_query: 'N', nonce_str: 'UhxOr4kzerPGku9wCaVQyfd1zisoAnAm', result_code: '1', sign_type: 'MD5',
  status: '0', transaction_id: '95516000379952690603566602920171', version: '2.0',
};

describe('U-3 QRA MD5 with the shared v2 signer', () => {
  test('request string to sign, byte for byte (no doubled "&" before key=)', () => {
    const text = `${stringToSign(REQUEST)}&key=${KEY}`;
    assert.equal(text, 'auth_code=131969896307360385&body=测试商品&charset=UTF-8&mch_create_ip=127.0.0.1&mch_id=QRA29045311KKR1'
      + '&nonce_str=UhxOr4kzerPGku9wCaVQyfd1zisoAnAm&op_device_id=123&out_trade_no=pos-qra-20240106163401&service=unified.trade.micropay'
      + '&sign_type=MD5&terminal_info={"device_type":"07","terminal_id":"123"}&total_fee=1&key=979da4cfccbae7923641daa5dd7047c2');
    assert.ok(!text.includes('&&'));
  });
  test('request sign DB571C2F75C657B42485CD07470F0FB9', () => {
    assert.equal(sign(REQUEST, KEY, 'MD5'), 'DB571C2F75C657B42485CD07470F0FB9');
  });
  test('the real sandbox response verifies: 4B9B2AA73A05CBC32CFDCB4456E12EBA', () => {
    assert.equal(sign(RESPONSE, KEY, 'MD5'), '4B9B2AA73A05CBC32CFDCB4456E12EBA');
    assert.ok(verify({ ...RESPONSE, sign: '4B9B2AA73A05CBC32CFDCB4456E12EBA' }, KEY));
  });
  test('tampering with any field or the key breaks it', () => {
    const signed = { ...RESPONSE, sign: '4B9B2AA73A05CBC32CFDCB4456E12EBA' };
    assert.ok(!verify({ ...signed, result_code: '0' }, KEY));
    assert.ok(!verify({ ...signed, need_query: 'Y' }, KEY));
    assert.ok(!verify(signed, `${KEY.slice(0, -1)}3`));
    assert.ok(!verify({ ...signed, sign: signed.sign.toLowerCase() }, KEY));
  });
  test('empty values are left out of the string, as the PHP rule does', () => {
    assert.equal(sign({ ...REQUEST, attach: '' }, KEY, 'MD5'), 'DB571C2F75C657B42485CD07470F0FB9');
  });
});
