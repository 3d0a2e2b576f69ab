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
  createdAt: string;
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
  createdAt: string;
  updatedAt: string;
}
