import { SaomaError } from './errors.ts';
import type { PaymentState } from './payment-state.ts';

export const REFUND_STATES = ['pending', 'unknown', 'succeeded', 'failed'] as const;
export type RefundState = (typeof REFUND_STATES)[number];

export const REFUND_TRANSITIONS: Readonly<Record<RefundState, readonly RefundState[]>> = {
  pending: ['unknown', 'succeeded', 'failed'],
  unknown: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

export function isFinalRefund(state: RefundState): boolean {
  return REFUND_TRANSITIONS[state].length === 0;
}

export function canTransitionRefund(from: RefundState, to: RefundState): boolean {
  return REFUND_TRANSITIONS[from].includes(to);
}

export function assertRefundTransition(from: RefundState, to: RefundState): void {
  if (!canTransitionRefund(from, to)) {
    throw new SaomaError('invalid_transition', `A refund cannot go from ${from} to ${to}.`, { from, to });
  }
}

/**
 * Whether a new refund of `amount` may be asked for. Refunds still in flight (pending/unknown) count
 * against the paid amount, so two concurrent partial refunds can never together exceed it.
 */
export function checkRefundable(args: {
  paymentState: PaymentState;
  paid: number;
  refundedOrInFlight: number;
  amount: number;
}): void {
  if (!Number.isSafeInteger(args.amount) || args.amount <= 0) throw new SaomaError('invalid_amount', 'Refund amount must be a positive whole number of minor units.');
  if (args.paymentState !== 'succeeded') {
    throw new SaomaError('payment_not_refundable', `Only a succeeded payment can be refunded; this one is ${args.paymentState}.`);
  }
  const left = args.paid - args.refundedOrInFlight;
  if (args.amount > left) {
    throw new SaomaError('refund_exceeds_paid', `Refund of ${args.amount} exceeds what is left to refund (${left} of ${args.paid}).`, {
      refundable: left,
    });
  }
}
