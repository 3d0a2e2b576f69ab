import { exponent, isCurrency } from '../core/money.ts';
import { labelsFor, walletName } from './labels.ts';
import type { Copy, ReceiptData, ReceiptLang } from './model.ts';

/**
 * An amount as printed. CNY uses the full-width ￥ (U+FFE5): the half-width ¥ is a four-byte
 * GB18030 sequence that GBK-font printers print as "0 6". Integer arithmetic only.
 */
export function printedAmount(minor: number, currency: string): string {
  const digits = isCurrency(currency) ? exponent(currency) : 2;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const unit = 10 ** digits;
  const whole = Math.floor(abs / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = digits > 0 ? `.${String(abs % unit).padStart(digits, '0')}` : '';
  const symbol = currency === 'CNY' ? '￥' : `${currency} `;
  return `${sign}${symbol}${whole}${frac}`;
}

/** An instant as the merchant's wall clock: 2026-11-26 08:30:15. */
export function localTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(d);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')}`;
}

/**
 * What a template sees: every figure already formatted for paper, so templates hold layout and words
 * only. Sections a slip does not have are absent, so `{{#sale}}…{{/sale}}` prints nothing.
 */
export function receiptView(data: ReceiptData, lang: ReceiptLang, copy: Copy = 'customer'): Record<string, unknown> {
  const cur = data.currency;
  const amt = (m: number) => printedAmount(m, cur);
  const tz = data.merchant.timezone;
  const label = labelsFor(lang);
  const sale = data.sale
    ? {
        id: data.sale.id,
        number: data.sale.number ?? data.sale.id,
        time: localTime(data.sale.createdAt, tz),
        total: amt(data.sale.amount),
        items: (data.sale.items ?? []).map((i) => ({ name: i.name, quantity: i.quantity, price: amt(i.unitPrice), total: amt(i.unitPrice * i.quantity) })),
        hasItems: (data.sale.items ?? []).length > 0,
        tenders: data.sale.tenders.map((t) => ({
          wallet: walletName(lang, t.channel),
          amount: amt(t.amount),
          isCash: t.channel === 'cash',
          tendered: t.tendered != null ? amt(t.tendered) : null,
          change: t.change ? amt(t.change) : null,
          txn: t.channelTradeNo ?? null,
          outTradeNo: t.outTradeNo ?? null,
        })),
        change: data.sale.change ? amt(data.sale.change) : null,
        gifts: (data.sale.gifts ?? []).map((g) => ({ name: g.name, quantity: g.quantity })),
        hasGifts: (data.sale.gifts ?? []).length > 0,
        note: data.sale.note ?? null,
      }
    : null;
  const refund = data.refund
    ? {
        amount: amt(data.refund.amount),
        original: amt(data.refund.originalAmount),
        wallet: walletName(lang, data.refund.channel),
        number: data.refund.outRefundNo,
        txn: data.refund.channelRefundNo ?? null,
        reason: data.refund.reason ?? null,
        time: localTime(data.refund.at, tz),
        saleId: data.refund.saleId ?? null,
      }
    : null;
  const shift = data.shift
    ? {
        id: data.shift.id,
        opened: localTime(data.shift.openedAt, tz),
        closed: data.shift.closedAt ? localTime(data.shift.closedAt, tz) : null,
        openedBy: data.shift.openedBy,
        closedBy: data.shift.closedBy ?? null,
        float: amt(data.shift.openingFloat),
        expected: amt(data.shift.expectedCash),
        counted: data.shift.countedCash != null ? amt(data.shift.countedCash) : null,
        difference: data.shift.countedCash != null ? amt(data.shift.countedCash - data.shift.expectedCash) : null,
        totals: data.shift.totals.map((t) => ({ wallet: walletName(lang, t.channel), count: t.count, amount: amt(t.amount), refunded: amt(t.refunded) })),
      }
    : null;
  const daily = data.daily
    ? (() => {
        const d = data.daily;
        const gross = d.totals.reduce((n, t) => n + t.amount, 0);
        const refunded = d.totals.reduce((n, t) => n + t.refunded, 0);
        return {
          date: d.date, sales: d.sales, cancelled: d.cancelled,
          totals: d.totals.map((t) => ({ wallet: walletName(lang, t.channel), count: t.count, amount: amt(t.amount), refunded: amt(t.refunded) })),
          gross: amt(gross), refunded: amt(refunded), net: amt(gross - refunded),
        };
      })()
    : null;
  return {
    label,
    copy: copy === 'customer' ? label.customerCopy : label.merchantCopy,
    isMerchantCopy: copy === 'merchant',
    merchant: { name: data.merchant.name },
    store: { name: data.store.name, address: data.store.address ?? null },
    terminal: data.terminal ? { name: data.terminal.name } : null,
    operator: data.operator ? { name: data.operator.name } : null,
    time: localTime(data.at, tz),
    sale,
    refund,
    shift,
    daily,
    verification: data.verification
      ? { code: data.verification.code, url: data.verification.url, signature: data.verification.signaturePng ?? null }
      : null,
    qr: data.qr ? { url: data.qr.url, title: data.qr.title ?? null, amount: data.qr.amount != null ? amt(data.qr.amount) : null } : null,
  };
}
