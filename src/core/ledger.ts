import { SaomaError } from './errors.ts';
import type { Currency } from './money.ts';

/**
 * Double-entry bookkeeping. A posting's amount is signed: debit > 0, credit < 0. A journal entry is
 * balanced when its postings sum to zero per currency. Accounts are named paths so reports can roll
 * them up: `channel_clearing:<channel>`, `merchant_payable:<merchant>`, `cash_drawer:<terminal>`,
 * `cash_over_short:<merchant>`.
 */
export interface Posting {
  readonly account: string;
  readonly amount: number;
  readonly currency: Currency;
}

/**
 * `cash_count`: a shift closed with more or less cash in the drawer than the books expected (ref: the shift id).
 * `recon_hold` / `recon_release` / `recon_adjust`: reconciliation puts a difference with a wallet's bill into
 * suspense, takes it back out, or books it to the merchant (ref: the mismatch id; see src/reconcile/entries.ts).
 */
export type JournalKind = 'payment' | 'refund' | 'reversal' | 'cash_count' | 'recon_hold' | 'recon_release' | 'recon_adjust';

export interface JournalEntry {
  readonly kind: JournalKind;
  /** The payment or refund id: one journal entry per (kind, ref), enforced by a unique key. */
  readonly ref: string;
  readonly merchantId: string;
  readonly postings: readonly Posting[];
}

export function assertBalanced(entry: JournalEntry): void {
  if (entry.postings.length < 2) throw new SaomaError('internal', 'A journal entry needs at least two postings.');
  const sums = new Map<Currency, number>();
  for (const p of entry.postings) {
    if (!Number.isSafeInteger(p.amount) || p.amount === 0) {
      throw new SaomaError('internal', `Posting to ${p.account} must be a non-zero integer, got ${p.amount}.`);
    }
    sums.set(p.currency, (sums.get(p.currency) ?? 0) + p.amount);
  }
  for (const [cur, sum] of sums) {
    if (sum !== 0) throw new SaomaError('internal', `Journal ${entry.kind}/${entry.ref} is unbalanced by ${sum} ${cur}.`);
  }
}

export const accounts = {
  clearing: (channel: string) => `channel_clearing:${channel}`,
  payable: (merchantId: string) => `merchant_payable:${merchantId}`,
  cashDrawer: (terminalId: string) => `cash_drawer:${terminalId}`,
  /** Cash found over (credit) or short (debit) when a drawer is counted at the end of a shift. */
  overShort: (merchantId: string) => `cash_over_short:${merchantId}`,
  /** What one side (a wallet's bill or our books) shows and the other does not, until a person repairs it. */
  suspense: (merchantId: string) => `suspense:${merchantId}`,
};

/** Where a tender's money sits until settlement: the channel's clearing account, or the till for cash. */
function sourceAccount(channel: string, terminalId: string): string {
  return channel === 'cash' ? accounts.cashDrawer(terminalId) : accounts.clearing(channel);
}

export function paymentEntry(p: { id: string; merchantId: string; terminalId: string; channel: string; amount: number; currency: Currency }): JournalEntry {
  const entry: JournalEntry = {
    kind: 'payment',
    ref: p.id,
    merchantId: p.merchantId,
    postings: [
      { account: sourceAccount(p.channel, p.terminalId), amount: p.amount, currency: p.currency },
      { account: accounts.payable(p.merchantId), amount: -p.amount, currency: p.currency },
    ],
  };
  assertBalanced(entry);
  return entry;
}

/** A refund or a reversal of a succeeded payment: the payment entry mirrored for `amount`. */
export function refundEntry(
  kind: 'refund' | 'reversal',
  r: { id: string; merchantId: string; terminalId: string; channel: string; amount: number; currency: Currency },
): JournalEntry {
  const entry: JournalEntry = {
    kind,
    ref: r.id,
    merchantId: r.merchantId,
    postings: [
      { account: accounts.payable(r.merchantId), amount: r.amount, currency: r.currency },
      { account: sourceAccount(r.channel, r.terminalId), amount: -r.amount, currency: r.currency },
    ],
  };
  assertBalanced(entry);
  return entry;
}
