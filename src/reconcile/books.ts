import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import type { BillLineIn, OurPayment, OurRefund } from './judge.ts';
import { SENT_REFUND_NO, SENT_TRADE_NO } from './trade-number.ts';

/**
 * Our side of a reconciliation, read from the books next to the bill's lines: each line with the
 * payment or refund of the same sent number, in pages (a million lines never sit in memory at once),
 * and our payments and refunds of the day that the bill does not list.
 */
const PAGE = 20_000;
const tradeNo = sql.ref(`p.${SENT_TRADE_NO}`);
const refundNo = sql.ref(`r.${SENT_REFUND_NO}`);

export interface LineWithOurs { seq: number; line: BillLineIn; payment: OurPayment | null; refund: OurRefund }

export async function* linesWithOurs(store: Store, run: { id: string; merchantId: string }, bps: number): AsyncGenerator<LineWithOurs[]> {
  let after = -1;
  // Only lines that can differ leave the database: the same tests as judgePayment / judgeRefund, as a
  // superset (a line left out is one those functions would find in order). The rest are matched.
  const fee = (col: ReturnType<typeof sql.ref>) => sql`((${col} * ${bps} + 5000) / 10000)`;
  const candidate = sql`(l.kind = 'payment' AND (p.id IS NULL OR p.state <> 'succeeded' OR p.amount <> l.amount OR p.currency <> l.currency OR l.fee <> ${fee(sql.ref('p.amount'))}))
    OR (l.kind = 'refund' AND (r.id IS NULL OR r.state <> 'succeeded' OR r.amount <> l.amount OR l.fee <> -${fee(sql.ref('r.amount'))}))`;
  for (;;) {
    const rows = await sql<{
      seq: number; kind: 'payment' | 'refund'; trade_no: string; refund_no: string | null; amount: number; fee: number; currency: string;
      pid: string | null; pstate: string | null; pamount: number | null; pcurrency: string | null; revlines: number | null;
      rid: string | null; rstate: string | null; ramount: number | null; rpid: string | null;
    }>`SELECT l.seq, l.kind, l.trade_no, l.refund_no, l.amount, l.fee, l.currency,
        p.id AS pid, p.state AS pstate, p.amount AS pamount, p.currency AS pcurrency,
        CASE WHEN p.state = 'reversed' THEN (SELECT count(*) FROM reconcile_lines l2 WHERE l2.trade_no = l.trade_no AND l2.run_id = l.run_id AND l2.kind = 'refund') ELSE 0 END AS revlines,
        r.id AS rid, r.state AS rstate, r.amount AS ramount, r.payment_id AS rpid
      FROM reconcile_lines l
      LEFT JOIN payments p ON p.merchant_id = ${run.merchantId} AND ${tradeNo} = l.trade_no
      LEFT JOIN refunds r ON l.kind = 'refund' AND r.merchant_id = ${run.merchantId} AND ${refundNo} = l.refund_no
      WHERE l.run_id = ${run.id} AND l.seq > ${after} AND (${candidate}) ORDER BY l.seq LIMIT ${PAGE}`.execute(store.db);
    if (rows.rows.length === 0) return;
    yield rows.rows.map((r) => ({
      seq: Number(r.seq),
      line: { kind: r.kind, tradeNo: r.trade_no, refundNo: r.refund_no, amount: Number(r.amount), fee: Number(r.fee), currency: r.currency },
      payment: r.pid === null ? null : { id: r.pid, state: r.pstate!, amount: Number(r.pamount), currency: r.pcurrency!, reversalListed: Number(r.revlines) > 0 },
      refund: {
        refund: r.rid === null ? null : { id: r.rid, state: r.rstate!, amount: Number(r.ramount), paymentId: r.rpid! },
        payment: r.pid === null ? null : { id: r.pid, state: r.pstate! },
      },
    }));
    after = Number(rows.rows[rows.rows.length - 1]!.seq);
    if (rows.rows.length < PAGE) return;
  }
}

export interface Unlisted { kind: 'payment' | 'refund'; id: string; paymentId: string; tradeNo: string; refundNo: string | null; amount: number; currency: string; at: string; state: string }

/**
 * Our money of the wallet day that no bill of this merchant and wallet lists: paid payments created in
 * the day, refunds that succeeded in it. A trade listed on another day's bill (it crossed midnight) is
 * not missing.
 */
export async function unlisted(store: Store, q: { merchantId: string; channel: string; from: string; to: string }): Promise<{ items: Unlisted[]; ours: OurTotals }> {
  // Probes the (trade_no, run_id) index once per trade of ours: never a scan of the lines.
  const listed = (kind: 'payment' | 'refund', col: ReturnType<typeof sql.ref>) => sql`NOT EXISTS (SELECT 1 FROM reconcile_lines l
    WHERE l.trade_no = ${kind === 'payment' ? col : tradeNo} AND l.kind = ${kind} ${kind === 'refund' ? sql`AND l.refund_no = ${col}` : sql``}
      AND l.run_id IN (SELECT u.id FROM reconcile_runs u WHERE u.merchant_id = ${q.merchantId} AND u.channel = ${q.channel}))`;
  const day = sql`p.merchant_id = ${q.merchantId} AND p.channel = ${q.channel} AND p.created_at >= ${q.from} AND p.created_at < ${q.to} AND p.state = 'succeeded'`;
  // Counted first, in the same pass as the day's totals; the rows are read only when some are missing.
  const head = await sql<{ n: number; s: number | null; missing: number | null }>`SELECT count(*) AS n, sum(p.amount) AS s,
    sum(CASE WHEN ${listed('payment', tradeNo)} THEN 1 ELSE 0 END) AS missing FROM payments p WHERE ${day}`.execute(store.db);
  const pays = Number(head.rows[0]?.missing ?? 0) === 0 ? { rows: [] } : await sql<{ id: string; no: string; amount: number; currency: string; at: string; final_at: string | null; state: string }>`
    SELECT p.id, ${tradeNo} AS no, p.amount, p.currency, p.created_at AS at, p.final_at, p.state FROM payments p WHERE ${day} AND ${listed('payment', tradeNo)}`.execute(store.db);
  const refunds = await sql<{ id: string; no: string; pid: string; tno: string; amount: number; currency: string; at: string; state: string }>`
    SELECT r.id, ${refundNo} AS no, p.id AS pid, ${tradeNo} AS tno, r.amount, r.currency, r.updated_at AS at, r.state FROM refunds r JOIN payments p ON p.id = r.payment_id
    WHERE r.merchant_id = ${q.merchantId} AND p.channel = ${q.channel} AND r.state = 'succeeded' AND r.updated_at >= ${q.from} AND r.updated_at < ${q.to}
      AND ${listed('refund', refundNo)}`.execute(store.db);
  const r = await sql<{ n: number; s: number | null }>`SELECT count(*) AS n, sum(r.amount) AS s FROM refunds r JOIN payments p ON p.id = r.payment_id
    WHERE r.merchant_id = ${q.merchantId} AND p.channel = ${q.channel} AND r.state = 'succeeded' AND r.updated_at >= ${q.from} AND r.updated_at < ${q.to}`.execute(store.db);
  const ours: OurTotals = { payments: Number(head.rows[0]?.n ?? 0), paymentAmount: Number(head.rows[0]?.s ?? 0), refunds: Number(r.rows[0]?.n ?? 0), refundAmount: Number(r.rows[0]?.s ?? 0) };
  return { ours, items: [
    ...pays.rows.map((p) => ({ kind: 'payment' as const, id: p.id, paymentId: p.id, tradeNo: p.no, refundNo: null, amount: Number(p.amount), currency: p.currency, at: p.final_at && p.final_at < q.to ? p.final_at : p.at, state: p.state })),
    ...refunds.rows.map((r) => ({ kind: 'refund' as const, id: r.id, paymentId: r.pid, tradeNo: r.tno, refundNo: r.no, amount: Number(r.amount), currency: r.currency, at: r.at, state: r.state })),
  ] };
}

export interface OurTotals { payments: number; paymentAmount: number; refunds: number; refundAmount: number }
