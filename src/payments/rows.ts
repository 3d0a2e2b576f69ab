import type { Payment, Refund, Sale, SaleItem, Merchant, PaymentMethod, OperatorRole } from '../core/domain.ts';
import type { Currency } from '../core/money.ts';
import type { PaymentState } from '../core/payment-state.ts';
import type { RefundState } from '../core/refund-state.ts';
import type { MerchantRow, PaymentRow, RefundRow, SaleRow, OperatorRow } from '../store/schema.ts';

export function toPayment(r: PaymentRow): Payment {
  return {
    id: r.id, merchantId: r.merchant_id, storeId: r.store_id, terminalId: r.terminal_id, saleId: r.sale_id,
    outTradeNo: r.out_trade_no, channel: r.channel, method: r.method as PaymentMethod, amount: r.amount,
    currency: r.currency as Currency, state: r.state as PaymentState, channelTradeNo: r.channel_trade_no,
    qrCode: r.qr_code, expiresAt: r.expires_at, refunded: r.refunded, tendered: r.tendered, change: r.change,
    failureCode: r.failure_code, failureMessage: r.failure_message, description: r.description,
    createdAt: r.created_at, updatedAt: r.updated_at, finalAt: r.final_at,
  };
}

export function toRefund(r: RefundRow): Refund {
  return {
    id: r.id, paymentId: r.payment_id, merchantId: r.merchant_id, outRefundNo: r.out_refund_no, amount: r.amount,
    currency: r.currency as Currency, state: r.state as RefundState, reason: r.reason, channelRefundNo: r.channel_refund_no,
    failureMessage: r.failure_message,
    createdBy: r.operator_id ? { id: r.operator_id, name: r.operator_name ?? '' } : null,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function toSale(r: SaleRow): Sale {
  return {
    id: r.id, merchantId: r.merchant_id, storeId: r.store_id, terminalId: r.terminal_id, amount: r.amount,
    currency: r.currency as Currency, state: r.state as Sale['state'], paid: r.paid, change: r.change,
    description: r.description, items: r.items ? (JSON.parse(r.items) as SaleItem[]) : null, createdAt: r.created_at,
  };
}

export function toMerchant(r: MerchantRow): Merchant {
  return { id: r.id, name: r.name, timezone: r.timezone, currency: r.currency as Currency, webhookUrl: r.webhook_url, createdAt: r.created_at };
}

export function toOperator(r: OperatorRow) {
  return { id: r.id, merchantId: r.merchant_id, storeId: r.store_id, name: r.name, role: r.role as OperatorRole, createdAt: r.created_at };
}
