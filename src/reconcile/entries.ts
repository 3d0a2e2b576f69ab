import { accounts, assertBalanced, type JournalEntry } from '../core/ledger.ts';
import type { Currency } from '../core/money.ts';

/**
 * The ledger side of a mismatch, as new entries only (never edits). A mismatch's `delta` is what the
 * wallet holds beyond our books: holding it moves that much into the wallet's clearing account against
 * suspense, so clearing agrees with the bill while the difference waits in suspense for a person.
 * Then either releasing it (we were right; the hold is undone) or adjusting (the wallet was right; the
 * merchant's payable takes it) empties suspense again. Each is one journal per mismatch and kind.
 */
interface Held { id: string; merchantId: string; channel: string; delta: number; currency: string }

function entry(kind: JournalEntry['kind'], m: Held, legs: Array<[string, number]>): JournalEntry {
  const e: JournalEntry = { kind, ref: m.id, merchantId: m.merchantId, postings: legs.map(([account, amount]) => ({ account, amount, currency: m.currency as Currency })) };
  assertBalanced(e);
  return e;
}

export function holdEntry(m: Held): JournalEntry {
  return entry('recon_hold', m, [[accounts.clearing(m.channel), m.delta], [accounts.suspense(m.merchantId), -m.delta]]);
}

export function releaseEntry(m: Held): JournalEntry {
  return entry('recon_release', m, [[accounts.suspense(m.merchantId), m.delta], [accounts.clearing(m.channel), -m.delta]]);
}

export function adjustEntry(m: Held): JournalEntry {
  return entry('recon_adjust', m, [[accounts.suspense(m.merchantId), m.delta], [accounts.payable(m.merchantId), -m.delta]]);
}
