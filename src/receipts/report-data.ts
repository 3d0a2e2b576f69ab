import type { Shift } from '../core/domain.ts';
import { SaomaError } from '../core/errors.ts';
import { startOfLocalDay } from '../core/time.ts';
import type { Store } from '../store/db.ts';
import type { ReceiptData } from './model.ts';
import { receiptDataFor } from './sale-data.ts';

/** The slips that are not a sale's receipt, from the books: a refund slip, a shift report, a store's day. */

/** The merchant, store (and terminal) as a slip names them. */
export async function slipPlace(store: Store, merchantId: string, storeId: string, terminalId: string | null) {
  const m = await store.db.selectFrom('merchants').select(['name', 'timezone', 'currency']).where('id', '=', merchantId).executeTakeFirst();
  const s = await store.db.selectFrom('stores').select('name').where('id', '=', storeId).where('merchant_id', '=', merchantId).executeTakeFirst();
  if (!m || !s) throw new SaomaError('not_found', `No store ${storeId} for this merchant.`);
  const t = terminalId ? await store.db.selectFrom('terminals').select('name').where('id', '=', terminalId).executeTakeFirst() : null;
  return { merchant: { name: m.name, timezone: m.timezone }, store: { name: s.name }, terminal: t ? { name: t.name } : null, currency: m.currency };
}

/** One refund's slip: the sale it came from, and this refund (who approved it signs the slip). */
export async function refundSlipData(store: Store, merchantId: string, refundId: string): Promise<ReceiptData> {
  const r = await store.db.selectFrom('refunds as r').innerJoin('payments as p', 'p.id', 'r.payment_id')
    .select(['r.id', 'r.amount', 'r.out_refund_no', 'r.reason', 'r.created_at', 'r.channel_refund_no', 'r.state', 'r.operator_name', 'p.id as payment_id', 'p.channel', 'p.amount as paid', 'p.sale_id'])
    .where('r.id', '=', refundId).where('r.merchant_id', '=', merchantId).executeTakeFirst();
  if (!r) throw new SaomaError('not_found', `No refund ${refundId} for this merchant.`);
  if (r.state !== 'succeeded') throw new SaomaError('invalid_transition', `Refund ${refundId} is ${r.state}; its slip prints once the wallet has refunded.`);
  const base = await receiptDataFor(store, merchantId, { paymentId: r.payment_id });
  return {
    ...base,
    operator: r.operator_name ? { name: r.operator_name } : base.operator ?? null,
    refund: {
      amount: r.amount, channel: r.channel, outRefundNo: r.out_refund_no, reason: r.reason, at: r.created_at, channelRefundNo: r.channel_refund_no,
      saleId: r.sale_id, originalAmount: r.paid,
    },
  };
}

export async function shiftReportData(store: Store, merchantId: string, shift: Shift): Promise<ReceiptData> {
  const p = await slipPlace(store, merchantId, shift.storeId, shift.terminalId);
  return {
    ...p, operator: { name: (shift.closedBy ?? shift.openedBy).name }, at: new Date().toISOString(),
    shift: {
      id: shift.id, openedAt: shift.openedAt, closedAt: shift.closedAt, openedBy: shift.openedBy.name, closedBy: shift.closedBy?.name ?? null,
      openingFloat: shift.openingFloat, expectedCash: shift.expectedCash, countedCash: shift.countedCash, totals: shift.totals,
    },
  };
}

/** A calendar date ("2026-11-26") as the merchant's local day: [its midnight, the next one). */
export function localDay(date: string, timeZone: string): { from: string; to: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const noon = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12) : NaN;
  if (Number.isNaN(noon) || new Date(noon).toISOString().slice(0, 10) !== date) {
    throw new SaomaError('invalid_request', `"${date}" is not a date; write it as YYYY-MM-DD, like 2026-11-26.`);
  }
  const from = startOfLocalDay(new Date(noon), timeZone);
  const to = startOfLocalDay(new Date(noon + 24 * 3_600_000), timeZone);
  return { from: from.toISOString(), to: to.toISOString() };
}

/** A store's day (日结): per wallet what was taken and refunded, the sales completed and cancelled. */
export async function dailyReportData(store: Store, merchantId: string, storeId: string, date: string): Promise<ReceiptData> {
  const p = await slipPlace(store, merchantId, storeId, null);
  const { from, to } = localDay(date, p.merchant.timezone);
  const db = store.db;
  const paid = await db.selectFrom('payments').select(['channel', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('amount').as('total')])
    .where('store_id', '=', storeId).where('state', '=', 'succeeded').where('created_at', '>=', from).where('created_at', '<', to)
    .groupBy('channel').execute();
  const refunded = await db.selectFrom('refunds as r').innerJoin('payments as p', 'p.id', 'r.payment_id')
    .select(['p.channel', (eb) => eb.fn.sum<number>('r.amount').as('total')])
    .where('p.store_id', '=', storeId).where('r.state', '=', 'succeeded').where('r.created_at', '>=', from).where('r.created_at', '<', to)
    .groupBy('p.channel').execute();
  const sales = await db.selectFrom('sales').select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('store_id', '=', storeId).where('created_at', '>=', from).where('created_at', '<', to).groupBy('state').execute();
  const channels = [...new Set([...paid.map((x) => x.channel), ...refunded.map((x) => x.channel)])].sort();
  const count = (state: string) => Number(sales.find((x) => x.state === state)?.n ?? 0);
  return {
    ...p, at: new Date().toISOString(),
    daily: {
      date, sales: count('completed') + (await loneCount()), cancelled: count('cancelled'),
      totals: channels.map((c) => {
        const x = paid.find((y) => y.channel === c);
        return { channel: c, count: Number(x?.n ?? 0), amount: Number(x?.total ?? 0), refunded: Number(refunded.find((y) => y.channel === c)?.total ?? 0) };
      }),
    },
  };

  /** Payments taken without a sale (a one-step QR or code) are sales too. */
  async function loneCount(): Promise<number> {
    const r = await db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('store_id', '=', storeId).where('state', '=', 'succeeded').where('sale_id', 'is', null).where('created_at', '>=', from).where('created_at', '<', to)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
