/**
 * The number a bill line carries is the one Saoma sent to the wallet. Every query that matches a bill
 * against our books names these columns from here, and nowhere else: when payments carry a wallet-safe
 * `trade_no` (and refunds `refund_no`) apart from the merchant's own reference, this is the one place
 * to change.
 */
export const SENT_TRADE_NO = 'out_trade_no' as const;
export const SENT_REFUND_NO = 'out_refund_no' as const;
