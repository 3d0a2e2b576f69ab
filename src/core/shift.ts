import type { ShiftTotal } from './domain.ts';
import { SaomaError } from './errors.ts';
import { accounts, assertBalanced, type JournalEntry } from './ledger.ts';
import { MAX_MINOR, type Currency } from './money.ts';

/**
 * The rules of a shift's cash count, with no I/O: what the drawer should hold, how far the count is
 * off, and the ledger entry that books the difference.
 */

/** A count of cash (the opening float, the closing count): a whole number of minor units, zero allowed. */
export function checkCashCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SaomaError('invalid_amount', `${field} must be a whole number of minor units (fen), e.g. 50000 for ¥500.00.`);
  }
  if (value < 0) throw new SaomaError('invalid_amount', `${field} cannot be negative; count the cash in the drawer (0 if it is empty).`);
  if (value > MAX_MINOR) throw new SaomaError('invalid_amount', `${field} must not exceed ${MAX_MINOR} minor units.`);
  return value;
}

/** One channel's succeeded payments, and succeeded refunds, during a shift at one terminal. */
export interface ChannelTakings {
  channel: string;
  count: number;
  amount: number;
  refunded: number;
}

/**
 * Per-channel totals, channels in name order, every channel that took or gave back money. Cash
 * payments are counted at the amount applied to the sale: change handed back never stays in the drawer.
 */
export function shiftTotals(
  payments: readonly { channel: string; count: number; amount: number }[],
  refunds: readonly { channel: string; amount: number }[],
): ShiftTotal[] {
  const by = new Map<string, ShiftTotal>();
  const get = (channel: string) => {
    let t = by.get(channel);
    if (!t) by.set(channel, t = { channel, count: 0, amount: 0, refunded: 0 });
    return t;
  };
  for (const p of payments) {
    const t = get(p.channel);
    t.count += p.count;
    t.amount += p.amount;
  }
  for (const r of refunds) get(r.channel).refunded += r.amount;
  return [...by.values()].sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0));
}

/** What the drawer should hold: the float, plus cash taken, minus cash given back as refunds. */
export function expectedCash(openingFloat: number, totals: readonly ShiftTotal[]): number {
  const cash = totals.find((t) => t.channel === 'cash');
  return openingFloat + (cash?.amount ?? 0) - (cash?.refunded ?? 0);
}

/** Counted − expected: over is positive, short is negative. */
export function cashDifference(counted: number, expected: number): number {
  return counted - expected;
}

/**
 * The entry that makes the books agree with the drawer: cash found over is debited to the drawer and
 * credited to over/short; cash short the other way round. No entry when the count is exact.
 */
export function cashCountEntry(s: { shiftId: string; merchantId: string; terminalId: string; difference: number; currency: Currency }): JournalEntry | null {
  if (s.difference === 0) return null;
  const entry: JournalEntry = {
    kind: 'cash_count',
    ref: s.shiftId,
    merchantId: s.merchantId,
    postings: [
      { account: accounts.cashDrawer(s.terminalId), amount: s.difference, currency: s.currency },
      { account: accounts.overShort(s.merchantId), amount: -s.difference, currency: s.currency },
    ],
  };
  assertBalanced(entry);
  return entry;
}
