/** What the customer display shows for the sale on the counter (pure: from the outbox's view). */
import type { DisplayState } from '../../display/src/state.ts';
import { inFlight, totals, type LineRecord, type SaleRecord } from './tender-rules.ts';

export function displayState(v: { sale: SaleRecord | null; lines: LineRecord[] }): DisplayState {
  const sale = v.sale;
  if (!sale || sale.refused) return { view: 'idle' };
  const qr = v.lines.filter((l) => inFlight(l) && !l.cancelWanted && l.payment && l.payment.method === 'dynamic_qr' && l.payment.qrCode);
  const q = qr[qr.length - 1];
  if (q && q.payment) {
    return { view: 'qr', amount: q.payment.amount, currency: 'CNY', qrCode: q.payment.qrCode!, expiresAt: q.payment.expiresAt, paymentId: q.payment.id };
  }
  const paid = sale.state === 'completed' ? Math.max(sale.paid, totals(sale, v.lines).paid) : totals(sale, v.lines).paid;
  return { view: 'sale', amount: sale.amount, currency: 'CNY', due: Math.max(0, sale.amount - paid), paid, items: sale.items };
}
