import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('errors speak the caller\'s language', () => {
  let s: TestServer;
  before(async () => { s = await startServer({}, { worker: false }); });
  after(async () => { await s.close(); });

  const bad = { outTradeNo: 'I18N-1', amount: 0, currency: 'CNY', method: 'cash', channel: 'cash' };

  test('English by default, with the specific message', async () => {
    const r = await s.terminal('POST', '/v1/payments', bad);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_amount');
    assert.equal(r.body.error.message, 'Amount must be greater than zero.');
  });

  test('Simplified and Traditional Chinese from Accept-Language; the code stays the same', async () => {
    const hans = await s.terminal('POST', '/v1/payments', bad, { 'accept-language': 'zh-CN,zh;q=0.9' });
    assert.equal(hans.body.error.code, 'invalid_amount');
    assert.match(hans.body.error.message, /金额不正确/);
    const hant = await s.terminal('POST', '/v1/payments', bad, { 'accept-language': 'zh-TW' });
    assert.equal(hant.body.error.code, 'invalid_amount');
    assert.match(hant.body.error.message, /金額不正確/);
  });

  test('schema errors name the field in every language', async () => {
    const r = await s.terminal('POST', '/v1/payments', { ...bad, amount: '12.50' }, { 'accept-language': 'zh-HK' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_request');
    assert.match(r.body.error.message, /請求不正確/);
    assert.match(r.body.error.message, /amount/);
  });

  test('a wrong PIN tells the cashier, in Chinese, how many tries are left', async () => {
    const r = await s.terminal('POST', '/v1/operators/login', { operatorId: s.demo.operator.id, pin: '0000' }, { 'accept-language': 'zh-CN' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'bad_pin');
    assert.match(r.body.error.message, /密码错误，还可尝试 4 次/);
  });
});
