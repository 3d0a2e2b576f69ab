import type { Currency } from './money.ts';
import type { PaymentState } from './payment-state.ts';
import type { RefundState } from './refund-state.ts';

/** The built-in channels; wallet adapters add their own names. */
export type ChannelName = 'sandbox' | 'cash' | (string & {});

/**
 * How the money is collected: we show a QR (C scans B), we scan the customer's code (B scans C), cash,
 * or `in_app`: the customer pays inside the wallet app that opened a one-code stand (JSAPI or the
 * wallet's cashier page).
 */
export const METHODS = ['dynamic_qr', 'payment_code', 'cash', 'in_app'] as const;
export type PaymentMethod = (typeof METHODS)[number];

/** Orders the customer pays on their own phone: they expire, are closed at the wallet, and are never reversed. */
export function isCustomerPresented(method: PaymentMethod | string): boolean {
  return method === 'dynamic_qr' || method === 'in_app';
}

export const OPERATOR_ROLES = ['cashier', 'supervisor', 'manager'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export interface Merchant {
  id: string;
  name: string;
  timezone: string;
  currency: Currency;
  webhookUrl: string | null;
  createdAt: string;
}

export interface Store { id: string; merchantId: string; name: string; createdAt: string }
export interface Terminal { id: string; merchantId: string; storeId: string; name: string; createdAt: string }
export interface Operator { id: string; merchantId: string; storeId: string | null; name: string; role: OperatorRole; createdAt: string }

export type SaleState = 'open' | 'completed' | 'cancelled';

export interface Sale {
  id: string;
  merchantId: string;
  storeId: string;
  terminalId: string;
  amount: number;
  currency: Currency;
  state: SaleState;
  /** Succeeded tenders, cash counted at the amount applied to the sale (change excluded). */
  paid: number;
  change: number;
  description: string | null;
  /** What was sold, as keyed at the counter; null when the sale was rung up as a bare amount. */
  items: SaleItem[] | null;
  createdAt: string;
}

/** One line of a sale: `quantity × unitPrice` (minor units); the lines add up to the sale's amount. */
export interface SaleItem {
  name: string;
  quantity: number;
  unitPrice: number;
}

export interface Payment {
  id: string;
  merchantId: string;
  storeId: string;
  terminalId: string;
  saleId: string | null;
  outTradeNo: string;
  channel: ChannelName;
  method: PaymentMethod;
  amount: number;
  currency: Currency;
  state: PaymentState;
  channelTradeNo: string | null;
  qrCode: string | null;
  expiresAt: string | null;
  refunded: number;
  /** Cash only: what the customer handed over, and the change given back. */
  tendered: number | null;
  change: number | null;
  failureCode: string | null;
  failureMessage: string | null;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  finalAt: string | null;
}

export interface Refund {
  id: string;
  paymentId: string;
  merchantId: string;
  outRefundNo: string;
  amount: number;
  currency: Currency;
  state: RefundState;
  reason: string | null;
  channelRefundNo: string | null;
  failureMessage: string | null;
  /** The operator whose session made the refund (at a counter, the supervisor who approved it); null for API keys. */
  createdBy: { id: string; name: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** A cashier's turn at one terminal, opened and closed with a count of the cash drawer. */
export interface Shift {
  id: string;
  terminalId: string;
  storeId: string;
  merchantId: string;
  openedBy: { id: string; name: string };
  openedAt: string;
  /** The change float counted into the drawer at opening, minor units. */
  openingFloat: number;
  currency: Currency;
  closedAt: string | null;
  closedBy: { id: string; name: string } | null;
  countedCash: number | null;
  /** Opening float + cash taken − cash refunded during the shift; live while the shift is open. */
  expectedCash: number;
  /** counted − expected: over > 0, short < 0; null while open. */
  difference: number | null;
  totals: ShiftTotal[];
}

/** One channel's takings in a shift at one terminal. */
export interface ShiftTotal {
  channel: string;
  /** Succeeded payments taken during the shift. */
  count: number;
  amount: number;
  /** Succeeded refunds made during the shift, of payments taken at this terminal on this channel. */
  refunded: number;
}
