import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  REFUND_STATES,
  REFUND_TRANSITIONS,
  isFinalRefund,
  canTransitionRefund,
  assertRefundTransition,
  checkRefundable,
  type RefundState,
} from '../../src/core/refund-state.ts';
import { PAYMENT_STATES, type PaymentState } from '../../src/core/payment-state.ts';
import { throwsSaoma } from './helpers.ts';

/** Hand-written expectation. Columns: pending, unknown, succeeded, failed. 1 = legal. */
const ORDER = ['pending', 'unknown', 'succeeded', 'failed'] as const;
const EXPECTED: Record<RefundState, readonly (0 | 1)[]> = {
  //         pen unk suc fai
  pending:   [0,  1,  1,  1],
  unknown:   [0,  0,  1,  1],
  succeeded: [0,  0,  0,  0],
  failed:    [0,  0,  0,  0],
};

function expectedLegal(from: RefundState, to: RefundState): boolean {
  const cell = EXPECTED[from][ORDER.indexOf(to)];
  assert.ok(cell !== undefined, `no expectation for ${from} -> ${to}`);
  return cell === 1;
}

describe('refund states', () => {
  test('the set of states is exactly the one the expected table covers', () => {
    assert.deepEqual([...REFUND_STATES].sort(), [...ORDER].sort());
    assert.deepEqual(Object.keys(REFUND_TRANSITIONS).sort(), [...ORDER].sort());
  });

  test('final refund states are exactly succeeded and failed', () => {
    const expectedFinal: Record<RefundState, boolean> = { pending: false, unknown: false, succeeded: true, failed: true };
    for (const s of ORDER) assert.equal(isFinalRefund(s), expectedFinal[s], s);
  });

  test('the table has 5 legal moves out of 16 pairs', () => {
    let legal = 0;
    for (const from of ORDER) for (const to of ORDER) if (canTransitionRefund(from, to)) legal++;
    assert.equal(legal, 5);
  });
});

describe('refund transitions: every from x to pair', () => {
  for (const from of ORDER) {
    for (const to of ORDER) {
      const legal = expectedLegal(from, to);
      test(`${from} -> ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        assert.equal(canTransitionRefund(from, to), legal);
        if (legal) {
          assert.doesNotThrow(() => assertRefundTransition(from, to));
        } else {
          const e = throwsSaoma(() => assertRefundTransition(from, to), 'invalid_transition');
          assert.deepEqual(e.details, { from, to });
          assert.match(e.message, new RegExp(`refund cannot go from ${from} to ${to}`));
        }
      });
    }
  }
});

describe('checkRefundable', () => {
  test('a full refund of a succeeded payment is allowed', () => {
    assert.doesNotThrow(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 0, amount: 1000 }));
  });

  test('a partial refund is allowed', () => {
    assert.doesNotThrow(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 0, amount: 1 }));
    assert.doesNotThrow(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 0, amount: 999 }));
  });

  test('several partial refunds up to exactly the paid amount, then nothing more', () => {
    const paid = 1000;
    let refunded = 0;
    for (const amount of [300, 300, 399, 1]) {
      checkRefundable({ paymentState: 'succeeded', paid, refundedOrInFlight: refunded, amount });
      refunded += amount;
    }
    assert.equal(refunded, paid);
    const e = throwsSaoma(() => checkRefundable({ paymentState: 'succeeded', paid, refundedOrInFlight: refunded, amount: 1 }), 'refund_exceeds_paid');
    assert.deepEqual(e.details, { refundable: 0 });
  });

  test('a refund larger than the payment is refused, reporting what is refundable', () => {
    const e = throwsSaoma(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 0, amount: 1001 }), 'refund_exceeds_paid');
    assert.equal(e.status, 409);
    assert.deepEqual(e.details, { refundable: 1000 });
  });

  test('a refund larger than what is left after earlier refunds is refused', () => {
    const e = throwsSaoma(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 700, amount: 301 }), 'refund_exceeds_paid');
    assert.deepEqual(e.details, { refundable: 300 });
    assert.doesNotThrow(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 700, amount: 300 }));
  });

  test('refunds still in flight count against the paid amount (two concurrent partials cannot overpay)', () => {
    // First 600 is accepted and is now pending (in flight) ...
    checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 0, amount: 600 });
    // ... so a concurrent second 600 is refused even though nothing has succeeded yet.
    const e = throwsSaoma(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 600, amount: 600 }), 'refund_exceeds_paid');
    assert.deepEqual(e.details, { refundable: 400 });
    // If the first one fails it no longer counts, and 600 fits again.
    assert.doesNotThrow(() => checkRefundable({ paymentState: 'succeeded', paid: 1000, refundedOrInFlight: 0, amount: 600 }));
  });

  for (const state of PAYMENT_STATES.filter((s) => s !== 'succeeded')) {
    test(`a ${state} payment is not refundable`, () => {
      const e = throwsSaoma(() => checkRefundable({ paymentState: state, paid: 1000, refundedOrInFlight: 0, amount: 100 }), 'payment_not_refundable');
      assert.equal(e.status, 409);
      assert.match(e.message, new RegExp(state));
    });
  }

  test('the payment state is checked before the amount', () => {
    throwsSaoma(() => checkRefundable({ paymentState: 'reversed', paid: 1000, refundedOrInFlight: 0, amount: 5000 }), 'payment_not_refundable');
  });

  test('property: accepted refunds never sum to more than what was paid, and any amount within what is left is accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000_000_000 }),
        fc.array(fc.integer({ min: 1, max: 1_000_000_000_000 }), { maxLength: 30 }),
        (paid, requests) => {
          let committed = 0;
          for (const amount of requests) {
            const left = paid - committed;
            let accepted = true;
            try {
              checkRefundable({ paymentState: 'succeeded', paid, refundedOrInFlight: committed, amount });
            } catch (e) {
              accepted = false;
              assert.equal((e as { code?: string }).code, 'refund_exceeds_paid');
            }
            assert.equal(accepted, amount <= left);
            if (accepted) committed += amount;
            assert.ok(committed <= paid);
          }
        },
      ),
    );
  });

  test('property: no non-succeeded payment state is ever refundable', () => {
    const states = PAYMENT_STATES.filter((s): s is Exclude<PaymentState, 'succeeded'> => s !== 'succeeded');
    fc.assert(
      fc.property(fc.constantFrom(...states), fc.integer({ min: 1, max: 10_000 }), (state, amount) => {
        throwsSaoma(() => checkRefundable({ paymentState: state, paid: 10_000, refundedOrInFlight: 0, amount }), 'payment_not_refundable');
      }),
    );
  });
});
