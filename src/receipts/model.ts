/**
 * What a receipt is made from. Amounts are integer minor units with their currency; times are ISO
 * instants shown in the merchant's time zone. Every kind of slip reads the same shape, with the
 * section it needs filled in.
 */
export type ReceiptKind = 'sale' | 'refund' | 'kitchen' | 'shift' | 'daily' | 'verification' | 'qr_slip';
export const RECEIPT_KINDS: readonly ReceiptKind[] = ['sale', 'refund', 'kitchen', 'shift', 'daily', 'verification', 'qr_slip'];

/** One language, or Chinese with English beside it (labels read "合计 Total"). */
export type ReceiptLang = 'zh-Hans' | 'zh-Hant' | 'en' | 'zh-Hans+en' | 'zh-Hant+en';
export const RECEIPT_LANGS: readonly ReceiptLang[] = ['zh-Hans', 'zh-Hant', 'en', 'zh-Hans+en', 'zh-Hant+en'];

export type Copy = 'customer' | 'merchant';

export interface ReceiptItem { name: string; quantity: number; unitPrice: number }

export interface ReceiptTender {
  /** sandbox, alipay, wechat, unionpay, qq or cash. */
  channel: string;
  amount: number;
  /** Cash handed over and change given back (cash only). */
  tendered?: number | null;
  change?: number | null;
  /** The wallet's own transaction number, what a customer quotes in a dispute. */
  channelTradeNo?: string | null;
  outTradeNo?: string | null;
}

export interface ReceiptRefund { amount: number; channel: string; outRefundNo: string; reason?: string | null; at: string; channelRefundNo?: string | null }

export interface ReceiptData {
  merchant: { name: string; timezone: string };
  store: { name: string; address?: string | null };
  terminal?: { name: string } | null;
  operator?: { name: string } | null;
  currency: string;
  /** When the slip is printed (or the event it records happened). */
  at: string;
  sale?: {
    id: string;
    number?: string | null;
    createdAt: string;
    amount: number;
    items?: ReceiptItem[] | null;
    tenders: ReceiptTender[];
    change?: number;
    gifts?: Array<{ name: string; quantity: number }> | null;
    note?: string | null;
  } | null;
  refund?: (ReceiptRefund & { saleId?: string | null; originalAmount: number; refundedBefore?: number }) | null;
  shift?: {
    id: string;
    openedAt: string;
    closedAt?: string | null;
    openedBy: string;
    closedBy?: string | null;
    openingFloat: number;
    expectedCash: number;
    countedCash?: number | null;
    totals: Array<{ channel: string; count: number; amount: number; refunded: number }>;
  } | null;
  /** A store's day (日结): what was taken per wallet, refunded, and the sales count. */
  daily?: {
    date: string;
    sales: number;
    cancelled: number;
    totals: Array<{ channel: string; count: number; amount: number; refunded: number }>;
  } | null;
  verification?: {
    code: string;
    url: string;
    /** The customer's signature as a PNG, base64, already sized for the paper. */
    signaturePng?: string | null;
  } | null;
  qr?: { url: string; title?: string | null; amount?: number | null } | null;
}
