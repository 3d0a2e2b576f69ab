import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startQqEmulator, type QqEmulator } from '../../src/channels/qq/emulator.ts';
import { QPAY_PATHS, QqChannel } from '../../src/channels/qq/adapter.ts';
import { buildXml, nonceStr, parseXml, sign, verify } from '../../src/channels/wechat/sign.ts';
import { CREATED_AT, tradeRef, refundRef } from './helpers.ts';

/** The QQ emulator on its own, driven by the real adapter and by hand-made requests. */
describe('QQ Wallet emulator', () => {
  let qq: { url: string; emulator: QqEmulator; app: { close(): Promise<unknown> } };
  const m = { mchId: '1900005912', apiKey: '0123456789abcdef0123456789abcdef', opUserId: 'op1', opUserPassword: 'pw1' };
  const cny = (minor: number) => ({ minor, currency: 'CNY' as const });
  const code = (b: string) => `9112345678901234${b}`;
  let n = 0;
  const no = () => `E${Date.now()}${++n}`;

  before(async () => {
    qq = await startQqEmulator({ port: 0, dbPath: ':memory:', merchants: [m] });
  });
  after(async () => { await qq.app.close(); });

  test('a request with a bad signature gets the unsigned FAIL reply and books nothing', async () => {
    const out = no();
    const p = { mch_id: m.mchId, nonce_str: nonceStr(), out_trade_no: out, body: 'x', total_fee: '1', spbill_create_ip: '127.0.0.1', auth_code: code('00') };
    const res = await fetch(`${qq.url}${QPAY_PATHS.micropay}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: buildXml({ ...p, sign: sign(p, 'f'.repeat(32)) }) });
    const r = parseXml(await res.text());
    assert.equal(r.return_code, 'FAIL');
    assert.equal(r.return_msg, '签名错误');
    assert.equal(qq.emulator.trade(m.mchId, out), undefined);
  });

  test('signed replies (MD5 and HMAC-SHA256) carry retcode 0 and verify', async () => {
    for (const signType of ['MD5', 'HMAC-SHA256'] as const) {
      const p = { mch_id: m.mchId, nonce_str: nonceStr(), out_trade_no: 'none', ...(signType === 'MD5' ? {} : { sign_type: signType }) };
      const res = await fetch(`${qq.url}${QPAY_PATHS.orderQuery}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: buildXml({ ...p, sign: sign(p, m.apiKey, signType) }) });
      const r = parseXml(await res.text());
      assert.equal(r.retcode, '0');
      assert.equal(r.err_code, 'ORDERNOTEXIST');
      assert.ok(verify(r, m.apiKey, signType), signType);
    }
  });

  test('a code that is not QQ\'s is AUTH_CODE_INVALID; used code AUTH_CODE_ERROR', async () => {
    const ch = new QqChannel({ ...m, baseUrl: qq.url });
    const bad = await ch.payWithCode({ outTradeNo: no(), createdAt: CREATED_AT, amount: cny(100), subject: 's', authCode: '134567890123456700', notifyUrl: '' });
    assert.deepEqual(bad.status === 'failed' && bad.code, 'AUTH_CODE_INVALID');
    const used = await ch.payWithCode({ outTradeNo: no(), createdAt: CREATED_AT, amount: cny(100), subject: 's', authCode: code('09'), notifyUrl: '' });
    assert.deepEqual(used.status === 'failed' && used.code, 'AUTH_CODE_ERROR');
  });

  test('reverse and refund need the operator id and the MD5 of its password', async () => {
    const out = no();
    const good = new QqChannel({ ...m, baseUrl: qq.url, signType: 'HMAC-SHA256' });
    assert.equal((await good.payWithCode({ outTradeNo: out, createdAt: CREATED_AT, amount: cny(500), subject: 's', authCode: code('00'), notifyUrl: '' })).status, 'succeeded');
    const wrong = new QqChannel({ ...m, baseUrl: qq.url, opUserPassword: 'nope' });
    assert.deepEqual(await wrong.reverse(tradeRef(out)), { status: 'failed', code: 'OPUSER_ERROR', message: '操作员帐号或密码错误' });
    assert.equal((await wrong.refund({ ...refundRef(out, `${out}r`), amount: cny(100), total: cny(500), reason: null })).status, 'failed');
    assert.equal(qq.emulator.trade(m.mchId, out)!.state, 'SUCCESS');
    assert.deepEqual(await good.reverse(tradeRef(out)), { status: 'reversed' });
    assert.equal(qq.emulator.trade(m.mchId, out)!.state, 'REVOKED');
    const c = qq.emulator.chargeSummary().find((x) => x.out_trade_no === out)!;
    assert.deepEqual([c.charged, c.returned], [500, 500]);
  });

  test('refund, then refund query by our refund number; an unknown refund is not_found', async () => {
    const out = no();
    const ch = new QqChannel({ ...m, baseUrl: qq.url });
    await ch.payWithCode({ outTradeNo: out, createdAt: CREATED_AT, amount: cny(900), subject: 's', authCode: code('00'), notifyUrl: '' });
    assert.deepEqual(await ch.refund({ ...refundRef(out, `${out}a`), amount: cny(400), total: cny(900), reason: 'r' }), { status: 'pending' });
    assert.equal((await ch.queryRefund(refundRef(out, `${out}a`))).status, 'succeeded');
    assert.deepEqual(await ch.queryRefund(refundRef(out, `${out}zz`)), { status: 'not_found' });
    assert.equal((await ch.refund({ ...refundRef(out, `${out}b`), amount: cny(501), total: cny(900), reason: null })).status, 'failed');
  });

  test('faults are kept per mch_id through /emulator/faults', async () => {
    const put = await fetch(`${qq.url}/emulator/faults?account=${m.mchId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ systemErrorNext: 1 }) });
    assert.equal(put.status, 200);
    assert.equal(((await (await fetch(`${qq.url}/emulator/faults?account=${m.mchId}`)).json()) as { systemErrorNext: number }).systemErrorNext, 1);
    assert.equal(((await (await fetch(`${qq.url}/emulator/faults`)).json()) as { systemErrorNext: number }).systemErrorNext, 0);
    const ch = new QqChannel({ ...m, baseUrl: qq.url });
    const out = no();
    const r = await ch.payWithCode({ outTradeNo: out, createdAt: CREATED_AT, amount: cny(100), subject: 's', authCode: code('00'), notifyUrl: '' });
    assert.deepEqual(r.status === 'unknown' && r.code, 'SYSTEMERROR');
    assert.equal(qq.emulator.trade(m.mchId, out), undefined, 'nothing was done');
    assert.equal((await fetch(`${qq.url}/emulator/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ recallNext: 1 }) })).status, 400);
  });
});
