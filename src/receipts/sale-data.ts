import { SaomaError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import type { ReceiptData } from './model.ts';

/**
 * A receipt's data from the books: a sale (or a lone payment, which the POS takes without a sale)
 * with its succeeded tenders, the wallets' own transaction numbers, change, and refunds so far.
 * Amounts come from the rows as stored (integer minor units); nothing is recomputed.
 */
export async function receiptDataFor(store: Store, merchantId: string, ref: { saleId: string } | { paymentId: string }): Promise<ReceiptData> {
  const db = store.db;
  let saleId: string | null = null;
  let lone: string | null = null;
  if ('saleId' in ref) saleId = ref.saleId;
  else {
    const p = await db.selectFrom('payments').select(['id', 'sale_id']).where('id', '=', ref.paymentId).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!p) throw new SaomaError('not_found', `No payment ${ref.paymentId} for this merchant.`);
    if (p.sale_id) saleId = p.sale_id; else lone = p.id;
  }
  const sale = saleId
    ? await db.selectFrom('sales').selectAll().where('id', '=', saleId).where('merchant_id', '=', merchantId).executeTakeFirst()
    : null;
  if (saleId && !sale) throw new SaomaError('not_found', `No sale ${saleId} for this merchant.`);
  const payments = await db.selectFrom('payments').selectAll()
    .where(sale ? 'sale_id' : 'id', '=', sale ? sale.id : lone!)
    .where('merchant_id', '=', merchantId)
    .orderBy('created_at').execute();
  const paid = payments.filter((p) => p.state === 'succeeded');
  const first = sale ?? payments[0];
  if (!first) throw new SaomaError('not_found', 'Nothing to print for that reference.');
  const ctx = await db.selectFrom('merchants as m').innerJoin('stores as s', 's.merchant_id', 'm.id').innerJoin('terminals as t', 't.store_id', 's.id')
    .select(['m.name as merchant', 'm.timezone', 's.name as store', 't.name as terminal'])
    .where('m.id', '=', merchantId).where('s.id', '=', first.store_id).where('t.id', '=', first.terminal_id)
    .executeTakeFirstOrThrow();
  const refunds = paid.length
    ? await db.selectFrom('refunds').selectAll().where('payment_id', 'in', paid.map((p) => p.id)).where('state', '=', 'succeeded').orderBy('created_at').execute()
    : [];
  // The cashier is whoever had the shift open at the terminal when the sale began.
  const shift = await db.selectFrom('shifts').select('opened_by_name').where('terminal_id', '=', first.terminal_id).where('opened_at', '<=', first.created_at)
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>', first.created_at)])).orderBy('opened_at', 'desc').executeTakeFirst();
  const items = sale?.items ? (JSON.parse(sale.items) as Array<{ name: string; quantity: number; unitPrice: number }>) : null;
  const change = paid.reduce((n, p) => n + (p.change ?? 0), 0);
  return {
    merchant: { name: ctx.merchant, timezone: ctx.timezone },
    store: { name: ctx.store },
    terminal: { name: ctx.terminal },
    operator: shift ? { name: shift.opened_by_name } : null,
    currency: first.currency,
    at: new Date().toISOString(),
    sale: {
      id: sale?.id ?? first.id,
      number: sale ? sale.id : (payments[0]?.out_trade_no ?? first.id),
      createdAt: first.created_at,
      amount: sale?.amount ?? payments[0]!.amount,
      items,
      tenders: paid.map((p) => ({
        channel: p.channel, amount: p.amount, tendered: p.tendered, change: p.change, channelTradeNo: p.channel_trade_no, outTradeNo: p.out_trade_no,
      })),
      change,
      gifts: null,
      note: sale?.description ?? null,
    },
    refund: refunds.length
      ? {
          amount: refunds.reduce((n, r) => n + r.amount, 0), channel: paid.find((p) => p.id === refunds[0]!.payment_id)!.channel,
          outRefundNo: refunds.map((r) => r.out_refund_no).join(', '), reason: refunds[refunds.length - 1]!.reason, at: refunds[refunds.length - 1]!.created_at,
          channelRefundNo: refunds[refunds.length - 1]!.channel_refund_no, saleId: sale?.id ?? null, originalAmount: sale?.amount ?? payments[0]!.amount,
        }
      : null,
  };
}

/** Whether a sale (or lone payment) took cash: its first receipt opens the drawer. */
export function tookCash(d: ReceiptData): boolean {
  return (d.sale?.tenders ?? []).some((t) => t.channel === 'cash');
}
