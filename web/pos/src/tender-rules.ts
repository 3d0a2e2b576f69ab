/**
 * The sale and its tender lines as the terminal keeps them, and the rules the screen and the outbox
 * follow. Pure: no DOM, no network, so the decisions are unit-tested (test/unit/pos-outbox.test.ts).
 * The server has the last word on every rule here (src/core/sale.ts); these only stop the cashier
 * sending what would be refused, and decide what to send next.
 */
import type { Payment, PaymentState } from './api.ts';

export type Method = 'cash' | 'dynamic_qr' | 'payment_code';
export interface SaleItem { name: string; quantity: number; unitPrice: number }

/** A sale as recorded on the terminal before it is sent; `key` is its Idempotency-Key for POST /v1/sales. */
export interface SaleRecord {
  key: string;
  at: number;
  amount: number;
  currency: 'CNY';
  items: SaleItem[];
  /** Set once the server has answered POST /v1/sales. */
  saleId: string | null;
  /** The server refused the sale (its message); never sent again. */
  refused: string | null;
  /** The server's view of the sale, as last read. */
  state: 'open' | 'completed' | 'cancelled' | null;
  paid: number;
  change: number;
  /** The cashier has moved on (completed, or voided with nothing paid). */
  closed: boolean;
}

/** What one tender line sends: the same key and body on every retry, forever. */
export interface LineBody { outTradeNo: string; amount: number; currency: 'CNY'; method: Method; channel?: string; authCode?: string; tendered?: number }

export interface LineRecord {
  key: string;
  saleKey: string;
  at: number;
  body: LineBody;
  paymentId: string | null;
  /** The server's payment as last seen (its state is the only truth about money). */
  payment: Payment | null;
  refused: string | null;
  refusedStatus: number;
  /** The cashier asked to remove it: cancel at the wallet first, then remove. */
  cancelWanted: boolean;
  removed: boolean;
  /** A message about the last thing tried on this line (a refused cancel, say). */
  note: string | null;
}

const NOT_PAID: readonly PaymentState[] = ['failed', 'closed', 'reversed'];
export const isFinal = (s: PaymentState | null | undefined): boolean => s === 'succeeded' || (!!s && NOT_PAID.indexOf(s) >= 0);

/** Lines still part of the sale (not removed, not refused). */
export function liveLines(lines: readonly LineRecord[]): LineRecord[] {
  return lines.filter((l) => !l.removed && !l.refused);
}

/**
 * Due, paid (server-confirmed), committed (paid + what lines in flight or not yet synced would pay: the
 * server counts in-flight wallet lines the same way) and what is left to commit.
 */
export function totals(sale: Pick<SaleRecord, 'amount'>, lines: readonly LineRecord[]): { due: number; paid: number; committed: number; remaining: number } {
  let paid = 0;
  let committed = 0;
  for (const l of liveLines(lines)) {
    const state = l.payment ? l.payment.state : null;
    if (state && NOT_PAID.indexOf(state) >= 0) continue;
    const amount = l.payment ? l.payment.amount : l.body.amount;
    committed += amount;
    if (state === 'succeeded') paid += amount;
  }
  return { due: sale.amount, paid, committed, remaining: Math.max(0, sale.amount - committed) };
}

export type LineRefusal = 'nothingLeft' | 'amountZero' | 'lineOverRemaining' | 'lineInProgress';

/**
 * A new line, checked before anything is written or sent. Cash: `amount` is what the customer hands
 * over; the line applies at most what is left and the rest is change. Wallets may not exceed what is left.
 */
export function planLine(args: { remaining: number; method: Method; amount: number; walletInFlight: boolean }):
  { ok: true; amount: number; tendered?: number; change: number } | { ok: false; reason: LineRefusal } {
  if (args.remaining <= 0) return { ok: false, reason: 'nothingLeft' };
  if (!Number.isSafeInteger(args.amount) || args.amount <= 0) return { ok: false, reason: 'amountZero' };
  if (args.method === 'cash') {
    const applied = Math.min(args.amount, args.remaining);
    return { ok: true, amount: applied, tendered: args.amount, change: args.amount - applied };
  }
  if (args.walletInFlight) return { ok: false, reason: 'lineInProgress' };
  if (args.amount > args.remaining) return { ok: false, reason: 'lineOverRemaining' };
  return { ok: true, amount: args.amount, change: 0 };
}

export type LineView = 'recorded' | 'sending' | 'waiting' | 'paying' | 'unknown' | 'cancelling' | 'succeeded' | 'failed' | 'closed' | 'reversed' | 'refused';

/** The honest state of a line: only the server's `succeeded` is ever "paid". */
export function lineView(l: LineRecord, linkLost: boolean): LineView {
  if (l.refused) return 'refused';
  const p = l.payment;
  if (!p) return l.body.method === 'cash' ? 'recorded' : linkLost ? 'unknown' : 'sending';
  if (isFinal(p.state)) return p.state as LineView;
  if (l.cancelWanted) return 'cancelling';
  if (linkLost || p.state === 'unknown') return 'unknown';
  if (p.state === 'waiting_customer') return p.method === 'payment_code' ? 'paying' : 'waiting';
  return p.method === 'dynamic_qr' && p.qrCode ? 'waiting' : 'sending';
}

/** Whether a line is a wallet line the customer or the wallet may still move (not final, not refused). */
export function inFlight(l: LineRecord): boolean {
  return !l.removed && !l.refused && l.body.method !== 'cash' && !isFinal(l.payment ? l.payment.state : null);
}

export type RemoveCheck = 'remove' | 'cancelFirst' | 'paid' | 'unsynced';
/** Removing a line: a finished unpaid one just goes; one in progress is cancelled at the wallet first. */
export function removeCheck(l: LineRecord): RemoveCheck {
  if (l.refused) return 'remove';
  const s = l.payment ? l.payment.state : null;
  if (s === 'succeeded') return 'paid';
  if (s && NOT_PAID.indexOf(s) >= 0) return 'remove';
  if (!l.paymentId) return 'unsynced';
  return 'cancelFirst';
}

export type Step = 'create' | 'cancel' | 'follow' | 'waitSale' | 'none';
/** What the outbox does next for a line. */
export function nextStep(sale: Pick<SaleRecord, 'saleId' | 'refused'>, l: LineRecord): Step {
  if (l.removed || l.refused || sale.refused) return 'none';
  if (!l.paymentId) return sale.saleId ? 'create' : 'waitSale';
  if (isFinal(l.payment ? l.payment.state : null)) return 'none';
  return l.cancelWanted ? 'cancel' : 'follow';
}

/** Records the server has not acknowledged yet: the "waiting to sync" count, and what blocks logout. */
export function unsynced(sales: readonly SaleRecord[], lines: readonly LineRecord[]): number {
  const byKey: Record<string, SaleRecord> = {};
  for (const s of sales) byKey[s.key] = s;
  let n = 0;
  for (const s of sales) if (!s.saleId && !s.refused && !s.closed) n++;
  for (const l of lines) {
    const sale = byKey[l.saleKey];
    if (!sale || sale.refused || l.removed || l.refused) continue;
    if (!l.paymentId || (l.cancelWanted && !isFinal(l.payment ? l.payment.state : null))) n++;
  }
  return n;
}

/** How a server answer to creating something is taken: kept (try again later with the same key) or final. */
export function answerKind(e: { status: number; code: string } | null): 'retry' | 'refused' {
  if (!e) return 'retry';
  if (e.code === 'idempotency_in_progress' || e.status === 429 || e.status === 401 || e.status >= 500) return 'retry';
  return 'refused';
}

/** The sale's headline: paid only when the server says the sale is completed. */
export function headline(sale: SaleRecord, lines: readonly LineRecord[], linkLost: (key: string) => boolean): { view: LineView | 'due' | 'saleRefused' | 'confirming'; line: LineRecord | null } {
  if (sale.refused) return { view: 'saleRefused', line: null };
  if (sale.state === 'completed') return { view: 'succeeded', line: null };
  const shown = lines.filter((l) => !l.removed);
  const active = shown.filter((l) => inFlight(l));
  if (active.length) {
    const l = active[active.length - 1]!;
    return { view: lineView(l, linkLost(l.key)), line: l };
  }
  const unsent = shown.filter((l) => !l.refused && !l.paymentId);
  if (unsent.length) return { view: 'recorded', line: unsent[unsent.length - 1]! };
  const last = shown[shown.length - 1];
  if (last) {
    const v = lineView(last, linkLost(last.key));
    if (v === 'failed' || v === 'closed' || v === 'reversed' || v === 'refused') return { view: v, line: last };
    // A line paid but the sale not yet read back as completed: not "paid" until the server's sale says so.
    if (v === 'succeeded' && totals(sale, lines).remaining === 0) return { view: 'confirming', line: last };
  }
  return { view: 'due', line: null };
}
