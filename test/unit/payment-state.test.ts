import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PAYMENT_STATES,
  FINAL_PAYMENT_STATES,
  PAYMENT_TRANSITIONS,
  isFinalPayment,
  canTransitionPayment,
  assertPaymentTransition,
  paymentSourcesFor,
  type PaymentState,
} from '../../src/core/payment-state.ts';
import { throwsSaoma } from './helpers.ts';

/**
 * The expected state machine, written out by hand. Rows are `from`, columns are `to`, in this order:
 *   created, pending, waiting_customer, unknown, succeeded, failed, closed, reversed
 * 1 = legal, 0 = illegal. Deliberately NOT derived from PAYMENT_TRANSITIONS.
 */
const ORDER = ['created', 'pending', 'waiting_customer', 'unknown', 'succeeded', 'failed', 'closed', 'reversed'] as const;
const EXPECTED: Record<PaymentState, readonly (0 | 1)[]> = {
  //                cre pen wai unk suc fai clo rev
  created:          [0,  1,  1,  1,  1,  1,  1,  1],
  pending:          [0,  0,  1,  1,  1,  1,  1,  1],
  waiting_customer: [0,  0,  0,  1,  1,  1,  1,  1],
  unknown:          [0,  0,  1,  0,  1,  1,  1,  1],
  succeeded:        [0,  0,  0,  0,  0,  0,  0,  1],
  failed:           [0,  0,  0,  0,  0,  0,  0,  0],
  closed:           [0,  0,  0,  0,  0,  0,  0,  0],
  reversed:         [0,  0,  0,  0,  0,  0,  0,  0],
};

function expectedLegal(from: PaymentState, to: PaymentState): boolean {
  const row = EXPECTED[from];
  const cell = row[ORDER.indexOf(to)];
  assert.ok(cell !== undefined, `no expectation for ${from} -> ${to}`);
  return cell === 1;
}

describe('payment states', () => {
  test('the set of states is exactly the one the expected table covers', () => {
    assert.deepEqual([...PAYMENT_STATES].sort(), [...ORDER].sort());
    assert.deepEqual(Object.keys(PAYMENT_TRANSITIONS).sort(), [...ORDER].sort());
  });

  test('final states are exactly succeeded, failed, closed, reversed', () => {
    assert.deepEqual([...FINAL_PAYMENT_STATES].sort(), ['closed', 'failed', 'reversed', 'succeeded']);
    const expectedFinal: Record<PaymentState, boolean> = {
      created: false, pending: false, waiting_customer: false, unknown: false,
      succeeded: true, failed: true, closed: true, reversed: true,
    };
    for (const s of ORDER) assert.equal(isFinalPayment(s), expectedFinal[s], s);
  });

  test('the table has 24 legal moves out of 64 pairs', () => {
    let legal = 0;
    for (const from of ORDER) for (const to of ORDER) if (canTransitionPayment(from, to)) legal++;
    assert.equal(legal, 24);
  });

  test('no state can move to itself', () => {
    for (const s of ORDER) assert.equal(canTransitionPayment(s, s), false, s);
  });

  test('nothing moves back to created', () => {
    for (const s of ORDER) assert.equal(canTransitionPayment(s, 'created'), false, s);
  });

  test('failed, closed and reversed are terminal; succeeded can only be reversed', () => {
    for (const s of ['failed', 'closed', 'reversed'] as const) {
      for (const to of ORDER) assert.equal(canTransitionPayment(s, to), false, `${s} -> ${to}`);
    }
    for (const to of ORDER) assert.equal(canTransitionPayment('succeeded', to), to === 'reversed', `succeeded -> ${to}`);
  });
});

describe('payment transitions: every from x to pair', () => {
  for (const from of ORDER) {
    for (const to of ORDER) {
      const legal = expectedLegal(from, to);
      test(`${from} -> ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        assert.equal(canTransitionPayment(from, to), legal);
        if (legal) {
          assert.doesNotThrow(() => assertPaymentTransition(from, to));
        } else {
          const e = throwsSaoma(() => assertPaymentTransition(from, to), 'invalid_transition');
          assert.equal(e.status, 409);
          assert.deepEqual(e.details, { from, to });
          assert.match(e.message, new RegExp(`from ${from} to ${to}`));
        }
      });
    }
  }
});

describe('paymentSourcesFor', () => {
  const EXPECTED_SOURCES: Record<PaymentState, PaymentState[]> = {
    created: [],
    pending: ['created'],
    waiting_customer: ['created', 'pending', 'unknown'],
    unknown: ['created', 'pending', 'waiting_customer'],
    succeeded: ['created', 'pending', 'waiting_customer', 'unknown'],
    failed: ['created', 'pending', 'waiting_customer', 'unknown'],
    closed: ['created', 'pending', 'waiting_customer', 'unknown'],
    reversed: ['created', 'pending', 'waiting_customer', 'unknown', 'succeeded'],
  };
  for (const to of ORDER) {
    test(`sources of ${to}`, () => {
      assert.deepEqual([...paymentSourcesFor(to)].sort(), [...EXPECTED_SOURCES[to]].sort());
    });
  }

  test('every source returned can legally move to the target, and no other state can', () => {
    for (const to of ORDER) {
      const sources = new Set(paymentSourcesFor(to));
      for (const from of ORDER) assert.equal(sources.has(from), canTransitionPayment(from, to), `${from} -> ${to}`);
    }
  });

  test('returns a fresh array each call (callers may mutate it)', () => {
    const a = paymentSourcesFor('succeeded');
    a.push('reversed');
    assert.deepEqual([...paymentSourcesFor('succeeded')].sort(), ['created', 'pending', 'unknown', 'waiting_customer']);
  });
});
