import assert from 'node:assert/strict';
import { SaomaError, ERROR_STATUS, type ErrorCode } from '../../src/core/errors.ts';
import type { RefundRef, TradeRef } from '../../src/channels/channel.ts';

/** Asserts that `fn` throws a SaomaError with exactly `code` (and the status that code maps to); returns it. */
export function throwsSaoma(fn: () => unknown, code: ErrorCode): SaomaError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected a SaomaError "${code}", but nothing was thrown`);
  assert.ok(caught instanceof SaomaError, `expected a SaomaError "${code}", got ${String(caught)}`);
  assert.equal(caught.code, code, `expected code "${code}", got "${caught.code}": ${caught.message}`);
  assert.equal(caught.status, ERROR_STATUS[code]);
  return caught;
}

/**
 * When the unit tests' trades were "created": the payment row's created_at that the gateway passes on the
 * first call (createdAt) and on every later one (TradeRef). One instant for the whole process, so a test's
 * first call and its follow-ups agree without carrying it around (UnionPay derives txnTime from it).
 */
export const CREATED_AT = new Date();

/** What the payment row would pass to query/reverse/close for `outTradeNo` (payment code unless `expiresAt`). */
export function tradeRef(outTradeNo: string, extra: Partial<Omit<TradeRef, 'outTradeNo'>> = {}): TradeRef {
  return { outTradeNo, createdAt: CREATED_AT, expiresAt: null, channelTradeNo: null, ...extra };
}

/** What the refund row would pass to refund/queryRefund (requested at CREATED_AT unless told otherwise). */
export function refundRef(outTradeNo: string, outRefundNo: string, extra: Partial<Omit<RefundRef, 'outTradeNo' | 'outRefundNo'>> = {}): RefundRef {
  return { ...tradeRef(outTradeNo, extra), outRefundNo, requestedAt: extra.requestedAt ?? CREATED_AT };
}
