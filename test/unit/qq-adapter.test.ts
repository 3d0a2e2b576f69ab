import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mapPayReply, mapRefundQuery, mapReverseReply, opUserPasswd, qqAccountFrom, QqChannel, beijingTime,
} from '../../src/channels/qq/adapter.ts';
import { buildBill, parseStatement, qqFee, BillFormatError, type BillRow } from '../../src/channels/qq/statement.ts';
import { ChannelNotificationError, type TradeStatus } from '../../src/channels/channel.ts';
import { buildXml, nonceStr, sign, type Params } from '../../src/channels/wechat/sign.ts';

const ok = { return_code: 'SUCCESS', retcode: '0' };
const never = async (): Promise<TradeStatus> => { throw new Error('must not query'); };

describe('QQ Wallet micropay reply mapping', () => {
  test('paid needs result_code SUCCESS, transaction_id and an integer total_fee', async () => {
    assert.deepEqual(await mapPayReply({ ...ok, result_code: 'SUCCESS', transaction_id: 'T1', total_fee: '1250' }, never), { status: 'succeeded', channelTradeNo: 'T1', amount: 1250 });
    assert.equal((await mapPayReply({ ...ok, result_code: 'SUCCESS', transaction_id: 'T1', total_fee: '12.50' }, never)).status, 'unknown');
    assert.equal((await mapPayReply({ ...ok, result_code: 'SUCCESS', total_fee: '1250' }, never)).status, 'unknown');
  });
  test('a non-zero retcode is never success, even beside result_code SUCCESS', async () => {
    assert.equal((await mapPayReply({ ...ok, retcode: '66227005', result_code: 'SUCCESS', transaction_id: 'T', total_fee: '1' }, never)).status, 'unknown');
  });
  test('USERPAYING waits; ORDERPAID asks; closed and reversed say so', async () => {
    assert.deepEqual(await mapPayReply({ ...ok, result_code: 'FAIL', err_code: 'USERPAYING' }, never), { status: 'waiting_customer' });
    assert.deepEqual(await mapPayReply({ ...ok, result_code: 'FAIL', err_code: 'ORDERPAID' }, async () => ({ status: 'succeeded', channelTradeNo: 'Q', amount: 1 })), { status: 'succeeded', channelTradeNo: 'Q', amount: 1 });
    assert.deepEqual(await mapPayReply({ ...ok, result_code: 'FAIL', err_code: 'ORDERCLOSED' }, never), { status: 'closed' });
    assert.deepEqual(await mapPayReply({ ...ok, result_code: 'FAIL', err_code: 'ORDERREVERSED' }, never), { status: 'reversed' });
  });
  test('definite declines fail', async () => {
    for (const code of ['NOTENOUGH', 'AUTHCODEEXPIRE', 'AUTH_CODE_INVALID', 'AUTH_CODE_ERROR', 'NOTSUPORTCARD', 'PARAM_ERROR', 'NOAUTH']) {
      const r = await mapPayReply({ ...ok, result_code: 'FAIL', err_code: code, err_code_des: 'x' }, never);
      assert.deepEqual(r, { status: 'failed', code, message: 'x' }, code);
    }
  });
  test('SYSTEMERROR, BANKERROR, undocumented codes, FAIL return codes and unverifiable replies are unknown', async () => {
    const replies: Array<Params & { return_code: string }> = [
      { ...ok, result_code: 'FAIL', err_code: 'SYSTEMERROR' },
      { ...ok, result_code: 'FAIL', err_code: 'BANKERROR' },
      { ...ok, result_code: 'FAIL', err_code: 'QPAY_UNDOCUMENTED_66229999' },
      { ...ok, result_code: 'MAYBE' },
      { return_code: 'FAIL', return_msg: '签名错误', retcode: '66210004' },
      { return_code: 'BAD_SIGNATURE', return_msg: 'x' },
      { return_code: 'UNREACHABLE', return_msg: 'timeout' },
    ];
    for (const r of replies) {
      assert.equal((await mapPayReply(r, never)).status, 'unknown', JSON.stringify(r));
    }
  });
});

describe('QQ Wallet reverse and refund query mapping (trade_state is WeChat v2\'s: wechat-sign.test.ts)', () => {
  test('reverse: recall=Y and unknown answers retry; definite refusals fail', () => {
    assert.deepEqual(mapReverseReply({ ...ok, result_code: 'SUCCESS', recall: 'N' }), { status: 'reversed' });
    assert.equal(mapReverseReply({ ...ok, result_code: 'SUCCESS', recall: 'Y' }).status, 'retry');
    assert.equal(mapReverseReply({ ...ok, result_code: 'FAIL', err_code: 'SYSTEMERROR', recall: 'Y' }).status, 'retry');
    assert.equal(mapReverseReply({ ...ok, result_code: 'FAIL', err_code: 'USERPAYING' }).status, 'retry');
    assert.equal(mapReverseReply({ ...ok, result_code: 'FAIL', err_code: 'QPAY_UNDOCUMENTED_1' }).status, 'retry');
    assert.equal(mapReverseReply({ return_code: 'UNREACHABLE' }).status, 'retry');
    assert.equal(mapReverseReply({ return_code: 'BAD_SIGNATURE' }).status, 'retry');
    assert.equal(mapReverseReply({ ...ok, result_code: 'FAIL', err_code: 'REVERSE_EXPIRE' }).status, 'failed');
    assert.equal(mapReverseReply({ ...ok, result_code: 'FAIL', err_code: 'OPUSER_ERROR' }).status, 'failed');
  });
  test('refund query', () => {
    const reply = (status: string) => ({ ...ok, result_code: 'SUCCESS', refund_count: '2', out_refund_no_0: 'A', refund_status_0: 'SUCCESS', refund_id_0: 'R0', out_refund_no_1: 'B', refund_status_1: status, refund_id_1: 'R1' });
    assert.deepEqual(mapRefundQuery(reply('SUCCESS'), 'B'), { status: 'succeeded', channelRefundNo: 'R1' });
    assert.deepEqual(mapRefundQuery(reply('PROCESSING'), 'B'), { status: 'pending' });
    assert.equal(mapRefundQuery(reply('FAIL'), 'B').status, 'failed');
    assert.equal(mapRefundQuery(reply('CHANGE'), 'B').status, 'failed');
    assert.equal(mapRefundQuery(reply('NOTSURE'), 'B').status, 'unknown');
    assert.equal(mapRefundQuery(reply('SUCCESS'), 'C').status, 'unknown');
    assert.deepEqual(mapRefundQuery({ ...ok, result_code: 'FAIL', err_code: 'REFUNDNOTEXIST' }, 'B'), { status: 'not_found' });
    assert.equal(mapRefundQuery({ return_code: 'UNREACHABLE' }, 'B').status, 'unknown');
  });
});

describe('QQ Wallet account, notification and helpers', () => {
  const account = { mchId: '1900005911', apiKey: '8934e7d15453e97507ef794cf7b0519d', opUserId: '1900005911', opUserPassword: 'secret' };
  test('op_user_passwd is the lowercase MD5 of the operator password', () => {
    assert.equal(opUserPasswd('123456'), 'e10adc3949ba59abbe56e057f20f883e');
  });
  test('beijing time', () => {
    assert.equal(beijingTime(new Date('2026-01-01T16:30:00Z')), '20260102003000');
  });
  test('credentials → account, with test knobs only when given', () => {
    const a = qqAccountFrom({ baseUrl: 'http://127.0.0.1:1', credentials: { ...account, minReverseDelayMs: '2000', timeoutMs: '1500', certificate: 'C', certificateKey: 'K' } }, { queryIntervalMs: 200, payCodeGiveUpMs: 3000 });
    assert.equal(a.baseUrl, 'http://127.0.0.1:1');
    assert.equal(a.timeoutMs, 1500);
    assert.deepEqual(a.certificate, { cert: 'C', key: 'K' });
    assert.deepEqual(a.timing, { queryIntervalMs: 200, payCodeGiveUpMs: 3000, minReverseDelayMs: 2000 });
    const real = qqAccountFrom({ baseUrl: null, credentials: account }, { queryIntervalMs: 2000, payCodeGiveUpMs: 45_000 });
    assert.equal(real.baseUrl, undefined);
    assert.equal(real.timing!.minReverseDelayMs, 15_000);
    assert.equal(real.timeoutMs, undefined);
    assert.equal(new QqChannel(real).timing.minReverseDelayMs, 15_000);
  });
  test('a signed notification is read; forged, foreign or malformed ones are refused with the FAIL XML', () => {
    const ch = new QqChannel(account);
    const n: Params = { mch_id: account.mchId, nonce_str: nonceStr(), trade_state: 'SUCCESS', trade_type: 'NATIVE', total_fee: '420', transaction_id: 'T42', out_trade_no: 'O42' };
    const good = buildXml({ ...n, sign: sign(n, account.apiKey) });
    assert.deepEqual(ch.parseNotification({ headers: {}, body: good }), { notifyId: 'T42-SUCCESS', outTradeNo: 'O42', result: { status: 'succeeded', channelTradeNo: 'T42', amount: 420 } });
    const refused = (body: string) => assert.throws(() => ch.parseNotification({ headers: {}, body }), (e: unknown) => e instanceof ChannelNotificationError && e.reply.body.includes('<return_code>FAIL</return_code>'));
    refused(buildXml({ ...n, sign: sign(n, 'f'.repeat(32)) }));
    refused(buildXml({ ...n, total_fee: '1', sign: sign(n, account.apiKey) }));
    const other = { ...n, mch_id: '1900000000' };
    refused(buildXml({ ...other, sign: sign(other, account.apiKey) }));
    refused('<xml><trade_state>SUCCESS');
    assert.equal(ch.notificationAck(true).body, '<xml><return_code>SUCCESS</return_code></xml>');
  });
});

describe('QQ Wallet bill file', () => {
  const row = (over: Partial<BillRow>): BillRow => ({
    time: '2026-11-25 10:00:00', mchId: '1900005911', deviceInfo: 'POS', transactionId: 'T1', outTradeNo: 'O1', openid: 'U', tradeType: 'MICROPAY',
    state: 'SUCCESS', total: 1234, refundId: '', outRefundNo: '', refund: 0, refundType: '', refundStatus: '', body: 'coffee, large', fee: qqFee(1234), ...over,
  });
  const rows = [row({}), row({ state: 'REFUND', refund: 234, refundId: 'R1', outRefundNo: 'rf1', refundType: 'ORIGINAL', refundStatus: 'SUCCESS', fee: -qqFee(234) })];
  test('round trip', () => {
    assert.equal(qqFee(1234), 7);
    assert.deepEqual(parseStatement(buildBill(rows)), [
      { kind: 'payment', outTradeNo: 'O1', channelTradeNo: 'T1', amount: 1234, fee: 7, currency: 'CNY', at: '2026-11-25T10:00:00+08:00' },
      { kind: 'refund', outTradeNo: 'O1', channelTradeNo: 'T1', outRefundNo: 'rf1', amount: 234, fee: -1, currency: 'CNY', at: '2026-11-25T10:00:00+08:00' },
    ]);
    assert.deepEqual(parseStatement(buildBill([])), []);
  });
  test('a bill cut short or not adding up is refused', () => {
    const text = buildBill(rows);
    for (const cut of [text.length - 10, Math.floor(text.length * 0.6), text.indexOf('\n') + 1]) {
      assert.throws(() => parseStatement(text.slice(0, cut)), BillFormatError, `cut at ${cut}`);
    }
    assert.throws(() => parseStatement(text.replace('`1234', '`1234').replace('`12.34', '`12.35')), BillFormatError);
    assert.throws(() => parseStatement(`x${text}`), BillFormatError);
  });
});
