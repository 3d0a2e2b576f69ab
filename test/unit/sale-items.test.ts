import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkItems } from '../../src/core/sale-items.ts';
import { throwsSaoma } from './helpers.ts';

describe('sale items', () => {
  test('lines that add up to the amount are kept, names trimmed', () => {
    assert.deepEqual(checkItems([{ name: ' 茶 Tea ', quantity: 3, unitPrice: 500 }, { name: 'Free napkin', quantity: 1, unitPrice: 0 }], 1500), [
      { name: '茶 Tea', quantity: 3, unitPrice: 500 }, { name: 'Free napkin', quantity: 1, unitPrice: 0 },
    ]);
  });

  test('lines that do not add up are refused with both totals', () => {
    const e = throwsSaoma(() => checkItems([{ name: 'Tea', quantity: 3, unitPrice: 500 }], 1600), 'items_total_mismatch');
    assert.match(e.message, /1500/);
    assert.match(e.message, /1600/);
    assert.deepEqual(e.details, { itemsTotal: 1500, amount: 1600 });
  });

  test('bad lines are refused naming the line', () => {
    for (const [item, code] of [
      [{ name: '  ', quantity: 1, unitPrice: 1 }, 'invalid_request'],
      [{ name: 'a'.repeat(65), quantity: 1, unitPrice: 1 }, 'invalid_request'],
      [{ name: 'a', quantity: 0, unitPrice: 1 }, 'invalid_request'],
      [{ name: 'a', quantity: 10_000, unitPrice: 1 }, 'invalid_request'],
      [{ name: 'a', quantity: 1, unitPrice: -1 }, 'invalid_amount'],
      [{ name: 'a', quantity: 1, unitPrice: 0.5 }, 'invalid_amount'],
    ] as const) {
      const e = throwsSaoma(() => checkItems([{ name: 'ok', quantity: 1, unitPrice: 1 }, item], 2), code);
      assert.match(e.message, /items\[1\]/);
    }
  });

  test('no lines, or more than 100, are refused', () => {
    throwsSaoma(() => checkItems([], 0), 'invalid_request');
    throwsSaoma(() => checkItems(Array.from({ length: 101 }, () => ({ name: 'a', quantity: 1, unitPrice: 1 })), 101), 'invalid_request');
    assert.equal(checkItems(Array.from({ length: 100 }, () => ({ name: 'a', quantity: 1, unitPrice: 1 })), 100).length, 100);
  });

  test('a total beyond safe integers is refused, never rounded', () => {
    throwsSaoma(() => checkItems([{ name: 'a', quantity: 9999, unitPrice: Number.MAX_SAFE_INTEGER }], 1), 'invalid_amount');
  });
});
