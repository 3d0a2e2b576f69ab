import type { Shift, ShiftTotal } from '../core/domain.ts';
import { SaomaError } from '../core/errors.ts';
import { parseCurrency, type Currency } from '../core/money.ts';
import { cashCountEntry, cashDifference, checkCashCount, expectedCash, shiftTotals } from '../core/shift.ts';
import { claimKey, findKey, replay, requestHash, storeResponse, type StoredResponse } from '../payments/idempotency.ts';
import { isUniqueViolation, nowIso, type Store, type Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { postJournal } from '../store/ledger-repo.ts';
import type { ShiftRow } from '../store/schema.ts';

/** The operator at a terminal who opens or closes a shift. */
export interface AtCounter {
  merchantId: string;
  storeId: string;
  terminalId: string;
  operatorId: string;
}

/** Which shifts a caller may see: one terminal's, or (terminalId undefined) all of the merchant's. */
export interface ShiftScope {
  merchantId: string;
  terminalId: string | undefined;
}

type Db = Store['db'] | Tx;

/**
 * Shifts and their cash count. The figures of a shift are read from the payments and refunds at its
 * terminal between opening and closing, so they can never drift from what was taken; they are frozen
 * onto the shift when it closes, in the same transaction as the ledger entry for any difference.
 */
export class ShiftService {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async open(at: AtCounter, input: { openingFloat: number; currency?: string | undefined }, idemKey: string | undefined): Promise<StoredResponse> {
    const openingFloat = checkCashCount(input.openingFloat, 'openingFloat');
    const merchant = await this.store.db.selectFrom('merchants').select('currency').where('id', '=', at.merchantId).executeTakeFirstOrThrow();
    const currency = parseCurrency(input.currency ?? merchant.currency);
    // The drawer is counted in the merchant's currency; a float in another would make the count meaningless.
    if (currency !== merchant.currency) throw new SaomaError('currency_mismatch', `This merchant's drawer is counted in ${merchant.currency}; send currency ${merchant.currency} or leave it out.`);
    const scope = `${at.merchantId}:shifts`;
    const hash = requestHash({ ...input, terminal: at.terminalId });
    const again = () => this.replayed(at.merchantId, scope, idemKey, hash);
    const replayed = await again();
    if (replayed) return replayed;
    const op = await this.store.db.selectFrom('operators').select(['id', 'name']).where('id', '=', at.operatorId).executeTakeFirstOrThrow();
    const id = newId('shf');
    const now = nowIso();
    try {
      return await this.store.write(async (tx) => {
        const row: ShiftRow = {
          id, merchant_id: at.merchantId, store_id: at.storeId, terminal_id: at.terminalId, currency, opening_float: openingFloat,
          opened_by: op.id, opened_by_name: op.name, opened_at: now, closed_at: null, closed_by: null, closed_by_name: null,
          counted_cash: null, expected_cash: null, difference: null, totals: null,
        };
        // The partial unique index (one open shift per terminal) is the arbiter when two tablets race.
        await tx.insertInto('shifts').values(row).execute();
        const response = { status: 201, body: await this.present(tx, row) };
        if (idemKey) {
          await claimKey(tx, scope, idemKey, hash, id, now);
          await storeResponse(tx, scope, idemKey, response);
        }
        return response;
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const r = await again();
      if (r) return r;
      const open = await this.openRow(this.store.db, at.terminalId);
      throw new SaomaError('shift_already_open', open
        ? `This terminal already has an open shift (${open.id}, opened by ${open.opened_by_name} at ${open.opened_at}); close it with a cash count before opening another.`
        : 'This terminal already has an open shift; close it with a cash count before opening another.', open ? { shiftId: open.id } : undefined);
    }
  }

  /** The terminal's open shift with live figures. */
  /** The answer already given to this Idempotency-Key (the shift as it is now, if it was stored by id). */
  private async replayed(merchantId: string, scope: string, idemKey: string | undefined, hash: string): Promise<StoredResponse | null> {
    const seen = idemKey ? await findKey(this.store, scope, idemKey) : undefined;
    if (!seen) return null;
    const r = replay(seen, hash);
    return r.kind === 'stored' ? r.response : { status: 200, body: await this.get({ merchantId, terminalId: undefined }, r.resourceId) };
  }

  async current(merchantId: string, terminalId: string): Promise<Shift> {
    const row = await this.openRow(this.store.db, terminalId);
    if (!row || row.merchant_id !== merchantId) throw new SaomaError('no_open_shift', 'No shift is open on this terminal. Open a shift with a cash count first.');
    return this.present(this.store.db, row);
  }

  async get(scope: ShiftScope, id: string): Promise<Shift> {
    const row = await this.store.db.selectFrom('shifts').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId)
      .$if(scope.terminalId !== undefined, (q) => q.where('terminal_id', '=', scope.terminalId!)).executeTakeFirst();
    if (!row) throw new SaomaError('not_found', `No shift ${id} ${scope.terminalId ? 'on this terminal' : 'for this merchant'}.`);
    return this.present(this.store.db, row);
  }

  /** Newest first; `before` is the `next` of the previous page (a shift id). */
  async list(scope: ShiftScope, opts: { limit: number; before?: string | undefined }): Promise<{ data: Shift[]; next?: string }> {
    const db = this.store.db;
    let q = db.selectFrom('shifts').selectAll().where('merchant_id', '=', scope.merchantId)
      .$if(scope.terminalId !== undefined, (b) => b.where('terminal_id', '=', scope.terminalId!));
    if (opts.before) {
      const c = await db.selectFrom('shifts').select(['id', 'opened_at']).where('id', '=', opts.before).where('merchant_id', '=', scope.merchantId).executeTakeFirst();
      if (!c) throw new SaomaError('invalid_request', `before must be the next value of the previous page (a shift id); ${opts.before} is not one.`);
      q = q.where((eb) => eb.or([eb('opened_at', '<', c.opened_at), eb.and([eb('opened_at', '=', c.opened_at), eb('id', '<', c.id)])]));
    }
    const rows = await q.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    const data: Shift[] = [];
    for (const r of rows) data.push(await this.present(db, r));
    return rows.length === opts.limit ? { data, next: rows[rows.length - 1]!.id } : { data };
  }

  /**
   * Close with the count of the drawer: the figures are frozen, and a difference is booked. With an
   * Idempotency-Key, a retry after a lost answer gets the closed shift again instead of shift_closed.
   */
  async close(at: AtCounter, id: string, input: { countedCash: number }, idemKey?: string): Promise<StoredResponse> {
    const counted = checkCashCount(input.countedCash, 'countedCash');
    const scope = `${at.merchantId}:shift-close`;
    const hash = requestHash({ ...input, shift: id });
    const again = () => this.replayed(at.merchantId, scope, idemKey, hash);
    const replayed = await again();
    if (replayed) return replayed;
    const op = await this.store.db.selectFrom('operators').select(['id', 'name']).where('id', '=', at.operatorId).executeTakeFirstOrThrow();
    try {
      return await this.closeNow(at, id, counted, op, idemKey ? { scope, key: idemKey, hash } : null);
    } catch (e) {
      // The same retry racing its first attempt: the loser finds the shift closed, and the key answered.
      if (idemKey && (isUniqueViolation(e) || (e instanceof SaomaError && e.code === 'shift_closed'))) {
        const r = await again();
        if (r) return r;
      }
      throw e;
    }
  }

  private closeNow(at: AtCounter, id: string, counted: number, op: { id: string; name: string }, idem: { scope: string; key: string; hash: string } | null): Promise<StoredResponse> {
    return this.store.write(async (tx) => {
      let q = tx.selectFrom('shifts').selectAll().where('id', '=', id).where('merchant_id', '=', at.merchantId);
      if (this.store.flavor === 'pg') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw new SaomaError('not_found', `No shift ${id} for this merchant.`);
      if (row.terminal_id !== at.terminalId) throw new SaomaError('forbidden', 'A shift is closed at its own terminal, where its drawer is; log in there to close it.');
      if (row.closed_at) throw closedAlready(row);
      const now = nowIso();
      const totals = await this.figures(tx, row.terminal_id, row.opened_at, now);
      const expected = expectedCash(row.opening_float, totals);
      const difference = cashDifference(counted, expected);
      const set = {
        closed_at: now, closed_by: op.id, closed_by_name: op.name, counted_cash: counted, expected_cash: expected, difference, totals: JSON.stringify(totals),
      };
      const r = await tx.updateTable('shifts').set(set).where('id', '=', id).where('closed_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw closedAlready(row);
      const entry = cashCountEntry({ shiftId: id, merchantId: row.merchant_id, terminalId: row.terminal_id, difference, currency: row.currency as Currency });
      if (entry) await postJournal(tx, entry, now);
      const response = { status: 200, body: toShift({ ...row, ...set }, totals, expected) };
      if (idem) {
        await claimKey(tx, idem.scope, idem.key, idem.hash, id, now);
        await storeResponse(tx, idem.scope, idem.key, response);
      }
      return response;
    });
  }

  private openRow(db: Db, terminalId: string): Promise<ShiftRow | undefined> {
    return db.selectFrom('shifts').selectAll().where('terminal_id', '=', terminalId).where('closed_at', 'is', null).executeTakeFirst();
  }

  /** A closed shift as frozen at closing; an open one with figures read now. */
  private async present(db: Db, row: ShiftRow): Promise<Shift> {
    if (row.closed_at) {
      const totals = row.totals ? (JSON.parse(row.totals) as ShiftTotal[]) : [];
      return toShift(row, totals, row.expected_cash ?? expectedCash(row.opening_float, totals));
    }
    const totals = await this.figures(db, row.terminal_id, row.opened_at, null);
    return toShift(row, totals, expectedCash(row.opening_float, totals));
  }

  /**
   * Succeeded payments taken at the terminal in [from, to), and succeeded refunds made in that window
   * of payments taken there (cash given back leaves this drawer, whenever the sale was).
   */
  private async figures(db: Db, terminalId: string, from: string, to: string | null): Promise<ShiftTotal[]> {
    const payments = await db.selectFrom('payments')
      .select(['channel', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('amount').as('total')])
      .where('terminal_id', '=', terminalId).where('state', '=', 'succeeded').where('created_at', '>=', from)
      .$if(to !== null, (q) => q.where('created_at', '<', to!))
      .groupBy('channel').execute();
    const refunds = await db.selectFrom('refunds as r').innerJoin('payments as p', 'p.id', 'r.payment_id')
      .select(['p.channel', (eb) => eb.fn.sum<number>('r.amount').as('total')])
      .where('p.terminal_id', '=', terminalId).where('r.state', '=', 'succeeded').where('r.created_at', '>=', from)
      .$if(to !== null, (q) => q.where('r.created_at', '<', to!))
      .groupBy('p.channel').execute();
    return shiftTotals(
      payments.map((p) => ({ channel: p.channel, count: Number(p.n), amount: Number(p.total ?? 0) })),
      refunds.map((r) => ({ channel: r.channel, amount: Number(r.total ?? 0) })),
    );
  }
}

function closedAlready(row: ShiftRow): SaomaError {
  return new SaomaError('shift_closed', `Shift ${row.id} is already closed${row.closed_at ? ` (at ${row.closed_at}${row.closed_by_name ? ` by ${row.closed_by_name}` : ''})` : ''}; GET /v1/shifts/${row.id} shows its count. Open a new shift to keep selling with a cash count.`, { shiftId: row.id });
}

function toShift(r: ShiftRow, totals: ShiftTotal[], expected: number): Shift {
  return {
    id: r.id, terminalId: r.terminal_id, storeId: r.store_id, merchantId: r.merchant_id,
    openedBy: { id: r.opened_by, name: r.opened_by_name }, openedAt: r.opened_at, openingFloat: r.opening_float, currency: r.currency as Currency,
    closedAt: r.closed_at, closedBy: r.closed_by ? { id: r.closed_by, name: r.closed_by_name ?? '' } : null,
    countedCash: r.counted_cash, expectedCash: expected, difference: r.difference, totals,
  };
}
