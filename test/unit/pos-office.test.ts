import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DENOMINATIONS, cashDifference, countTotal, parseCash, parsePieces, step } from '../../web/pos/src/cash-count.ts';
import { COLUMNS, center, cols, leftRight, printMoney, receiptLines, wrap, type ReceiptLabels } from '../../web/pos/src/receipt-lines.ts';
import { checkRefund, refundable } from '../../web/pos/src/screens/office-data.ts';
import { DICTS } from '../../web/pos/src/i18n.ts';

describe('POS cash count', () => {
  test('pieces of each note and coin add up to exact fen', () => {
    assert.deepEqual(DENOMINATIONS, [10000, 5000, 2000, 1000, 500, 100, 50, 10]);
    assert.equal(countTotal({}), 0);
    assert.equal(countTotal({ 10000: 2, 5000: 1, 2000: 3, 1000: 1, 500: 1, 100: 4, 50: 1, 10: 3 }), 20000 + 5000 + 6000 + 1000 + 500 + 400 + 50 + 30);
    // Ten ¥0.1 coins are exactly one yuan: no float drift however many are counted.
    assert.equal(countTotal({ 10: 10 }), 100);
    assert.equal(countTotal({ 10: 9999 }), 99990);
    assert.equal(countTotal({ 7: 5 } as Record<number, number>), 0, 'a value that is no denomination counts nothing');
  });
  test('typed piece counts are whole numbers from 0 to 9999', () => {
    assert.equal(parsePieces(''), 0);
    assert.equal(parsePieces(' 12 '), 12);
    assert.equal(parsePieces('9999'), 9999);
    for (const s of ['-1', '1.5', '10000', 'abc', '１２', '1e2']) assert.equal(parsePieces(s), null, s);
  });
  test('+ and − stay within 0..9999', () => {
    assert.deepEqual(step({}, 100, -1), { 100: 0 });
    assert.deepEqual(step({ 100: 2 }, 100, 1), { 100: 3 });
    assert.deepEqual(step({ 100: 9999 }, 100, 1), { 100: 9999 });
  });
  test('a typed total parses like a sale amount, except that an empty drawer is 0', () => {
    assert.deepEqual(parseCash('350.5'), { ok: true, minor: 35050 });
    assert.deepEqual(parseCash('0'), { ok: true, minor: 0 });
    assert.deepEqual(parseCash('0.00'), { ok: true, minor: 0 });
    assert.deepEqual(parseCash(''), { ok: false, reason: 'amountEmpty' });
    assert.deepEqual(parseCash('1.005'), { ok: false, reason: 'amountTooManyDecimals' });
    assert.deepEqual(parseCash('-5'), { ok: false, reason: 'amountInvalid' });
  });
  test('the difference is counted minus expected', () => {
    assert.deepEqual(cashDifference(51250, 51150), { minor: -100, kind: 'short' });
    assert.deepEqual(cashDifference(51250, 51260), { minor: 10, kind: 'over' });
    assert.deepEqual(cashDifference(51250, 51250), { minor: 0, kind: 'even' });
  });
});

describe('POS refundable amount', () => {
  const pay = { state: 'succeeded', amount: 5000, refunded: 0 };
  test('what is left counts refunds in flight but not failed ones', () => {
    const refunds = [
      { paymentId: 'p1', amount: 1000, state: 'succeeded' },
      { paymentId: 'p1', amount: 500, state: 'pending' },
      { paymentId: 'p1', amount: 2000, state: 'failed' },
      { paymentId: 'p2', amount: 4000, state: 'succeeded' },
    ];
    assert.equal(refundable(pay, refunds, 'p1'), 3500);
    assert.equal(refundable(pay, [], 'p1'), 5000);
    assert.equal(refundable({ ...pay, refunded: 4500 }, refunds, 'p1'), 500, 'the server’s refunded total is a floor');
    assert.equal(refundable({ ...pay, state: 'closed' }, [], 'p1'), 0, 'an unpaid tender refunds nothing');
    assert.equal(refundable(pay, [{ paymentId: 'p1', amount: 6000, state: 'succeeded' }], 'p1'), 0);
  });
  test('a typed refund parses like a sale amount and never exceeds what is left', () => {
    assert.deepEqual(checkRefund('12.50', 5000), { ok: true, minor: 1250 });
    assert.deepEqual(checkRefund('50', 5000), { ok: true, minor: 5000 });
    assert.deepEqual(checkRefund('50.01', 5000), { ok: false, reason: 'refundTooMuch' });
    assert.deepEqual(checkRefund('1.005', 5000), { ok: false, reason: 'amountTooManyDecimals' });
    assert.deepEqual(checkRefund('0', 5000), { ok: false, reason: 'amountZero' });
    assert.deepEqual(checkRefund('', 5000), { ok: false, reason: 'amountEmpty' });
    assert.deepEqual(checkRefund('1', 0), { ok: false, reason: 'refundNothingLeft' });
    assert.deepEqual(checkRefund('99999999999', 5000), { ok: false, reason: 'refundTooMuch' });
  });
});

describe('POS receipt lines (58 mm, 32 columns)', () => {
  test('CJK characters and the full-width ￥ take two columns', () => {
    assert.equal(cols('abc'), 3);
    assert.equal(cols('收银小票'), 8);
    assert.equal(cols('￥12.50'), 7);
    assert.equal(cols('¥12.50'), 6);
    assert.equal(cols('（）'), 4);
    assert.equal(cols('𠀀'), 2, 'a character outside the BMP is one character, two columns');
    assert.equal(printMoney(1250), '￥12.50');
    assert.equal(printMoney(5), '￥0.05');
    assert.equal(printMoney(-100), '-￥1.00');
    assert.equal(printMoney(100, 'HKD'), 'HKD 1.00');
  });
  test('wrapping measures columns, not string length', () => {
    const w = wrap('一二三四五六七八九十一二三四五六七');
    assert.deepEqual(w, ['一二三四五六七八九十一二三四五六', '七'], '16 CJK characters fill a line');
    assert.deepEqual(wrap('the quick brown fox jumps over the lazy dog', 16), ['the quick brown', 'fox jumps over', 'the lazy dog']);
    assert.deepEqual(wrap('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  });
  test('a label and a figure share a line, the figure flush right', () => {
    assert.deepEqual(leftRight('合计', '￥12.50'), [`合计${' '.repeat(32 - 4 - 7)}￥12.50`]);
    const long = leftRight('特别长的商品名称特别长的商品名称', '￥1.00');
    assert.equal(long.length, 2);
    assert.equal(cols(long[1]!), 32);
    assert.ok(long[1]!.endsWith('￥1.00'));
    assert.equal(center('收银小票')[0], `${' '.repeat(12)}收银小票`);
  });
  test('a whole Chinese receipt never has a line over 32 columns and keeps its figures', () => {
    const L = DICTS['zh-Hans'];
    const labels: ReceiptLabels = {
      title: L.rcpTitle, store: L.rcpStore, terminal: L.rcpTerminal, time: L.rcpTime, saleNo: L.rcpSaleNo, total: L.rcpTotal,
      tradeNo: L.rcpTradeNo, tendered: L.rcpTendered, change: L.rcpChange, refund: L.rcpRefund, net: L.rcpNet, thanks: L.rcpThanks,
    };
    const lines = receiptLines({
      merchant: '示例商店 Demo Shop', store: '南京路旗舰店（一号门）', terminal: '1号收银台', time: '2026-11-26 08:30:05',
      saleNo: 'sale_01JDEMO0000000000000000000', currency: 'CNY', amount: 3850,
      items: [{ name: '珍珠奶茶（大杯，少冰，半糖）加椰果', quantity: 2, unitPrice: 1500 }, { name: 'Egg tart', quantity: 1, unitPrice: 850 }],
      tenders: [
        { wallet: '现金', amount: 1850, tradeNo: null, tendered: 2000, change: 150 },
        { wallet: '微信支付', amount: 2000, tradeNo: '4200001234202611261234567890' },
      ],
      change: 150,
      refunds: [{ wallet: '微信支付', amount: 500 }, { wallet: '微信支付', amount: 100, pending: '处理中' }],
    }, labels);
    for (const l of lines) assert.ok(cols(l) <= COLUMNS, `${cols(l)}: ${l}`);
    const text = lines.join('\n');
    for (const s of ['示例商店', '合计', '￥38.50', '2 x ￥15.00', '￥30.00', '实收现金', '￥20.00', '找零', '￥1.50', '4200001234202611261234567890', '-￥5.00', '(处理中)', '实付', '￥33.50']) {
      assert.ok(text.includes(s), `${s} in\n${text}`);
    }
    assert.ok(!text.includes('¥'), 'only the full-width ￥, which GBK printers have');
    const total = lines.filter((l) => l.startsWith('合计'))[0]!;
    assert.equal(cols(total), 32);
  });
});
