import { SaomaError } from './errors.ts';
import type { PaymentMethod } from './domain.ts';

/**
 * Split tender rules. `committed` is what succeeded tenders already cover plus what tenders still in
 * flight would cover, so two wallet lines started at once cannot together overpay the sale.
 * Only cash may exceed what is due: the surplus is change handed back.
 */
export function checkTender(args: { due: number; committed: number; amount: number; method: PaymentMethod; saleOpen: boolean }): {
  applied: number;
  change: number;
} {
  if (!Number.isSafeInteger(args.amount) || args.amount <= 0) throw new SaomaError('invalid_amount', 'Tender amount must be a positive whole number of minor units.');
  if (!args.saleOpen) throw new SaomaError('sale_closed', 'This sale is no longer open; start a new sale.');
  const remaining = args.due - args.committed;
  if (remaining <= 0) throw new SaomaError('tender_exceeds_due', 'This sale is already fully covered.');
  if (args.amount <= remaining) return { applied: args.amount, change: 0 };
  if (args.method !== 'cash') {
    throw new SaomaError('tender_exceeds_due', `Only cash may exceed the amount due; at most ${remaining} is left to pay.`, {
      remaining,
    });
  }
  return { applied: remaining, change: args.amount - remaining };
}

export function isSaleCovered(due: number, paid: number): boolean {
  return paid >= due;
}
