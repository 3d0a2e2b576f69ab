import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unzipSync } from 'fflate';
import { AlipayBillError, DETAIL_COLUMNS, parseBillZip, parseDetailCsv, signedFen } from '../../src/channels/alipay/bill.ts';
import { buildBillZip, serviceFee, type BillEntry } from '../../src/channels/alipay/bill-writer.ts';

/** Alipay's trade bill: the zip the emulator writes is GBK, framed by # lines, and the parser reads it back exactly. */
describe('Alipay bill file', () => {
  const entries: BillEntry[] = [
    { kind: 'trade', tradeNo: '2026112522001400000000000001', outTradeNo: 'A-1', subject: '咖啡, large', createdAt: '2026-11-25T02:00:00.000Z', doneAt: '2026-11-25T02:00:05.000Z', total: 8888, amount: 8888 },
    { kind: 'trade', tradeNo: '2026112522001400000000000002', outTradeNo: 'A-2', subject: 'tea', createdAt: '2026-11-25T03:00:00.000Z', doneAt: '2026-11-25T03:00:01.000Z', total: 1000, amount: 1000 },
    { kind: 'refund', tradeNo: '2026112522001400000000000001', outTradeNo: 'A-1', subject: '咖啡', createdAt: '2026-11-25T02:00:00.000Z', doneAt: '2026-11-25T05:00:00.000Z', total: 8888, amount: 888, requestNo: 'R-1' },
  ];
  const build = (anomaly: Parameters<typeof buildBillZip>[0]['anomaly']) => buildBillZip({ pid: '2088102177296610', date: '2026-11-25', entries, anomaly });

  test('the zip holds the detail and summary files, GBK encoded, with the # header and the 25 detail columns', () => {
    const { name, zip } = build('none');
    assert.equal(name, '2088102177296610_20261125.csv.zip');
    const files = unzipSync(zip);
    const names = Object.keys(files).sort();
    assert.deepEqual(names, ['2088102177296610_20261125_业务明细(汇总).csv', '2088102177296610_20261125_业务明细.csv'].sort());
    const raw = files['2088102177296610_20261125_业务明细.csv']!;
    // "支付宝" in GBK is D6 A7 B8 B6 B1 A6, not the UTF-8 bytes.
    assert.deepEqual([...raw.subarray(1, 7)], [0xd6, 0xa7, 0xb8, 0xb6, 0xb1, 0xa6]);
    const text = new TextDecoder('gbk').decode(raw);
    assert.ok(text.startsWith('#支付宝业务明细查询\r\n#账号：[2088102177296610]'));
    assert.ok(text.includes(`\r\n${DETAIL_COLUMNS.join(',')}\r\n`));
    // The totals as Alipay writes them: one line for trades, one for refunds, with 商家实收.
    assert.ok(text.includes('\r\n#交易合计：2笔，商家实收共98.88元，商家优惠共0.00元\r\n#退款合计：1笔，商家实收退款共-8.88元，商家优惠退款共0.00元\r\n'));
    const summary = new TextDecoder('gbk').decode(files['2088102177296610_20261125_业务明细(汇总).csv']!);
    assert.ok(summary.includes('门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）'));
    assert.ok(summary.includes(',合计,2,1,98.88,90.00,'));
  });

  test('parsed back: payments and refunds in minor units, fees signed, times in GMT+8', () => {
    const lines = parseBillZip(build('none').zip);
    assert.deepEqual(lines, [
      { kind: 'payment', outTradeNo: 'A-1', channelTradeNo: '2026112522001400000000000001', fee: serviceFee(8888), currency: 'CNY', at: '2026-11-25T10:00:05+08:00', amount: 8888, orderAmount: 8888 },
      { kind: 'payment', outTradeNo: 'A-2', channelTradeNo: '2026112522001400000000000002', fee: 6, currency: 'CNY', at: '2026-11-25T11:00:01+08:00', amount: 1000, orderAmount: 1000 },
      { kind: 'refund', outTradeNo: 'A-1', channelTradeNo: '2026112522001400000000000001', outRefundNo: 'R-1', fee: -5, currency: 'CNY', at: '2026-11-25T13:00:00+08:00', amount: 888 },
    ]);
    assert.equal(serviceFee(8888), 53);
    assert.equal(signedFen('-0.05'), -5);
    assert.equal(signedFen('1.5'), null);
  });

  test('anomalies: a trade missing, an extra trade, a wrong amount — and a truncated file is a clear error', () => {
    assert.deepEqual(parseBillZip(build('missing').zip).map((l) => l.outTradeNo), ['A-2', 'A-1']);
    const extra = parseBillZip(build('extra').zip);
    assert.equal(extra.length, 4);
    assert.match(extra[3]!.outTradeNo, /^EXTRA/);
    assert.equal(parseBillZip(build('amount').zip)[0]!.amount, 8889);
    assert.equal(parseBillZip(build('fee').zip)[0]!.fee, serviceFee(8888) + 5);
    assert.throws(() => parseBillZip(build('truncated').zip), (e: unknown) => e instanceof AlipayBillError && /truncated|cut short/.test((e as Error).message));
    assert.throws(() => parseBillZip(build('none').zip.subarray(0, 100)), AlipayBillError);
  });

  test('a bill whose totals line disagrees with its lines is refused', () => {
    const text = new TextDecoder('gbk').decode(unzipSync(build('none').zip)['2088102177296610_20261125_业务明细.csv']!);
    assert.equal(parseDetailCsv(text).length, 3);
    assert.throws(() => parseDetailCsv(text.replace('#交易合计：2笔', '#交易合计：3笔')), /says 3 trades/);
    assert.throws(() => parseDetailCsv(text.replace('交易\t,', '转账\t,')), /unknown 业务类型/);
  });
});
