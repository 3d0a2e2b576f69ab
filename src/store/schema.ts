import type { Generated } from 'kysely';

/** Row shapes as stored. Times are ISO-8601 UTC strings written by the application, identical on both stores. */
export interface MerchantRow {
  id: string; name: string; timezone: string; currency: string;
  webhook_url: string | null; webhook_secret_enc: string; created_at: string;
}
export interface StoreRow { id: string; merchant_id: string; name: string; created_at: string }
export interface TerminalRow { id: string; merchant_id: string; store_id: string; name: string; token_hash: string; created_at: string }
export interface OperatorRow {
  id: string; merchant_id: string; store_id: string | null; name: string; role: string; pin_hash: string;
  failed_attempts: number; locked_until: string | null; created_at: string;
}
export interface OperatorSessionRow { token_hash: string; operator_id: string; terminal_id: string; expires_at: string }
export interface ApiKeyRow { id: string; merchant_id: string | null; kind: string; secret_enc: string; created_at: string; revoked_at: string | null }
export interface NonceRow { key_id: string; nonce: string; expires_at: string }
export interface IdempotencyRow {
  scope: string; key: string; request_hash: string; resource_id: string | null;
  response_status: number | null; response_body: string | null; created_at: string;
}
export interface SaleRow {
  id: string; merchant_id: string; store_id: string; terminal_id: string; amount: number; currency: string;
  state: string; paid: number; change: number; description: string | null; created_at: string; updated_at: string;
  /** JSON array of SaleItem, or null for a sale rung up as a bare amount. */
  items: string | null;
}
export interface PaymentRow {
  id: string; merchant_id: string; store_id: string; terminal_id: string; sale_id: string | null; out_trade_no: string;
  channel: string; method: string; amount: number; currency: string; state: string; channel_trade_no: string | null;
  auth_code: string | null; qr_code: string | null; expires_at: string | null; refunded: number; tendered: number | null;
  change: number | null; failure_code: string | null; failure_message: string | null; description: string | null;
  attempts: number; next_poll_at: string | null; lease_until: string | null; reverse_after: string | null;
  created_at: string; updated_at: string; final_at: string | null;
  /** In-app (stand) payments: JSON of what the wallet app must do to pay (see InAppPay). */
  in_app_pay?: string | null;
}
export interface PaymentEventRow { id: Generated<number>; payment_id: string; from_state: string; to_state: string; source: string; detail: string | null; at: string }
export interface RefundRow {
  id: string; payment_id: string; merchant_id: string; out_refund_no: string; amount: number; currency: string;
  state: string; reason: string | null; channel_refund_no: string | null; failure_message: string | null;
  attempts: number; next_poll_at: string | null; created_at: string; updated_at: string;
  /** The operator whose session made it, and their name then. */
  operator_id: string | null; operator_name: string | null;
}
export interface JournalRow { id: string; merchant_id: string; kind: string; ref: string; created_at: string }
export interface PostingRow { id: Generated<number>; journal_id: string; merchant_id: string; account: string; amount: number; currency: string; created_at: string }
export interface OutboxRow {
  id: string; merchant_id: string; event_type: string; payload: string; state: string; attempts: number;
  next_attempt_at: string; lease_until: string | null; last_status: number | null; last_error: string | null;
  created_at: string; delivered_at: string | null;
}
export interface DeliveryRow {
  id: Generated<number>; event_id: string; merchant_id: string; attempt: number; url: string; status: number | null;
  error: string | null; duration_ms: number; at: string;
}
export interface NotificationRow { channel: string; notify_id: string; payment_id: string | null; outcome: string; received_at: string }

export interface ChannelAccountRow {
  merchant_id: string; channel: string; base_url: string | null; credentials_enc: string;
  limit_per_transaction: number | null; limit_per_day: number | null; enabled: number; created_at: string; updated_at: string;
}
export interface StoreChannelRow { store_id: string; channel: string }

export interface StandRow {
  id: string; code: string; merchant_id: string; store_id: string; terminal_id: string; name: string;
  enabled: number; created_at: string; disabled_at: string | null;
  /** 1 when the code carries this installation's signature (StandCodes); 0 for codes issued before. */
  signed: number;
}
export interface StandPaymentRow { stand_id: string; client_key: string; payment_id: string; created_at: string }

export interface ShiftRow {
  id: string; merchant_id: string; store_id: string; terminal_id: string; currency: string; opening_float: number;
  opened_by: string; opened_by_name: string; opened_at: string; closed_at: string | null; closed_by: string | null;
  closed_by_name: string | null; counted_cash: number | null; expected_cash: number | null; difference: number | null;
  /** JSON array of ShiftTotal, fixed at closing. */
  totals: string | null;
}

export interface ReceiptTemplateRow { id: string; merchant_id: string; store_id: string; kind: string; version: number; source: string; created_at: string; created_by: string | null }
export interface PrinterRow {
  id: string; merchant_id: string; store_id: string; name: string; url: string; paper: number; encoding: string; lang: string;
  auto_print: number; copies: number; merchant_copy: number; enabled: number; status: string; last_error: string | null;
  last_seen_at: string | null; lease_until: string | null; created_at: string;
}
export interface PrintJobRow {
  id: string; printer_id: string; merchant_id: string; kind: string; ref: string | null; copy: string; dedupe_key: string;
  batch_id: string | null;
  /** The ESC/POS bytes, base64. */
  bytes: string;
  warnings: string | null; state: string; attempts: number; next_attempt_at: string; lease_until: string | null;
  last_error: string | null; created_at: string; printed_at: string | null;
}
export interface ReceiptRecordRow {
  id: string; code: string; merchant_id: string; store_id: string; payment_id: string; sale_id: string | null; record: string;
  signature: string; strokes: string; printed_text: string; gifts: string | null; created_at: string; collected_at: string | null;
  collected_by: string | null;
}

/** A durable job (see src/jobs): unique per (kind, key), claimed with a lease so one instance runs it. */
export interface JobRow {
  id: string; kind: string; key: string; payload: string | null; state: string; run_at: string; attempts: number;
  lease_until: string | null; last_error: string | null; result: string | null; created_at: string; updated_at: string;
}
/** One audited action; `hash` chains it to the row before it in the same chain (a merchant, or "platform"). */
export interface AuditRow {
  id: Generated<number>; chain: string; seq: number; at: string; actor: string; action: string; target: string | null;
  ip: string | null; before: string | null; after: string | null; prev_hash: string; hash: string;
}
export interface AuditHeadRow { chain: string; seq: number; hash: string }
export interface AlertRow {
  id: string; merchant_id: string | null; kind: string; severity: string; dedupe_key: string; subject: string | null;
  detail: string | null; state: string; occurrences: number; created_at: string; updated_at: string;
  acked_by: string | null; acked_at: string | null; resolved_at: string | null;
}

/** One reconciliation of a merchant's wallet account for one wallet day; `summary` is JSON (see src/reconcile/types.ts). */
export interface ReconcileRunRow {
  id: string; merchant_id: string; channel: string; day: string; state: string; source: string; file_name: string | null;
  attempts: number; lease_until: string | null; error: string | null; summary: string | null; started_at: string | null;
  finished_at: string | null; created_at: string; updated_at: string;
}
/** One line of a wallet's bill as read for a run (minor units; `fee` negative when given back). */
export interface ReconcileLineRow {
  run_id: string; seq: number; kind: string; trade_no: string; refund_no: string | null; channel_trade_no: string | null;
  amount: number; fee: number; currency: string; at: string;
}
/** A difference between a bill and our books; `delta` is what the wallet holds beyond our books, signed. */
export interface ReconcileMismatchRow {
  id: string; merchant_id: string; channel: string; day: string; run_id: string; type: string; item_kind: string; trade_no: string;
  refund_no: string | null; payment_id: string | null; refund_id: string | null; line_seq: number | null;
  wallet_amount: number | null; saoma_amount: number | null; wallet_fee: number | null; saoma_fee: number | null; delta: number;
  currency: string; state: string; held: number; hold_until: string | null; saoma_state: string | null; resolution: string | null;
  created_at: string; updated_at: string;
}

export interface DB {
  merchants: MerchantRow;
  stores: StoreRow;
  terminals: TerminalRow;
  operators: OperatorRow;
  operator_sessions: OperatorSessionRow;
  api_keys: ApiKeyRow;
  nonces: NonceRow;
  idempotency: IdempotencyRow;
  sales: SaleRow;
  payments: PaymentRow;
  payment_events: PaymentEventRow;
  refunds: RefundRow;
  journals: JournalRow;
  postings: PostingRow;
  outbox: OutboxRow;
  webhook_deliveries: DeliveryRow;
  channel_notifications: NotificationRow;
  channel_accounts: ChannelAccountRow;
  store_channels: StoreChannelRow;
  stands: StandRow;
  stand_payments: StandPaymentRow;
  shifts: ShiftRow;
  receipt_templates: ReceiptTemplateRow;
  printers: PrinterRow;
  print_jobs: PrintJobRow;
  receipt_records: ReceiptRecordRow;
  jobs: JobRow;
  audit_log: AuditRow;
  audit_heads: AuditHeadRow;
  alerts: AlertRow;
  reconcile_runs: ReconcileRunRow;
  reconcile_lines: ReconcileLineRow;
  reconcile_mismatches: ReconcileMismatchRow;
}
