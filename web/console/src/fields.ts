/**
 * The fields a template can use, as src/receipts/view.ts builds them (every figure already formatted
 * for paper). Shown in the cheat sheet; clicking one inserts it.
 */
const common = ['merchant.name', 'store.name', 'store.address', 'terminal.name', 'operator.name', 'time', 'copy', '#isMerchantCopy', 'label.…'];
const sale = ['sale.number', 'sale.time', 'sale.total', '#sale.hasItems', '#sale.items: name quantity price total', '#sale.tenders: wallet amount tendered change txn outTradeNo isCash', 'sale.change', '#sale.hasGifts', '#sale.gifts: name quantity', 'sale.note'];
const refund = ['refund.amount', 'refund.original', 'refund.wallet', 'refund.number', 'refund.txn', 'refund.reason', 'refund.time', 'refund.saleId'];
const shift = ['shift.id', 'shift.opened', 'shift.closed', 'shift.openedBy', 'shift.closedBy', 'shift.float', 'shift.expected', 'shift.counted', 'shift.difference', '#shift.totals: wallet count amount refunded'];
const verification = ['verification.code', 'verification.url', 'verification.signature'];
const qr = ['qr.url', 'qr.title', 'qr.amount'];

export const FIELDS: Record<string, string[]> = {
  sale: [...common, ...sale],
  refund: [...common, ...refund],
  kitchen: [...common, ...sale],
  shift: [...common, ...shift],
  verification: [...common, ...sale, ...verification],
  qr_slip: [...common, ...qr],
};

/** What clicking a field inserts: {{a.b}}, or an open/close pair for a group or list. */
export function snippet(field: string): string {
  const name = field.replace(/^#/, '').split(':')[0]!.trim().replace('…', 'name');
  return field.startsWith('#') ? `{{#${name}}}\n{{/${name}}}` : `{{${name}}}`;
}
