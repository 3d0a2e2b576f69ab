import { createHmac } from 'node:crypto';

/**
 * Saoma's sandbox wallet protocol. It is shaped like the real wallets on purpose: JSON requests carry
 * a merchant id, decimal-string amounts ("12.50"), result codes, an HMAC-SHA256 signature over the raw
 * body in `Sandbox-Signature`, signed responses, and signed asynchronous notifications retried until the
 * merchant answers `{"code":"SUCCESS"}`. See NOTES.md beside this file.
 */
export const SIGNATURE_HEADER = 'sandbox-signature';

export function signBody(key: string, body: string): string {
  return createHmac('sha256', key).update(body).digest('hex');
}

export type WalletTradeStatus = 'WAIT_BUYER_PAY' | 'USER_PAYING' | 'SUCCESS' | 'CLOSED' | 'REVERSED' | 'PAY_ERROR';

export interface TradeReply {
  code: 'SUCCESS' | 'USER_PAYING' | 'TRADE_NOT_EXIST' | 'SYSTEM_ERROR' | 'PAY_DECLINED' | 'SIGN_ERROR' | 'INVALID_PARAM' | 'TRADE_CLOSED' | 'ORDER_PAID' | 'REFUND_EXCEEDS';
  msg?: string;
  out_trade_no?: string;
  trade_no?: string;
  trade_status?: WalletTradeStatus;
  total_amount?: string;
  qr_code?: string;
  recall?: 'Y' | 'N';
  refund_no?: string;
  refund_status?: 'SUCCESS' | 'PROCESSING';
}

export interface NotifyBody {
  notify_id: string;
  mch_id: string;
  out_trade_no: string;
  trade_no: string;
  trade_status: WalletTradeStatus;
  total_amount: string;
  notify_time: string;
}

/**
 * Payment codes the sandbox understands: 18 digits starting with 28. The last two digits choose what
 * the "customer" does, so tests and demos can drive every branch:
 *   00–00 pay at once · 01 declined · 02 confirm after userPayingMs · 03 never confirm (we must reverse)
 *   04 charged but the answer is lost (SYSTEM_ERROR) · 05 SYSTEM_ERROR, nothing charged
 */
export const PAYMENT_CODE = /^28\d{16}$/;
