import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * UnionPay names a transaction by `orderId` + `txnTime` (the merchant's send time), and every later call
 * (query, cancel, refund's `origQryId` look-up) must repeat both exactly. The Channel interface hands the
 * adapter only our trade number afterwards, so:
 * - `orderId` is derived from the trade number alone (`orderIdFor`), and
 * - `txnTime` (and what UnionPay told us: `queryId`, the QR's `payTimeout`) is written here *before*
 *   the request leaves, so "no record" reliably means "UnionPay never saw it".
 * The record lives in a small SQLite file beside the gateway's data (or in memory for unit tests).
 */
export type OrderKind = 'consume' | 'qr' | 'cancel' | 'refund';

export interface OrderRecord {
  merId: string;
  orderId: string;
  kind: OrderKind;
  /** Our trade number (for refunds and cancels: the trade they undo). */
  outTradeNo: string;
  outRefundNo: string | null;
  txnTime: string;
  amount: number;
  queryId: string | null;
  /** QR only: Beijing `YYYYMMDDhhmmss` after which UnionPay refuses to take payment. */
  payTimeout: string | null;
}

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

export class OrderBook {
  private readonly db: Database.Database;

  constructor(path: string | null) {
    if (path) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    // The record must survive our crash between writing it and UnionPay answering: full sync.
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS unionpay_orders (
      mer_id TEXT NOT NULL, order_id TEXT NOT NULL, kind TEXT NOT NULL, out_trade_no TEXT NOT NULL, out_refund_no TEXT,
      txn_time TEXT NOT NULL, amount INTEGER NOT NULL, query_id TEXT, pay_timeout TEXT,
      PRIMARY KEY (mer_id, order_id))`);
  }

  get(merId: string, orderId: string): OrderRecord | undefined {
    const r = this.db.prepare('SELECT * FROM unionpay_orders WHERE mer_id = ? AND order_id = ?').get(merId, orderId) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** The first record for an orderId wins: a retry must resend the very same `txnTime`. */
  remember(rec: OrderRecord): OrderRecord {
    this.db.prepare(`INSERT INTO unionpay_orders (mer_id, order_id, kind, out_trade_no, out_refund_no, txn_time, amount, query_id, pay_timeout)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mer_id, order_id) DO NOTHING`)
      .run(rec.merId, rec.orderId, rec.kind, rec.outTradeNo, rec.outRefundNo, rec.txnTime, rec.amount, rec.queryId, rec.payTimeout);
    return this.get(rec.merId, rec.orderId)!;
  }

  setQueryId(merId: string, orderId: string, queryId: string): void {
    this.db.prepare('UPDATE unionpay_orders SET query_id = ? WHERE mer_id = ? AND order_id = ? AND query_id IS NULL').run(queryId, merId, orderId);
  }

  close(): void {
    this.db.close();
  }
}

interface Row {
  mer_id: string; order_id: string; kind: string; out_trade_no: string; out_refund_no: string | null;
  txn_time: string; amount: number; query_id: string | null; pay_timeout: string | null;
}

function fromRow(r: Row): OrderRecord {
  return {
    merId: r.mer_id, orderId: r.order_id, kind: r.kind as OrderKind, outTradeNo: r.out_trade_no, outRefundNo: r.out_refund_no,
    txnTime: r.txn_time, amount: r.amount, queryId: r.query_id, payTimeout: r.pay_timeout,
  };
}

/** `YYYYMMDDhhmmss` in Beijing time (UTC+8, no DST), as ACP's `txnTime` and `payTimeout` want. */
export function beijingTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function parseBeijingTime(s: string | undefined): number | null {
  const m = s ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s) : null;
  if (!m) return null;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(t) ? null : t;
}
