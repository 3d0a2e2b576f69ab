/**
 * What the back-office screens read from the API (sales with their tenders and refunds, shifts) and
 * the pure rules on it: how much of a tender is still refundable, and whether a typed refund fits.
 */
import { parseAmount } from '../amount.ts';
import { call, type Client, type Payment } from '../api.ts';

export type RefundState = 'pending' | 'unknown' | 'succeeded' | 'failed';
export interface Refund {
  id: string;
  paymentId: string;
  outRefundNo: string;
  amount: number;
  currency: string;
  state: RefundState;
  reason: string | null;
  channelRefundNo: string | null;
  failureMessage: string | null;
  createdBy?: { id: string; name: string } | null;
  createdAt: string;
}

/** A tender as the history shows it: the payment plus what the wallet and the drawer said. */
export interface Tender extends Payment {
  saleId: string | null;
  channelTradeNo: string | null;
  refunded: number;
  tendered: number | null;
  change: number | null;
  createdAt: string;
}

export interface SaleItem { name: string; quantity: number; unitPrice: number }
export interface OfficeSale {
  id: string;
  merchantId: string;
  storeId: string;
  terminalId: string;
  amount: number;
  currency: string;
  state: string;
  paid: number;
  change: number;
  description: string | null;
  createdAt: string;
  items?: SaleItem[] | null;
  payments: Tender[];
  refunds?: Refund[];
}

export interface ShiftTotal { channel: string; count: number; amount: number; refunded: number }
export interface Shift {
  id: string;
  terminalId: string;
  merchantId?: string;
  storeId?: string;
  openedBy: { id: string; name: string };
  openedAt: string;
  openingFloat: number;
  currency: string;
  closedAt: string | null;
  closedBy: { id: string; name: string } | null;
  countedCash: number | null;
  expectedCash: number;
  difference: number | null;
  totals: ShiftTotal[];
}

export const FINAL_REFUND: readonly RefundState[] = ['succeeded', 'failed'];

/**
 * What is left to refund on one tender: nothing unless it succeeded; refunds still in flight count
 * against it (the server counts them the same way, so two partial refunds never exceed what was paid).
 */
export function refundable(p: { state: string; amount: number; refunded?: number }, refunds: readonly { paymentId: string; amount: number; state: string }[], paymentId: string): number {
  if (p.state !== 'succeeded') return 0;
  let taken = 0;
  for (const r of refunds) if (r.paymentId === paymentId && r.state !== 'failed') taken += r.amount;
  return Math.max(0, p.amount - Math.max(taken, p.refunded ?? 0));
}

export type RefundCheck = { ok: true; minor: number } | { ok: false; reason: 'amountEmpty' | 'amountInvalid' | 'amountTooManyDecimals' | 'amountZero' | 'amountTooLarge' | 'refundTooMuch' | 'refundNothingLeft' };
/** A typed refund amount, parsed exactly as a sale amount, and never more than what is left. */
export function checkRefund(text: string, left: number): RefundCheck {
  if (left <= 0) return { ok: false, reason: 'refundNothingLeft' };
  const r = parseAmount(text);
  if (!r.ok) return r.reason === 'amountTooLarge' ? { ok: false, reason: 'refundTooMuch' } : r;
  if (r.minor > left) return { ok: false, reason: 'refundTooMuch' };
  return r;
}

/** The refunds of every tender of a sale: from the sale when the server includes them, else per tender. */
export async function saleRefunds(client: Client, sale: OfficeSale): Promise<Refund[]> {
  if (sale.refunds) return sale.refunds;
  const lists = await Promise.all(sale.payments.filter((p) => p.state === 'succeeded' || p.refunded > 0)
    .map((p) => call<{ data: Refund[] }>(client, 'GET', `/v1/payments/${encodeURIComponent(p.id)}/refunds`)));
  const all: Refund[] = [];
  for (const l of lists) all.push(...l.data);
  return all;
}

/** The merchant's name and time zone, the store's and the terminal's names, for headings and receipts; each optional. */
export interface Place { merchant: string | null; timezone: string | null; store: string | null; terminal: string | null }
const places = new Map<string, Promise<Place>>();
export function loadPlace(client: Client, merchantId: string, storeId: string, terminalId: string): Promise<Place> {
  const k = `${merchantId}|${storeId}|${terminalId}`;
  let p = places.get(k);
  if (!p) {
    const base = `/v1/merchants/${encodeURIComponent(merchantId)}`;
    const soft = <T,>(q: Promise<T>) => q.catch(() => null);
    p = Promise.all([
      soft(call<{ name: string; timezone: string }>(client, 'GET', base)),
      soft(call<{ data: Array<{ id: string; name: string }> }>(client, 'GET', `${base}/stores`)),
      soft(call<{ data: Array<{ id: string; name: string }> }>(client, 'GET', `${base}/terminals`)),
    ]).then(([m, s, t]) => {
      const place: Place = {
        merchant: m ? m.name : null,
        timezone: m ? m.timezone : null,
        store: s ? (s.data.filter((x) => x.id === storeId)[0] || { name: null }).name : null,
        terminal: t ? (t.data.filter((x) => x.id === terminalId)[0] || { name: null }).name : null,
      };
      if (!m) places.delete(k);
      return place;
    });
    places.set(k, p);
  }
  return p;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();
/** A timestamp in the merchant's own time zone (the counter's clock may be set to anything). */
export function formatTime(lang: string, iso: string, timezone: string | null, withDate = true): string {
  const locale = lang === 'zh-Hans' ? 'zh-CN' : lang === 'zh-Hant' ? 'zh-TW' : 'en-GB';
  const k = `${locale}|${timezone}|${withDate}`;
  let f = timeFormats.get(k);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    if (withDate) { opts.year = 'numeric'; opts.month = '2-digit'; opts.day = '2-digit'; }
    try { f = new Intl.DateTimeFormat(locale, timezone ? { ...opts, timeZone: timezone } : opts); } catch { f = new Intl.DateTimeFormat(locale, opts); }
    timeFormats.set(k, f);
  }
  return f.format(new Date(iso));
}
