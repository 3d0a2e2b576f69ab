import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BillError, formatBill, parseBill, yuanToFen, type BillRow } from '../../src/channels/wechat/bill.ts';

// The shape of a real downloadbill (bill_type=ALL) answer: header, backtick-prefixed fields, summary.
const SAMPLE = [
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
  '`2026-11-24 10:12:36,`wx2421b1c4370ec43b,`10000100,`0,`,`4200001234202611241234567890,`S1001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,`Noodles,`,`0.07000,`0.60%,`12.34,`0.00,`',
  '`2026-11-24 11:00:00,`wx2421b1c4370ec43b,`10000100,`0,`,`4200001234202611241234567890,`S1001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300012342026112400001,`R1,`2.00,`0.00,`ORIGINAL,`SUCCESS,`Noodles,`,`-0.01000,`0.60%,`0.00,`2.00,`',
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
  '`2,`12.34,`2.00,`0.00,`0.06000,`12.34,`2.00',
].join('\r\n');

describe('WeChat bill file', () => {
  test('a downloadbill text parses into statement lines with fees in fen', () => {
    assert.deepEqual(parseBill(SAMPLE), [
      { kind: 'payment', outTradeNo: 'S1001', channelTradeNo: '4200001234202611241234567890', amount: 1234, orderAmount: 1234, fee: 7, currency: 'CNY', at: '2026-11-24T10:12:36+08:00' },
      { kind: 'refund', outTradeNo: 'S1001', channelTradeNo: '4200001234202611241234567890', outRefundNo: 'R1', amount: 200, fee: -1, currency: 'CNY', at: '2026-11-24T11:00:00+08:00' },
    ]);
  });

  test('a file cut short or whose summary disagrees is refused, not half-read', () => {
    assert.throws(() => parseBill(SAMPLE.slice(0, SAMPLE.indexOf('总交易单数'))), BillError);
    assert.throws(() => parseBill(SAMPLE.slice(0, SAMPLE.length - 60)), BillError);
    assert.throws(() => parseBill(SAMPLE.replace('`2,`12.34', '`3,`12.34')), BillError);
    assert.throws(() => parseBill(SAMPLE.replace('`12.34,`0.00,`0,`0', '`12.35,`0.00,`0,`0')), BillError);
    assert.throws(() => parseBill(SAMPLE.replace('`12.34,`0.00,`0,`0', '`12.3,`0.00,`0,`0')), BillError, 'yuan with one decimal is not read');
  });

  test('yuan → fen without floats; the fee column rounds half up at the third decimal', () => {
    assert.equal(yuanToFen('0.01'), 1);
    assert.equal(yuanToFen('123456789.99'), 12345678999);
    assert.equal(yuanToFen('0.00500', 5), 1);
    assert.equal(yuanToFen('0.00499', 5), 0);
    assert.equal(yuanToFen('-0.01000', 5), -1);
    assert.throws(() => yuanToFen('1.005'), BillError);
    assert.throws(() => yuanToFen('1e3'), BillError);
  });

  test('what the emulator writes, the adapter reads back', () => {
    const rows: BillRow[] = [
      { time: '2026-11-25 09:00:00', appId: 'wx1', mchId: '1', transactionId: 'T1', outTradeNo: 'A', openid: 'o1', tradeType: 'MICROPAY', state: 'SUCCESS', amount: 100000001, subject: 'a,b`c', fee: 600000 },
      { time: '2026-11-25 09:10:00', appId: 'wx1', mchId: '1', transactionId: 'T1', outTradeNo: 'A', openid: 'o1', tradeType: 'MICROPAY', state: 'REFUND', amount: 5, refundId: 'RF1', outRefundNo: 'R-A', refundStatus: 'SUCCESS', subject: 'a', fee: 0 },
    ];
    const lines = parseBill(formatBill(rows));
    assert.deepEqual(lines.map((l) => [l.kind, l.outTradeNo, l.amount, l.fee, l.outRefundNo]), [['payment', 'A', 100000001, 600000, undefined], ['refund', 'A', 5, 0, 'R-A']]);
  });
});
