import { createHash } from 'node:crypto';
import { beijingTime, parseBeijingTime } from '../china-time.ts';

export { beijingTime, parseBeijingTime };

/**
 * UnionPay names a transaction by `orderId` + `txnTime` (the merchant's send time), and every later call
 * (query, cancel, refund's `origQryId` look-up) must repeat both exactly. Both are derived from what the
 * payment row holds (the Channel interface passes it on every call), so any gateway instance names the
 * same transaction the same way and the adapter keeps no records of its own:
 * - trade: `orderIdFor(outTradeNo)`, `txnTime = beijingTime(createdAt)`;
 * - refund: `refundOrderIdFor(outRefundNo)`, `txnTime = beijingTime(requestedAt)`;
 * - cancel: `cancelOrderIdFor(outTradeNo)`, `txnTime = cancelTxnTime(createdAt)`.
 */
const ORDER_ID = /^[A-Za-z0-9]{8,40}$/;

/**
 * ACP `orderId`: 8–40 letters and digits, no `-` or `_`. A trade number that already fits is used as is
 * (it then reads the same in UnionPay's bill); any other becomes `H` + 39 hex digits of its SHA-256.
 */
export function orderIdFor(outTradeNo: string): string {
  return ORDER_ID.test(outTradeNo) ? outTradeNo : `H${hex39(`trade:${outTradeNo}`)}`;
}

/** Refund numbers share UnionPay's orderId space with trades, so they are always hashed (`R…`). */
export function refundOrderIdFor(outRefundNo: string): string {
  return `R${hex39(`refund:${outRefundNo}`)}`;
}

/** The cancel (消费撤销) of a trade is a transaction of its own. */
export function cancelOrderIdFor(outTradeNo: string): string {
  return `C${hex39(`cancel:${outTradeNo}`)}`;
}

function hex39(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 39);
}



/**
 * The cancel's txnTime: the trade's own send time plus one second, or the trade's very second when one more
 * would cross midnight in Beijing (a cancel belongs to its trade's day). A pure function of `createdAt`, so a
 * repeated reverse — after a lost reply, a crash, or on another instance — queries and resends the very same
 * cancel; see NOTES.md "Cancel".
 */
export function cancelTxnTime(createdAt: Date): string {
  const trade = beijingTime(createdAt);
  const next = beijingTime(new Date(createdAt.getTime() + 1000));
  return next.slice(0, 8) === trade.slice(0, 8) ? next : trade;
}
