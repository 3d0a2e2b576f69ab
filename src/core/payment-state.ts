import { SaomaError } from './errors.ts';

/**
 * A payment is one attempt on one channel.
 * - created: written locally, nothing sent to the channel yet (or we crashed before recording that we did)
 * - pending: request sent, no answer yet
 * - waiting_customer: QR shown / customer confirming in their wallet ("user paying")
 * - unknown: the channel did not give a usable answer; we must query, then reverse
 * - succeeded / failed / closed / reversed: final
 */
export const PAYMENT_STATES = [
  'created', 'pending', 'waiting_customer', 'unknown', 'succeeded', 'failed', 'closed', 'reversed',
] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

export const FINAL_PAYMENT_STATES: ReadonlySet<PaymentState> = new Set(['succeeded', 'failed', 'closed', 'reversed']);

/**
 * The only legal moves. `succeeded → reversed` exists because a payment-code charge that the channel
 * completed after we gave up is undone by reversal (撤销), which refunds the customer; refunds of a
 * succeeded payment do not change its state (they are separate records).
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentState, readonly PaymentState[]>> = {
  // created → reversed: we crashed before learning whether a payment-code charge was sent; reversing it
  // at the wallet is how we make sure it never lands.
  created: ['pending', 'waiting_customer', 'unknown', 'succeeded', 'failed', 'closed', 'reversed'],
  pending: ['waiting_customer', 'unknown', 'succeeded', 'failed', 'closed', 'reversed'],
  waiting_customer: ['unknown', 'succeeded', 'failed', 'closed', 'reversed'],
  unknown: ['waiting_customer', 'succeeded', 'failed', 'closed', 'reversed'],
  succeeded: ['reversed'],
  failed: [],
  closed: [],
  reversed: [],
};

export function isFinalPayment(state: PaymentState): boolean {
  return FINAL_PAYMENT_STATES.has(state);
}

export function canTransitionPayment(from: PaymentState, to: PaymentState): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

export function assertPaymentTransition(from: PaymentState, to: PaymentState): void {
  if (!canTransitionPayment(from, to)) {
    throw new SaomaError('invalid_transition', `A payment cannot go from ${from} to ${to}.`, { from, to });
  }
}

/** States from which the given target is reachable in one step: the `WHERE state IN (…)` of a guarded update. */
export function paymentSourcesFor(to: PaymentState): PaymentState[] {
  return PAYMENT_STATES.filter((s) => PAYMENT_TRANSITIONS[s].includes(to));
}
