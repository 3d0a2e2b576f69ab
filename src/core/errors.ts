/**
 * Every failure a client can cause or observe has a stable code. Codes are part of the API contract:
 * clients branch on them, so they are never renamed, only added.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_amount: 400,
  unknown_currency: 400,
  currency_mismatch: 400,
  invalid_emv_payload: 400,
  invalid_payment_code: 400,
  unauthenticated: 401,
  bad_signature: 401,
  stale_timestamp: 401,
  replayed_nonce: 401,
  bad_pin: 401,
  operator_locked: 423,
  forbidden: 403,
  not_found: 404,
  idempotency_key_reused: 409,
  idempotency_in_progress: 409,
  duplicate_trade_no: 409,
  invalid_transition: 409,
  refund_exceeds_paid: 409,
  payment_not_refundable: 409,
  tender_exceeds_due: 409,
  sale_closed: 409,
  items_total_mismatch: 400,
  shift_already_open: 409,
  no_open_shift: 404,
  shift_closed: 409,
  channel_unavailable: 503,
  channel_limit_exceeded: 409,
  channel_not_offered: 409,
  sandbox_disabled: 403,
  rate_limited: 429,
  invalid_template: 400,
  unprintable_text: 400,
  qr_too_dense: 400,
  printer_unreachable: 503,
  reconcile_running: 409,
  mismatch_closed: 409,
  bill_unreadable: 422,
  no_bill_for_channel: 400,
  repair_unavailable: 409,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class SaomaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'SaomaError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
  }
}

export function isSaomaError(e: unknown): e is SaomaError {
  return e instanceof SaomaError;
}
