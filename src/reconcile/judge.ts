/**
 * The decisions of reconciliation, pure: a bill line against what our books say of the same trade or
 * refund, and a trade of ours the bill does not list. Amounts in integer minor units. A difference is a
 * mismatch of one type; `delta` is what the wallet holds beyond our books (> 0: 长款, the wallet has
 * more; < 0: 短款, it has less), and is what goes into suspense until a person repairs it.
 */

/** roncoo-pay's names in brackets: what each type means to a Chinese bookkeeper. */
export const MISMATCH_TYPES = [
  /** The wallet lists a trade or refund our books do not have at all (长款·平台漏单 / 退款漏单). */
  'wallet_only',
  /** The wallet took the money for a trade our books call not paid (长款·状态不符): a late payment. */
  'not_paid_in_saoma',
  /** Our books have it paid (or refunded) and the wallet's bill does not (短款·银行漏单). */
  'saoma_only',
  /** Both have it, for different amounts (金额不符). */
  'amount',
  /** The wallet's fee is not what the rate says (手续费不符). */
  'fee',
  /** Both have it and disagree on whether it happened (a refund we call failed or pending, 状态不符). */
  'status',
] as const;
export type MismatchType = typeof MISMATCH_TYPES[number];

export interface BillLineIn {
  kind: 'payment' | 'refund';
  tradeNo: string;
  refundNo: string | null;
  amount: number;
  fee: number;
  currency: string;
}

/** Our side of a payment line: the payment with that trade number, if any. */
export interface OurPayment {
  id: string;
  state: string;
  amount: number;
  currency: string;
  /** A reversed payment is consistent with a bill that lists its charge and its reversal: is the reversal line there? */
  reversalListed: boolean;
}

/** Our side of a refund line: the refund with that number, and the payment of the trade (a reversal has no refund of ours). */
export interface OurRefund {
  refund: { id: string; state: string; amount: number; paymentId: string } | null;
  payment: { id: string; state: string } | null;
}

export interface Finding {
  type: MismatchType;
  walletAmount: number | null;
  saomaAmount: number | null;
  walletFee: number | null;
  saomaFee: number | null;
  delta: number;
  paymentId: string | null;
  refundId: string | null;
  saomaState: string | null;
}

/** The wallet's fee at `bps` basis points, rounded half up to the fen (integers only); signed like `fen`. */
export function feeAt(fen: number, bps: number): number {
  const f = Math.floor((Math.abs(fen) * bps + 5000) / 10_000);
  return fen < 0 ? -f : f;
}

const base = { walletAmount: null, saomaAmount: null, walletFee: null, saomaFee: null, paymentId: null, refundId: null, saomaState: null };

/** A payment line against our payment of the same trade number. */
export function judgePayment(line: BillLineIn, ours: OurPayment | null, bps: number): Finding[] {
  if (!ours) return [{ ...base, type: 'wallet_only', walletAmount: line.amount, walletFee: line.fee, delta: line.amount }];
  const who = { paymentId: ours.id, saomaState: ours.state };
  if (ours.state === 'reversed' && ours.reversalListed) return [];
  if (ours.state !== 'succeeded') {
    return [{ ...base, ...who, type: 'not_paid_in_saoma', walletAmount: line.amount, walletFee: line.fee, saomaAmount: ours.amount, delta: line.amount }];
  }
  const out: Finding[] = [];
  if (line.amount !== ours.amount || line.currency !== ours.currency) {
    out.push({ ...base, ...who, type: 'amount', walletAmount: line.amount, saomaAmount: ours.amount, delta: line.amount - ours.amount });
  }
  const expected = feeAt(ours.amount, bps);
  if (line.fee !== expected) out.push({ ...base, ...who, type: 'fee', walletFee: line.fee, saomaFee: expected, delta: -(line.fee - expected) });
  return out;
}

/** A refund line against our refund of the same number (or, for a reversal, the reversed payment). */
export function judgeRefund(line: BillLineIn, ours: OurRefund, bps: number): Finding[] {
  const r = ours.refund;
  if (!r) {
    // A reversal (cancel/revoke) has no refund number of ours; the reversed payment stands for it.
    if (ours.payment?.state === 'reversed') return [];
    return [{ ...base, paymentId: ours.payment?.id ?? null, saomaState: ours.payment?.state ?? null, type: 'wallet_only', walletAmount: line.amount, walletFee: line.fee, delta: -line.amount }];
  }
  const who = { paymentId: r.paymentId, refundId: r.id, saomaState: r.state };
  if (r.state !== 'succeeded') return [{ ...base, ...who, type: 'status', walletAmount: line.amount, saomaAmount: r.amount, delta: -line.amount }];
  const out: Finding[] = [];
  if (line.amount !== r.amount) out.push({ ...base, ...who, type: 'amount', walletAmount: line.amount, saomaAmount: r.amount, delta: -(line.amount - r.amount) });
  const expected = feeAt(-r.amount, bps);
  if (line.fee !== expected) out.push({ ...base, ...who, type: 'fee', walletFee: line.fee, saomaFee: expected, delta: -(line.fee - expected) });
  return out;
}

/** A payment or refund of ours that the day's bill does not list: 短款, unless it sits at the day's edge. */
export function judgeUnlisted(item: { kind: 'payment' | 'refund'; id: string; paymentId: string; amount: number; at: string; state: string },
  day: { from: string; to: string }, edgeMinutes: number): Finding & { pool: boolean } {
  const t = Date.parse(item.at);
  const edge = edgeMinutes * 60_000;
  const pool = t - Date.parse(day.from) < edge || Date.parse(day.to) - t <= edge;
  return {
    ...base, type: 'saoma_only', pool, saomaAmount: item.amount, paymentId: item.paymentId, refundId: item.kind === 'refund' ? item.id : null,
    saomaState: item.state, delta: item.kind === 'payment' ? -item.amount : item.amount,
  };
}
