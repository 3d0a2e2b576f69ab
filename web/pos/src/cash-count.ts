/**
 * Counting the cash drawer: how many of each note and coin → an exact total in fen. Pure, so the
 * shift screens and the unit tests share it. All in integers: ¥0.1 is 10 fen, never 0.1 yuan.
 */
import { parseAmount } from './amount.ts';

/** Renminbi notes and coins in circulation at a counter, largest first, in fen. */
export const DENOMINATIONS: readonly number[] = [10000, 5000, 2000, 1000, 500, 100, 50, 10];

/** The most pieces of one denomination one count accepts: a typo guard, not a business rule. */
export const MAX_PIECES = 9999;

/** Pieces per denomination (fen → count); a denomination not present counts as 0. */
export type Counts = Readonly<Record<number, number>>;

/** The exact total of a count, in fen. */
export function countTotal(counts: Counts): number {
  let total = 0;
  for (const d of DENOMINATIONS) total += d * (counts[d] ?? 0);
  return total;
}

/** A typed piece count ("12"), or null when it is not a whole number from 0 to MAX_PIECES. */
export function parsePieces(text: string): number | null {
  const s = text.trim();
  if (s === '') return 0;
  if (!/^\d{1,4}$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_PIECES ? n : null;
}

/** One more (or fewer) of a denomination; never below 0 nor above MAX_PIECES. */
export function step(counts: Counts, denomination: number, by: number): Counts {
  const n = Math.min(MAX_PIECES, Math.max(0, (counts[denomination] ?? 0) + by));
  return { ...counts, [denomination]: n };
}

/**
 * A typed cash total ("350.00"). Unlike a sale amount, an empty drawer is a real count: "0" is 0 fen.
 */
export type CashResult = { ok: true; minor: number } | { ok: false; reason: 'amountEmpty' | 'amountInvalid' | 'amountTooManyDecimals' | 'amountTooLarge' };
export function parseCash(text: string): CashResult {
  const r = parseAmount(text);
  if (r.ok) return r;
  if (r.reason === 'amountZero') return { ok: true, minor: 0 };
  return { ok: false, reason: r.reason };
}

/** Counted minus expected: positive is over, negative is short, zero balances. */
export function cashDifference(expected: number, counted: number): { minor: number; kind: 'over' | 'short' | 'even' } {
  const minor = counted - expected;
  return { minor, kind: minor > 0 ? 'over' : minor < 0 ? 'short' : 'even' };
}
