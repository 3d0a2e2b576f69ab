import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cashCountEntry, cashDifference, checkCashCount, expectedCash, shiftTotals } from '../../src/core/shift.ts';
import { assertBalanced } from '../../src/core/ledger.ts';
import { throwsSaoma } from './helpers.ts';

describe('shift cash count', () => {
  test('totals merge payments and refunds per channel, channels in name order', () => {
    const t = shiftTotals(
      [{ channel: 'sandbox', count: 2, amount: 3000 }, { channel: 'cash', count: 3, amount: 4500 }],
      [{ channel: 'cash', amount: 500 }, { channel: 'alipay', amount: 100 }],
    );
    assert.deepEqual(t, [
      { channel: 'alipay', count: 0, amount: 0, refunded: 100 },
      { channel: 'cash', count: 3, amount: 4500, refunded: 500 },
      { channel: 'sandbox', count: 2, amount: 3000, refunded: 0 },
    ]);
  });

  test('expected cash is the float plus cash taken minus cash refunded; wallets do not count', () => {
    const t = shiftTotals([{ channel: 'cash', count: 1, amount: 1800 }, { channel: 'sandbox', count: 1, amount: 9999 }], [{ channel: 'cash', amount: 300 }, { channel: 'sandbox', amount: 50 }]);
    assert.equal(expectedCash(20000, t), 20000 + 1800 - 300);
    assert.equal(expectedCash(5000, []), 5000, 'a shift with no sales expects its float back');
  });

  test('difference is counted minus expected: over positive, short negative', () => {
    assert.equal(cashDifference(21600, 21500), 100);
    assert.equal(cashDifference(21400, 21500), -100);
    assert.equal(cashDifference(21500, 21500), 0);
  });

  test('an exact count books nothing', () => {
    assert.equal(cashCountEntry({ shiftId: 'shf_1', merchantId: 'm', terminalId: 't', difference: 0, currency: 'CNY' }), null);
  });

  test('cash over is debited to the drawer and credited to over/short; short the other way; both balance', () => {
    const over = cashCountEntry({ shiftId: 'shf_1', merchantId: 'm', terminalId: 't', difference: 150, currency: 'CNY' })!;
    assert.equal(over.kind, 'cash_count');
    assert.equal(over.ref, 'shf_1');
    assert.deepEqual(over.postings, [
      { account: 'cash_drawer:t', amount: 150, currency: 'CNY' },
      { account: 'cash_over_short:m', amount: -150, currency: 'CNY' },
    ]);
    const short = cashCountEntry({ shiftId: 'shf_2', merchantId: 'm', terminalId: 't', difference: -70, currency: 'CNY' })!;
    assert.deepEqual(short.postings.map((p) => [p.account, p.amount]), [['cash_drawer:t', -70], ['cash_over_short:m', 70]]);
    assertBalanced(over);
    assertBalanced(short);
  });

  test('a cash count is a whole number of minor units, zero allowed, never negative', () => {
    assert.equal(checkCashCount(0, 'openingFloat'), 0);
    assert.equal(checkCashCount(50000, 'openingFloat'), 50000);
    for (const bad of [-1, 1.5, Number.NaN, '100', null, undefined, Number.POSITIVE_INFINITY, 1e13]) {
      const e = throwsSaoma(() => checkCashCount(bad, 'countedCash'), 'invalid_amount');
      assert.match(e.message, /countedCash/);
    }
  });
});
