import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkTender, isSaleCovered } from '../../src/core/sale.ts';
import { METHODS, type PaymentMethod } from '../../src/core/domain.ts';
import { throwsSaoma } from './helpers.ts';

const WALLETS = ['dynamic_qr', 'payment_code'] as const satisfies readonly PaymentMethod[];

describe('checkTender', () => {
  test('the method list is dynamic_qr, in_app, payment_code and cash', () => {
    assert.deepEqual([...METHODS].sort(), ['cash', 'dynamic_qr', 'in_app', 'payment_code']);
  });

  for (const method of METHODS) {
    test(`${method} paying exactly what is due is applied in full with no change`, () => {
      assert.deepEqual(checkTender({ due: 10000, committed: 0, amount: 10000, method, saleOpen: true }), { applied: 10000, change: 0 });
    });

    test(`${method} paying less than what is due is a partial tender`, () => {
      assert.deepEqual(checkTender({ due: 10000, committed: 0, amount: 2500, method, saleOpen: true }), { applied: 2500, change: 0 });
    });
  }

  test('split tender: wallet, then cash, then wallet exactly covers the sale', () => {
    const due = 10000;
    let committed = 0;
    const steps: [PaymentMethod, number][] = [['dynamic_qr', 3000], ['cash', 5000], ['payment_code', 2000]];
    for (const [method, amount] of steps) {
      const r = checkTender({ due, committed, amount, method, saleOpen: true });
      assert.deepEqual(r, { applied: amount, change: 0 });
      committed += r.applied;
    }
    assert.equal(committed, due);
    assert.equal(isSaleCovered(due, committed), true);
    for (const method of METHODS) {
      const e = throwsSaoma(() => checkTender({ due, committed, amount: 1, method, saleOpen: true }), 'tender_exceeds_due');
      assert.match(e.message, /fully covered/);
    }
  });

  test('split tender: cash may overpay the remainder and the change is computed', () => {
    // ¥100.00 due, ¥70.00 already by wallet, customer hands over ¥50.00 cash.
    assert.deepEqual(
      checkTender({ due: 10000, committed: 7000, amount: 5000, method: 'cash', saleOpen: true }),
      { applied: 3000, change: 2000 },
    );
  });

  test('cash overpaying a whole sale gives change', () => {
    assert.deepEqual(checkTender({ due: 8850, committed: 0, amount: 10000, method: 'cash', saleOpen: true }), { applied: 8850, change: 1150 });
  });

  for (const method of WALLETS) {
    test(`${method} may not exceed what is due`, () => {
      const e = throwsSaoma(() => checkTender({ due: 10000, committed: 0, amount: 10001, method, saleOpen: true }), 'tender_exceeds_due');
      assert.equal(e.status, 409);
      assert.deepEqual(e.details, { remaining: 10000 });
    });

    test(`${method} may not exceed what is left after other tenders`, () => {
      const e = throwsSaoma(() => checkTender({ due: 10000, committed: 7000, amount: 3001, method, saleOpen: true }), 'tender_exceeds_due');
      assert.deepEqual(e.details, { remaining: 3000 });
    });
  }

  test('tenders still in flight count: two wallet lines started at once cannot together overpay', () => {
    // First line of 6000 is started (in flight) -> committed 6000.
    const first = checkTender({ due: 10000, committed: 0, amount: 6000, method: 'dynamic_qr', saleOpen: true });
    assert.equal(first.applied, 6000);
    const e = throwsSaoma(
      () => checkTender({ due: 10000, committed: first.applied, amount: 6000, method: 'payment_code', saleOpen: true }),
      'tender_exceeds_due',
    );
    assert.deepEqual(e.details, { remaining: 4000 });
  });

  for (const method of METHODS) {
    test(`a closed sale refuses ${method} with sale_closed`, () => {
      const e = throwsSaoma(() => checkTender({ due: 10000, committed: 0, amount: 100, method, saleOpen: false }), 'sale_closed');
      assert.equal(e.status, 409);
    });
  }

  test('a closed sale is reported as closed even when the tender would also exceed what is due', () => {
    throwsSaoma(() => checkTender({ due: 10000, committed: 10000, amount: 5000, method: 'dynamic_qr', saleOpen: false }), 'sale_closed');
  });

  test('an over-committed sale (committed > due) refuses everything, cash included', () => {
    for (const method of METHODS) {
      throwsSaoma(() => checkTender({ due: 10000, committed: 12000, amount: 100, method, saleOpen: true }), 'tender_exceeds_due');
    }
  });

  test('property: cash is always accepted while something is due; applied + change = tendered; applied never exceeds the remainder', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        (due, committedRaw, amount) => {
          const committed = committedRaw % due; // something is still due
          const remaining = due - committed;
          const r = checkTender({ due, committed, amount, method: 'cash', saleOpen: true });
          assert.equal(r.applied + r.change, amount);
          assert.equal(r.applied, Math.min(amount, remaining));
          assert.ok(r.change >= 0);
          assert.equal(r.change > 0, amount > remaining);
        },
      ),
    );
  });

  test('property: a wallet tender is accepted exactly when it fits, and never produces change', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WALLETS),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        (method, due, committed, amount) => {
          const remaining = due - committed;
          let result: { applied: number; change: number } | undefined;
          try {
            result = checkTender({ due, committed, amount, method, saleOpen: true });
          } catch (e) {
            assert.equal((e as { code?: string }).code, 'tender_exceeds_due');
          }
          assert.equal(result !== undefined, remaining > 0 && amount <= remaining);
          if (result) assert.deepEqual(result, { applied: amount, change: 0 });
        },
      ),
    );
  });

  test('property: tenders applied one after another never cover more than what is due', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.tuple(fc.constantFrom(...METHODS), fc.integer({ min: 1, max: 1_000_000 })), { maxLength: 20 }),
        (due, tenders) => {
          let committed = 0;
          for (const [method, amount] of tenders) {
            try {
              committed += checkTender({ due, committed, amount, method, saleOpen: true }).applied;
            } catch (e) {
              assert.equal((e as { code?: string }).code, 'tender_exceeds_due');
            }
            assert.ok(committed <= due);
          }
        },
      ),
    );
  });
});

describe('isSaleCovered', () => {
  test('covered when paid reaches or exceeds what is due', () => {
    assert.equal(isSaleCovered(10000, 10000), true);
    assert.equal(isSaleCovered(10000, 10001), true);
  });

  test('not covered while anything is still due', () => {
    assert.equal(isSaleCovered(10000, 9999), false);
    assert.equal(isSaleCovered(10000, 0), false);
  });
});
