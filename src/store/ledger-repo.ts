import { sql } from 'kysely';
import type { JournalEntry } from '../core/ledger.ts';
import { accounts, assertBalanced } from '../core/ledger.ts';
import type { Store, Tx } from './db.ts';
import { newId } from './ids.ts';

/** Append one balanced journal entry. The (kind, ref) unique key makes a second posting for the same event impossible. */
export async function postJournal(tx: Tx, entry: JournalEntry, at: string): Promise<string> {
  assertBalanced(entry);
  const id = newId('jnl');
  await tx.insertInto('journals').values({ id, merchant_id: entry.merchantId, kind: entry.kind, ref: entry.ref, created_at: at }).execute();
  await tx.insertInto('postings').values(entry.postings.map((p) => ({
    journal_id: id, merchant_id: entry.merchantId, account: p.account, amount: p.amount, currency: p.currency, created_at: at,
  }))).execute();
  return id;
}

export interface LedgerCheck {
  ok: boolean;
  journals: number;
  postings: number;
  /** Sum of all postings per currency; must be 0 for each. */
  sums: Record<string, number>;
  unbalancedJournals: string[];
  succeededWithoutEntry: string[];
  entriesWithoutSuccess: string[];
  refundsWithoutEntry: string[];
  /** Closed shifts whose cash difference is not booked (or booked for another amount). */
  shiftsWithoutCashCount: string[];
  /** cash_count entries that belong to no closed shift with a difference. */
  cashCountsWithoutShift: string[];
}

/** The proof behind `saoma ledger check`: the books balance and match the payments, both ways. */
export async function checkLedger(store: Store, merchantId?: string): Promise<LedgerCheck> {
  const db = store.db;
  const sumsRows = await db.selectFrom('postings')
    .select(['currency', (eb) => eb.fn.sum<number>('amount').as('total'), (eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')])
    .$if(merchantId !== undefined, (q) => q.where('merchant_id', '=', merchantId!))
    .groupBy('currency').execute();
  const sums: Record<string, number> = {};
  let postings = 0;
  for (const r of sumsRows) {
    sums[r.currency] = Number(r.total);
    postings += Number(r.n);
  }
  const unbalanced = await db.selectFrom('postings').select('journal_id')
    .$if(merchantId !== undefined, (q) => q.where('merchant_id', '=', merchantId!))
    .groupBy(['journal_id', 'currency']).having(sql`sum(amount)`, '!=', 0).execute();
  const journals = await db.selectFrom('journals').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
    .$if(merchantId !== undefined, (q) => q.where('merchant_id', '=', merchantId!)).executeTakeFirstOrThrow();
  // Succeeded payments, and reversed ones that had succeeded first, carry a payment entry.
  const missing = await db.selectFrom('payments as p')
    .leftJoin('journals as j', (join) => join.onRef('j.ref', '=', 'p.id').on('j.kind', '=', 'payment'))
    .select('p.id').where('p.state', '=', 'succeeded').where('j.id', 'is', null)
    .$if(merchantId !== undefined, (q) => q.where('p.merchant_id', '=', merchantId!)).execute();
  const orphan = await db.selectFrom('journals as j')
    .leftJoin('payments as p', 'p.id', 'j.ref')
    .select('j.ref').where('j.kind', '=', 'payment')
    .where((eb) => eb.or([eb('p.id', 'is', null), eb('p.state', 'not in', ['succeeded', 'reversed'])]))
    .$if(merchantId !== undefined, (q) => q.where('j.merchant_id', '=', merchantId!)).execute();
  const refundsMissing = await db.selectFrom('refunds as r')
    .leftJoin('journals as j', (join) => join.onRef('j.ref', '=', 'r.id').on('j.kind', '=', 'refund'))
    .select('r.id').where('r.state', '=', 'succeeded').where('j.id', 'is', null)
    .$if(merchantId !== undefined, (q) => q.where('r.merchant_id', '=', merchantId!)).execute();
  const counts = await checkCashCounts(store, merchantId);
  const result: LedgerCheck = {
    ok: false,
    journals: Number(journals.n),
    postings,
    sums,
    unbalancedJournals: unbalanced.map((r) => r.journal_id),
    succeededWithoutEntry: missing.map((r) => r.id),
    entriesWithoutSuccess: orphan.map((r) => r.ref),
    refundsWithoutEntry: refundsMissing.map((r) => r.id),
    ...counts,
  };
  result.ok = Object.values(sums).every((s) => s === 0) && result.unbalancedJournals.length === 0 &&
    result.succeededWithoutEntry.length === 0 && result.entriesWithoutSuccess.length === 0 && result.refundsWithoutEntry.length === 0 &&
    result.shiftsWithoutCashCount.length === 0 && result.cashCountsWithoutShift.length === 0;
  return result;
}

/**
 * Cash counts both ways: every closed shift that was over or short has one entry moving exactly the
 * difference into its terminal's drawer, and every such entry has its shift. One row per shift, so
 * comparing in memory is cheap.
 */
async function checkCashCounts(store: Store, merchantId?: string): Promise<Pick<LedgerCheck, 'shiftsWithoutCashCount' | 'cashCountsWithoutShift'>> {
  const db = store.db;
  const shifts = await db.selectFrom('shifts').select(['id', 'terminal_id', 'difference'])
    .where('closed_at', 'is not', null).where('difference', '!=', 0)
    .$if(merchantId !== undefined, (q) => q.where('merchant_id', '=', merchantId!)).execute();
  const entries = await db.selectFrom('journals as j').innerJoin('postings as p', 'p.journal_id', 'j.id')
    .select(['j.ref', 'p.account', 'p.amount']).where('j.kind', '=', 'cash_count')
    .$if(merchantId !== undefined, (q) => q.where('j.merchant_id', '=', merchantId!)).execute();
  const drawerMoves = new Map<string, Map<string, number>>();
  for (const e of entries) {
    const m = drawerMoves.get(e.ref) ?? new Map<string, number>();
    m.set(e.account, (m.get(e.account) ?? 0) + Number(e.amount));
    drawerMoves.set(e.ref, m);
  }
  const shiftsWithoutCashCount = shifts
    .filter((sh) => drawerMoves.get(sh.id)?.get(accounts.cashDrawer(sh.terminal_id)) !== Number(sh.difference))
    .map((sh) => sh.id);
  const known = new Set(shifts.map((sh) => sh.id));
  const cashCountsWithoutShift = [...drawerMoves.keys()].filter((ref) => !known.has(ref));
  return { shiftsWithoutCashCount, cashCountsWithoutShift };
}
