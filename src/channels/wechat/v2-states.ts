import type { TradeStatus } from '../channel.ts';
import type { Params } from './sign.ts';

/**
 * WeChat Pay v2's trade answers onto our states. QQ Wallet's qpay uses the same fields and states, so
 * both adapters read them here.
 */

/** A paid trade from micropay, orderquery or the notification; a missing or malformed amount is not success. */
export function paid(r: Params): TradeStatus {
  const fee = r.total_fee ?? '';
  if (!/^\d{1,13}$/.test(fee) || !r.transaction_id) return { status: 'unknown', code: 'BAD_PAID_REPLY', message: 'paid reply without transaction_id or integer total_fee' };
  return { status: 'succeeded', channelTradeNo: r.transaction_id, amount: Number(fee) };
}

/** orderquery trade_state onto our states; anything unrecognised is `unknown`. */
export function mapTradeState(r: Params): TradeStatus {
  switch (r.trade_state) {
    case 'SUCCESS':
    case 'REFUND': return paid(r);
    case 'NOTPAY':
    case 'USERPAYING': return { status: 'waiting_customer', ...(r.transaction_id ? { channelTradeNo: r.transaction_id } : {}) };
    case 'CLOSED': return { status: 'closed' };
    case 'REVOKED': return { status: 'reversed' };
    case 'PAYERROR': return { status: 'failed', code: 'PAYERROR', message: r.trade_state_desc ?? 'payment failed' };
    default: return { status: 'unknown', code: String(r.trade_state), message: `unrecognised trade_state ${String(r.trade_state)}` };
  }
}

/** Errors that are not the call's own definite outcome: unknown (query next), never success. */
