import Fastify, { type FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { post } from '../http.ts';
import { buildXml, nonceStr, parseXml, sign, verify, type Params, type SignType } from './sign.ts';
import { EmulatorDb } from '../emulator-db.ts';
import { FaultBook, faultRoutes, type Faults } from '../emulator-faults.ts';
import { formatBill, type BillRow } from './bill.ts';
import { BillHistory, acrossMidnight, dayBefore } from '../emulator-bill.ts';
import { aeadEncrypt, rfc3339Beijing, SIGNTEST_PREFIX, wechatpayHeaders, V3_SCHEMA } from './v3.ts';
import { v3Routes } from './emulator-v3.ts';
import { webRoutes } from './emulator-web.ts';
import { beijingText, beijingTime, parseBeijingTime } from '../china-time.ts';

/**
 * WeChat Pay's side, for tests and local runs: API v2 (XML, MD5/HMAC) and API v3 (JSON, RSA, AES-GCM
 * notifications) over one set of books in SQLite (`trades`, `refunds`, append-only `charges`), NATIVE
 * code_url `weixin://wxpay/bizpayurl?pr=…`, JSAPI (OAuth, WeixinJSBridge), the v2 bill file, signed
 * notifications with retries, and the shared fault vocabulary (`FaultBook`, account = mch_id). /secapi/*
 * asks for the merchant's client certificate when the emulator listens on HTTPS with a CA (see `tls`).
 *
 * The customer's behaviour is chosen by a payment code's last two digits:
 * 00 pays at once · 01 NOTENOUGH · 02 USERPAYING for `userPayingMs`, then `userPayingThen` (paid, or
 * declined = PAYERROR) · 03 USERPAYING, never confirms · 04 charged but the reply says SYSTEMERROR ·
 * 05 SYSTEMERROR, nothing charged · 06 AUTHCODEEXPIRE · 07 USERPAYING then PAYERROR (wrong password) ·
 * 08 USERPAYING forever, and the first two reverses answer SYSTEMERROR with recall=Y.
 */

/** A compressed form of WeChat's 15s/15s/30s/3m/10m/… schedule. */
const NOTIFY_RETRY_S = [0, 1, 3, 10, 30, 60];
export const EMU_OPENID = 'oEmuCustomer000000000000001';
/** The code WeChat never documented, answered under the `unknownResultNext` fault. */
export const UNDOCUMENTED_CODE = 'EMU_UNDOCUMENTED_RESULT';

export interface WechatMerchant {
  mchId: string;
  appId: string;
  /** API v2 key. */
  apiKey: string;
  /** The 公众号's AppSecret, for the OAuth code → openid exchange. */
  appSecret?: string;
  /** API v3: the APIv3 key and the merchant API certificate's public key and serial. */
  v3?: { apiV3Key: string; merchantPublicKey: string; merchantSerial: string };
}

type TradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REVOKED' | 'PAYERROR' | 'REFUND';

export interface TradeRow {
  mch_id: string; out_trade_no: string; transaction_id: string; appid: string; amount: number; state: TradeState;
  trade_type: string; auth_code: string | null; notify_url: string | null; code_token: string | null; expires_at: string | null;
  pay_until: string | null; then_state: string | null; refunded: number; sign_type: string; created_at: string; paid_at: string | null;
  api: 'v2' | 'v3'; openid: string | null; prepay_id: string | null; description: string; recalls_left: number;
}

export interface RefundRow {
  mch_id: string; out_refund_no: string; out_trade_no: string; refund_id: string; amount: number; done_at: string; created_at: string;
  /** v3 refunds that named one: where the REFUND.* notification goes when the refund finishes. */
  notify_url?: string | null;
}

/** How a v3 refund ended, as its REFUND.* notification says (the emulator's refunds only ever succeed). */
export type RefundEnd = 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
const REFUND_EVENT: Record<RefundEnd, { event: string; summary: string }> = {
  SUCCESS: { event: 'REFUND.SUCCESS', summary: '退款成功' },
  CLOSED: { event: 'REFUND.CLOSED', summary: '退款关闭' },
  ABNORMAL: { event: 'REFUND.ABNORMAL', summary: '退款异常' },
};

export interface WechatTls {
  /** PEM: the emulator's server certificate and key. */
  cert: string;
  key: string;
  /** PEM: the CA that issues merchant API certificates; /secapi/* refuses callers without one it signed. */
  ca: string;
}

export interface WechatEmulatorOptions {
  dbPath: string;
  /** The URL the emulator is mounted at (cashier, OAuth and jsbridge URLs it hands out). */
  publicUrl?: string;
  merchants?: WechatMerchant[];
  faults?: Partial<Faults>;
  /** Refunds stay PROCESSING this long before SUCCESS. */
  refundProcessingMs?: number;
  /** The "WeChat Pay public key" replies and notifications are signed with; generated when absent. */
  platform?: { id: string; privateKey: string };
  /** When set, /secapi/* demands a client certificate issued by `tls.ca` (the server must be HTTPS). */
  requireClientCert?: boolean;
}

export interface NotificationLog {
  outTradeNo: string; attempt: number; acked: boolean; reply: string; kind: 'final' | 'duplicate' | 'stale'; api: 'v2' | 'v3';
  /** Set on v3 refund notifications (REFUND.*); absent on trade ones. */
  outRefundNo?: string;
}

export class WechatEmulator {
  readonly db: Database.Database;
  private readonly books: EmulatorDb;
  readonly faults: FaultBook;
  readonly merchants = new Map<string, WechatMerchant>();
  /** Trades from before this emulator ran, for bills of past days (keyed by mch_id). */
  readonly history: BillHistory;
  /** Set by startWechatEmulator to its own URL when not given. */
  publicUrl: string | undefined;
  /** Refunds stay PROCESSING this long before SUCCESS (tests may change it between refunds). */
  refundProcessingMs: number;
  readonly requireClientCert: boolean;
  /** WeChat Pay's signing key: its id (`PUB_KEY_ID_…`) goes in `Wechatpay-Serial`, the PEM public half to merchants. */
  readonly platform: { id: string; privateKey: KeyObject; publicKeyPem: string };
  /** The next N v3 notifications carry a `WECHATPAY/SIGNTEST/` signature (WeChat's probe of merchants). */
  signTestNext = 0;
  /** Every call received, in order: for tests that check ordering (reverse ≥ 15 s) and retries. */
  readonly calls: Array<{ path: string; outTradeNo: string | undefined; at: number; errCode?: string }> = [];
  /** Every notification sent, with the gateway's reply. */
  readonly notifications: NotificationLog[] = [];
  /** OAuth codes handed out: code → who, single use. */
  readonly oauthCodes = new Map<string, { appId: string; openid: string; used: boolean }>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(opts: WechatEmulatorOptions) {
    this.books = new EmulatorDb(opts.dbPath, `
      CREATE TABLE IF NOT EXISTS trades (
        mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL, transaction_id TEXT NOT NULL, appid TEXT NOT NULL,
        amount INTEGER NOT NULL, state TEXT NOT NULL, trade_type TEXT NOT NULL, auth_code TEXT, notify_url TEXT,
        code_token TEXT UNIQUE, expires_at TEXT, pay_until TEXT, then_state TEXT, refunded INTEGER NOT NULL DEFAULT 0,
        sign_type TEXT NOT NULL, created_at TEXT NOT NULL, paid_at TEXT, api TEXT NOT NULL DEFAULT 'v2', openid TEXT,
        prepay_id TEXT UNIQUE, description TEXT NOT NULL DEFAULT '', recalls_left INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (mch_id, out_trade_no));
      CREATE TABLE IF NOT EXISTS refunds (
        mch_id TEXT NOT NULL, out_refund_no TEXT NOT NULL, out_trade_no TEXT NOT NULL, refund_id TEXT NOT NULL,
        amount INTEGER NOT NULL, done_at TEXT NOT NULL, created_at TEXT NOT NULL, notify_url TEXT, PRIMARY KEY (mch_id, out_refund_no));
      CREATE TABLE IF NOT EXISTS charges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, ref TEXT, at TEXT NOT NULL);
      CREATE TRIGGER IF NOT EXISTS charges_append_only_u BEFORE UPDATE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS charges_append_only_d BEFORE DELETE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
    `);
    this.db = this.books.db;
    this.history = new BillHistory(this.db);
    // Books written before refunds carried a notify_url.
    if (!(this.db.prepare('PRAGMA table_info(refunds)').all() as Array<{ name: string }>).some((c) => c.name === 'notify_url')) {
      this.db.exec('ALTER TABLE refunds ADD COLUMN notify_url TEXT');
    }
    this.publicUrl = opts.publicUrl?.replace(/\/$/, '');
    this.refundProcessingMs = opts.refundProcessingMs ?? 0;
    this.requireClientCert = opts.requireClientCert ?? false;
    for (const m of opts.merchants ?? []) this.addMerchant(m);
    this.faults = new FaultBook(opts.faults);
    if (opts.platform) {
      const privateKey = createPrivateKey(opts.platform.privateKey);
      this.platform = { id: opts.platform.id, privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
    } else {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.platform = { id: `PUB_KEY_ID_0114${Date.now()}${randomBytes(6).toString('hex').toUpperCase()}`, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    }
  }

  addMerchant(m: WechatMerchant): void {
    this.merchants.set(m.mchId, m);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.books.close();
  }

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    t.unref();
    this.timers.add(t);
  }

  trade(mch: string, outTradeNo: string): TradeRow | undefined {
    const row = this.books.stmt('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(mch, outTradeNo) as TradeRow | undefined;
    return row ? this.settle(row) : undefined;
  }

  tradeBy(column: 'code_token' | 'prepay_id', value: string): TradeRow | undefined {
    const row = this.books.stmt(`SELECT * FROM trades WHERE ${column} = ?`).get(value) as TradeRow | undefined;
    return row ? this.settle(row) : undefined;
  }

  refundRows(mch: string, by: { outRefundNo?: string; outTradeNo?: string }): RefundRow[] {
    return (by.outRefundNo !== undefined
      ? this.books.stmt('SELECT * FROM refunds WHERE mch_id = ? AND out_refund_no = ?').all(mch, by.outRefundNo)
      : this.books.stmt('SELECT * FROM refunds WHERE mch_id = ? AND out_trade_no = ? ORDER BY created_at').all(mch, by.outTradeNo ?? '')) as RefundRow[];
  }

  /** Net money per trade: proves nothing was charged twice. */
  chargeSummary() {
    return this.books.chargeSummary('mch_id', ['reverse', 'refund']);
  }

  /** A USERPAYING trade whose customer has finished confirming becomes paid (or PAYERROR) when looked at. */
  private settle(row: TradeRow): TradeRow {
    if (row.state === 'USERPAYING' && row.pay_until && Date.parse(row.pay_until) <= Date.now()) {
      if (row.then_state === 'PAYERROR') {
        this.books.stmt(`UPDATE trades SET state = 'PAYERROR' WHERE mch_id = ? AND out_trade_no = ? AND state = 'USERPAYING'`).run(row.mch_id, row.out_trade_no);
        return { ...row, state: 'PAYERROR' };
      }
      this.markPaid(row);
      return this.books.stmt('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(row.mch_id, row.out_trade_no) as TradeRow;
    }
    return row;
  }

  /** Charges the customer once (a guarded update), then notifies for NATIVE/JSAPI trades. */
  markPaid(row: TradeRow): boolean {
    const now = new Date().toISOString();
    const paid = this.db.transaction(() => {
      const r = this.books.stmt(`UPDATE trades SET state = 'SUCCESS', paid_at = ? WHERE mch_id = ? AND out_trade_no = ? AND state IN ('NOTPAY', 'USERPAYING')`).run(now, row.mch_id, row.out_trade_no);
      if (r.changes === 1) {
        this.books.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'charge', ?, ?)`).run(row.mch_id, row.out_trade_no, row.amount, now);
      }
      return r.changes === 1;
    })();
    if (paid && row.trade_type !== 'MICROPAY' && row.notify_url) this.sendNotifications({ ...row, state: 'SUCCESS', paid_at: now });
    return paid;
  }

  insert(row: TradeRow): void {
    this.books.stmt(`INSERT INTO trades (mch_id, out_trade_no, transaction_id, appid, amount, state, trade_type, auth_code, notify_url, code_token, expires_at, pay_until, then_state, refunded, sign_type, created_at, paid_at, api, openid, prepay_id, description, recalls_left)
      VALUES (@mch_id, @out_trade_no, @transaction_id, @appid, @amount, @state, @trade_type, @auth_code, @notify_url, @code_token, @expires_at, @pay_until, @then_state, @refunded, @sign_type, @created_at, @paid_at, @api, @openid, @prepay_id, @description, @recalls_left)`).run(row);
  }

  newTrade(m: WechatMerchant, over: Partial<TradeRow> & Pick<TradeRow, 'out_trade_no' | 'amount'>): TradeRow {
    return {
      mch_id: m.mchId, transaction_id: `4200${Date.now()}${randomBytes(4).toString('hex')}`, appid: m.appId,
      state: 'NOTPAY', trade_type: 'MICROPAY', auth_code: null, notify_url: null, code_token: null, expires_at: null, pay_until: null,
      then_state: null, refunded: 0, sign_type: 'MD5', created_at: new Date().toISOString(), paid_at: null, api: 'v2', openid: null,
      prepay_id: null, description: '', recalls_left: 0, ...over,
    };
  }

  // ------------------------------------------------------------ operations shared by v2 and v3

  /** A NATIVE or JSAPI order; the same order placed again (same amount, unpaid) gets the same answer. */
  placeOrder(m: WechatMerchant, o: { outTradeNo: string; amount: number; tradeType: 'NATIVE' | 'JSAPI'; notifyUrl: string; expiresAt: string | null; api: 'v2' | 'v3'; openid?: string; description: string; signType?: string }):
    { ok: true; row: TradeRow } | { ok: false; code: 'ORDERPAID' | 'ORDERCLOSED' | 'OUT_TRADE_NO_USED' } {
    const existing = this.trade(m.mchId, o.outTradeNo);
    if (existing) {
      if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return { ok: false, code: 'ORDERPAID' };
      if (existing.state !== 'NOTPAY') return { ok: false, code: 'ORDERCLOSED' };
      if (existing.amount !== o.amount || existing.trade_type !== o.tradeType) return { ok: false, code: 'OUT_TRADE_NO_USED' };
      return { ok: true, row: existing };
    }
    const row = this.newTrade(m, {
      out_trade_no: o.outTradeNo, amount: o.amount, trade_type: o.tradeType, notify_url: o.notifyUrl, expires_at: o.expiresAt, api: o.api,
      openid: o.openid ?? null, description: o.description, sign_type: o.signType ?? 'MD5',
      code_token: o.tradeType === 'NATIVE' ? randomBytes(12).toString('hex') : null,
      prepay_id: `wx${Date.now().toString().slice(-10)}${randomBytes(10).toString('hex')}`,
    });
    this.insert(row);
    return { ok: true, row };
  }

  closeTrade(mch: string, outTradeNo: string): 'closed' | 'ORDERNOTEXIST' | 'ORDERPAID' | 'ORDERCLOSED' {
    const t = this.trade(mch, outTradeNo);
    if (!t) return 'ORDERNOTEXIST';
    if (t.state === 'SUCCESS' || t.state === 'REFUND') return 'ORDERPAID';
    if (t.state === 'CLOSED' || t.state === 'REVOKED') return 'ORDERCLOSED';
    this.books.stmt(`UPDATE trades SET state = 'CLOSED' WHERE mch_id = ? AND out_trade_no = ? AND state IN ('NOTPAY', 'USERPAYING', 'PAYERROR')`).run(mch, outTradeNo);
    return 'closed';
  }

  /**
   * Refund (idempotent per out_refund_no); money goes back at once in the books, SUCCESS after `refundProcessingMs`.
   * A v3 refund with a `notifyUrl` gets its REFUND.SUCCESS notification when it finishes.
   */
  refundTrade(mch: string, r: { outTradeNo: string; outRefundNo: string; amount: number; total: number; notifyUrl?: string }):
    { ok: true; refund: RefundRow; trade: TradeRow } | { ok: false; code: 'ORDERNOTEXIST' | 'INVALID_REQUEST' | 'TRADE_STATE_ERROR' | 'NOTENOUGH'; message: string } {
    const t = this.trade(mch, r.outTradeNo);
    if (!t) return { ok: false, code: 'ORDERNOTEXIST', message: '订单不存在' };
    const done = this.refundRows(mch, { outRefundNo: r.outRefundNo })[0];
    if (done) {
      if (done.amount !== r.amount || done.out_trade_no !== r.outTradeNo) return { ok: false, code: 'INVALID_REQUEST', message: '订单金额或退款金额与之前请求不一致' };
      return { ok: true, refund: done, trade: t };
    }
    if (t.state !== 'SUCCESS' && t.state !== 'REFUND') return { ok: false, code: 'TRADE_STATE_ERROR', message: '订单状态错误' };
    if (r.total !== t.amount) return { ok: false, code: 'INVALID_REQUEST', message: '订单金额不一致' };
    if (t.refunded + r.amount > t.amount) return { ok: false, code: 'NOTENOUGH', message: '申请退款金额超过订单可退金额' };
    const now = new Date();
    const refund: RefundRow = {
      mch_id: mch, out_refund_no: r.outRefundNo, out_trade_no: r.outTradeNo, refund_id: `5030${Date.now()}${randomBytes(3).toString('hex')}`,
      amount: r.amount, done_at: new Date(now.getTime() + this.refundProcessingMs).toISOString(), created_at: now.toISOString(),
      notify_url: r.notifyUrl ?? null,
    };
    this.db.transaction(() => {
      this.books.stmt(`UPDATE trades SET refunded = refunded + ?, state = 'REFUND' WHERE mch_id = ? AND out_trade_no = ?`).run(r.amount, mch, r.outTradeNo);
      this.books.stmt('INSERT INTO refunds (mch_id, out_refund_no, out_trade_no, refund_id, amount, done_at, created_at, notify_url) VALUES (@mch_id, @out_refund_no, @out_trade_no, @refund_id, @amount, @done_at, @created_at, @notify_url)').run(refund);
      this.books.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, ref, at) VALUES (?, ?, 'refund', ?, ?, ?)`).run(mch, r.outTradeNo, r.amount, r.outRefundNo, refund.created_at);
    })();
    if (refund.notify_url) this.later(this.refundProcessingMs, () => this.sendRefundNotifications(refund, 'SUCCESS'));
    return { ok: true, refund, trade: this.trade(mch, r.outTradeNo)! };
  }

  /** The customer scans a NATIVE code_url and pays (or the scan is refused: expired, closed, paid). */
  scan(codeUrl: string, action: 'pay' | 'decline' = 'pay'): { ok: boolean; state: string; message?: string } {
    const m = /^weixin:\/\/wxpay\/bizpayurl\?pr=([A-Za-z0-9]+)$/.exec(codeUrl);
    if (!m) return { ok: false, state: 'INVALID', message: 'not a WeChat NATIVE code_url' };
    return this.payToken(m[1]!, action);
  }

  /** The browser page for a NATIVE code_url (`pr` token), when the emulator knows where it is mounted. */
  cashierUrl(codeUrl: string): string | undefined {
    const m = /^weixin:\/\/wxpay\/bizpayurl\?pr=([A-Za-z0-9]+)$/.exec(codeUrl);
    return m && this.publicUrl ? `${this.publicUrl}/cashier/${m[1]}` : undefined;
  }

  payToken(token: string, action: 'pay' | 'decline'): { ok: boolean; state: string; message?: string } {
    const row = this.tradeBy('code_token', token);
    if (!row) return { ok: false, state: 'ORDERNOTEXIST' };
    if (row.state !== 'NOTPAY') return { ok: false, state: row.state, message: `trade is ${row.state}` };
    if (row.expires_at && Date.parse(row.expires_at) <= Date.now()) return { ok: false, state: 'NOTPAY', message: 'the QR code has expired' };
    // A customer who leaves the cashier leaves the order unpaid, as in the app.
    if (action === 'decline') return { ok: false, state: 'NOTPAY', message: 'the customer cancelled' };
    this.markPaid(row);
    return { ok: true, state: 'SUCCESS' };
  }

  // ------------------------------------------------------------ notifications

  /** The final notification, then a duplicate and/or a stale one when those faults are on. */
  private sendNotifications(row: TradeRow): void {
    const f = this.faults.for(row.mch_id);
    this.notify(row, 'final');
    if (f.duplicateNotify) this.later(50, () => this.notify(row, 'duplicate'));
    if (f.outOfOrderNotify) this.later(150, () => this.notify({ ...row, state: row.trade_type === 'MICROPAY' ? 'USERPAYING' : 'NOTPAY', paid_at: null }, 'stale'));
  }

  private notify(row: TradeRow, kind: NotificationLog['kind'], attempt = 0): void {
    this.later((NOTIFY_RETRY_S[attempt] ?? 0) * 1000, async () => {
      let acked = false;
      let text = '';
      try {
        if (row.api === 'v3') {
          const { headers, body } = this.notificationV3(row);
          const res = await post(row.notify_url!, { 'content-type': 'application/json', ...headers }, body, 5000);
          text = `${res.status} ${res.text}`;
          acked = res.status === 200 || res.status === 204;
        } else {
          const res = await post(row.notify_url!, { 'content-type': 'text/xml' }, this.notificationXml(row), 5000);
          text = res.text;
          try { acked = res.status === 200 && parseXml(res.text).return_code === 'SUCCESS'; } catch { acked = false; }
        }
      } catch (e) {
        text = (e as Error).message;
      }
      this.notifications.push({ outTradeNo: row.out_trade_no, attempt, acked, reply: text, kind, api: row.api });
      // A stale copy is sent once: WeChat would not retry a state it has moved past.
      if (!acked && kind !== 'stale' && attempt + 1 < NOTIFY_RETRY_S.length) this.notify(row, kind, attempt + 1);
    });
  }

  /** A finished v3 refund's REFUND.* notification, retried like a trade's; a duplicate under `duplicateNotify`. */
  private sendRefundNotifications(refund: RefundRow, end: RefundEnd): void {
    this.notifyRefund(refund, end, 'final');
    if (this.faults.for(refund.mch_id).duplicateNotify) this.later(50, () => this.notifyRefund(refund, end, 'duplicate'));
  }

  private notifyRefund(refund: RefundRow, end: RefundEnd, kind: 'final' | 'duplicate', attempt = 0): void {
    this.later((NOTIFY_RETRY_S[attempt] ?? 0) * 1000, async () => {
      let acked = false;
      let text = '';
      try {
        const { headers, body } = this.refundNotificationV3(refund, end);
        const res = await post(refund.notify_url!, { 'content-type': 'application/json', ...headers }, body, 5000);
        text = `${res.status} ${res.text}`;
        acked = res.status === 200 || res.status === 204;
      } catch (e) {
        text = (e as Error).message;
      }
      this.notifications.push({ outTradeNo: refund.out_trade_no, outRefundNo: refund.out_refund_no, attempt, acked, reply: text, kind, api: 'v3' });
      if (!acked && attempt + 1 < NOTIFY_RETRY_S.length) this.notifyRefund(refund, end, kind, attempt + 1);
    });
  }

  /**
   * A REFUND.SUCCESS / REFUND.CLOSED / REFUND.ABNORMAL notification (`original_type: "refund"`): the refund
   * resource AES-GCM encrypted with the APIv3 key, signed by the platform key (a stranger's under
   * `badSignature`, or `opts.key` when a test forges one).
   */
  refundNotificationV3(refund: RefundRow, end: RefundEnd = 'SUCCESS', opts: { key?: KeyObject; mchId?: string } = {}): { headers: Record<string, string>; body: string } {
    const m = this.merchants.get(refund.mch_id)!;
    const t = this.books.stmt('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(refund.mch_id, refund.out_trade_no) as TradeRow | undefined;
    const nonce = randomBytes(6).toString('hex');
    const resource = {
      mchid: opts.mchId ?? refund.mch_id, transaction_id: t?.transaction_id ?? '', out_trade_no: refund.out_trade_no, refund_id: refund.refund_id,
      out_refund_no: refund.out_refund_no, refund_status: end, ...(end === 'SUCCESS' ? { success_time: rfc3339Beijing(new Date(refund.done_at)) } : {}),
      user_received_account: '支付用户零钱',
      amount: { total: t?.amount ?? refund.amount, refund: refund.amount, payer_total: t?.amount ?? refund.amount, payer_refund: refund.amount },
    };
    const body = JSON.stringify({
      // Retries and duplicates are the same event, with the same id.
      id: `EV-${createHash('sha256').update(`${refund.mch_id}|${refund.refund_id}|${end}`).digest('hex').slice(0, 24)}`, create_time: rfc3339Beijing(new Date()),
      resource_type: 'encrypt-resource', event_type: REFUND_EVENT[end].event, summary: REFUND_EVENT[end].summary,
      resource: {
        original_type: 'refund', algorithm: 'AEAD_AES_256_GCM', associated_data: 'refund', nonce,
        ciphertext: aeadEncrypt(m.v3!.apiV3Key, nonce, 'refund', JSON.stringify(resource)),
      },
    });
    let headers = opts.key
      ? { ...wechatpayHeaders(body, this.platform.id, opts.key), 'Request-ID': `EMU-${randomBytes(8).toString('hex')}` }
      : this.signedHeaders(refund.mch_id, body);
    if (!opts.key && this.signTestNext > 0) {
      this.signTestNext -= 1;
      headers = { ...headers, 'Wechatpay-Signature': `${SIGNTEST_PREFIX}${headers['Wechatpay-Signature']}` };
    }
    return { headers: { ...headers, 'Wechatpay-Signature-Type': V3_SCHEMA }, body };
  }

  /** The signed XML notification WeChat would post for a trade (also used by tests to forge one). */
  notificationXml(row: TradeRow, key?: string): string {
    const m = this.merchants.get(row.mch_id)!;
    const paid = row.state === 'SUCCESS';
    const params: Params = {
      return_code: 'SUCCESS', return_msg: 'OK', appid: row.appid, mch_id: row.mch_id, nonce_str: nonceStr(),
      result_code: paid ? 'SUCCESS' : 'FAIL', ...(paid ? {} : { err_code: row.state, err_code_des: `trade is ${row.state}` }),
      openid: row.openid ?? EMU_OPENID, is_subscribe: 'N', trade_type: row.trade_type, bank_type: 'OTHERS',
      total_fee: String(row.amount), cash_fee: String(row.amount), fee_type: 'CNY', transaction_id: row.transaction_id,
      out_trade_no: row.out_trade_no, ...(row.paid_at ? { time_end: beijing(row.paid_at) } : {}),
    };
    const signType = row.sign_type as SignType;
    if (signType !== 'MD5') params.sign_type = signType;
    params.sign = sign(params, key ?? (this.faults.for(row.mch_id).badSignature ? `${m.apiKey}x` : m.apiKey), signType);
    return buildXml(params);
  }

  /** The v3 Transaction object, as query answers and notifications carry it. */
  transactionJson(t: TradeRow): Record<string, unknown> {
    const paid = t.state === 'SUCCESS' || t.state === 'REFUND';
    return {
      appid: t.appid, mchid: t.mch_id, out_trade_no: t.out_trade_no, ...(paid || t.trade_type === 'MICROPAY' ? { transaction_id: t.transaction_id } : {}),
      trade_type: t.trade_type, trade_state: t.state, trade_state_desc: TRADE_STATE_DESC[t.state], bank_type: paid ? 'OTHERS' : undefined,
      attach: '', success_time: t.paid_at ? rfc3339Beijing(new Date(t.paid_at)) : undefined,
      payer: { openid: t.openid ?? EMU_OPENID },
      amount: paid ? { total: t.amount, payer_total: t.amount, currency: 'CNY', payer_currency: 'CNY' } : { total: t.amount, currency: 'CNY' },
    };
  }

  /** A TRANSACTION.SUCCESS notification: resource AES-GCM encrypted with the APIv3 key, signed by the platform key. */
  notificationV3(row: TradeRow): { headers: Record<string, string>; body: string } {
    const m = this.merchants.get(row.mch_id)!;
    const nonce = randomBytes(6).toString('hex');
    const body = JSON.stringify({
      // A retried or repeated notification is the same event, with the same id, as WeChat sends it.
      id: `EV-${createHash('sha256').update(`${row.mch_id}|${row.transaction_id}|${row.state}`).digest('hex').slice(0, 24)}`, create_time: rfc3339Beijing(new Date()), resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
      resource: {
        original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction', nonce,
        ciphertext: aeadEncrypt(m.v3!.apiV3Key, nonce, 'transaction', JSON.stringify(this.transactionJson(row))),
      },
    });
    let headers = this.signedHeaders(row.mch_id, body);
    if (this.signTestNext > 0) {
      this.signTestNext -= 1;
      headers = { ...headers, 'Wechatpay-Signature': `${SIGNTEST_PREFIX}${headers['Wechatpay-Signature']}` };
    }
    return { headers: { ...headers, 'Wechatpay-Signature-Type': V3_SCHEMA }, body };
  }

  /** `Wechatpay-*` headers for a v3 reply or notification; under `badSignature`, signed by a stranger's key. */
  signedHeaders(mch: string | undefined, body: string): Record<string, string> {
    const key = this.faults.for(mch).badSignature ? strangerKey() : this.platform.privateKey;
    return { ...wechatpayHeaders(body, this.platform.id, key), 'Request-ID': `EMU-${randomBytes(8).toString('hex')}` };
  }

  // ------------------------------------------------------------ bill

  /** The day's bill (Beijing date `yyyyMMdd`), from the books, bent by `billAnomaly`; null when there is nothing. */
  bill(mch: string, date: string): string | null {
    return this.billFile(mch, date)?.served ?? null;
  }

  /** The bill as written (`whole`) and as served (`served`: cut short under billAnomaly=truncated). */
  billFile(mch: string, date: string): { whole: string; served: string } | null {
    const day = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
    const anomaly = this.faults.for(mch).billAnomaly;
    let rows = this.billRows(mch, day);
    if (anomaly === 'midnight') {
      rows = acrossMidnight(day, rows, this.billRows(mch, dayBefore(day)), (r) => r.state === 'SUCCESS', (r, at) => ({ ...r, time: beijingText(new Date(at)) }));
    }
    if (rows.length === 0) return null;
    if (anomaly === 'missing') rows.splice(0, 1);
    if (anomaly === 'amount') rows[0] = { ...rows[0]!, amount: rows[0]!.amount + 1 };
    if (anomaly === 'fee') rows[0] = { ...rows[0]!, fee: rows[0]!.fee + 5 };
    if (anomaly === 'extra') {
      rows.push({ ...rows[0]!, state: 'SUCCESS', transactionId: `4200${date}EXTRA`, outTradeNo: `EMU-EXTRA-${date}`, amount: 123, fee: 1, refundId: undefined, outRefundNo: undefined, refundStatus: undefined } as BillRow);
    }
    const text = formatBill(rows);
    return { whole: text, served: anomaly === 'truncated' ? text.slice(0, Math.max(1, Math.floor(text.length * 0.6))) : text };
  }

  /** One Beijing day's money as bill rows: imported history, payments, then refunds and reversals. */
  private billRows(mch: string, day: string): BillRow[] {
    const start = Date.parse(`${day}T00:00:00+08:00`);
    const inDay = (iso: string | null) => iso !== null && Date.parse(iso) >= start && Date.parse(iso) < start + 86_400_000;
    const trades = (this.books.stmt('SELECT * FROM trades WHERE mch_id = ? ORDER BY paid_at').all(mch) as TradeRow[]).filter((t) => t.paid_at && inDay(t.paid_at));
    const feeOf = (fen: number) => Math.floor((fen * 6 + 500) / 1000);
    const appId = this.merchants.get(mch)?.appId ?? '';
    const rows: BillRow[] = this.history.day(mch, day).map((h) => ({
      time: beijingText(new Date(h.at)), appId, mchId: mch, transactionId: h.channelTradeNo, outTradeNo: h.outTradeNo, openid: EMU_OPENID, tradeType: 'NATIVE',
      state: h.kind === 'payment' ? 'SUCCESS' : 'REFUND', amount: h.amount, subject: h.subject ?? 'Saoma', fee: h.fee,
      ...(h.kind === 'refund' ? { refundId: `50${h.channelTradeNo}`, outRefundNo: h.outRefundNo ?? '', refundStatus: 'SUCCESS' } : {}),
    }));
    for (const t of trades) {
      rows.push({ time: beijingText(new Date(t.paid_at!)), appId: t.appid, mchId: mch, transactionId: t.transaction_id, outTradeNo: t.out_trade_no, openid: t.openid ?? EMU_OPENID, tradeType: t.trade_type, state: 'SUCCESS', amount: t.amount, subject: t.description || 'Saoma', fee: feeOf(t.amount) });
    }
    // A reversed payment-code trade is money returned too: WeChat lists it as a refund line.
    const returned = this.books.stmt(`SELECT * FROM charges WHERE mch_id = ? AND kind IN ('refund', 'reverse') ORDER BY id`).all(mch) as Array<{ out_trade_no: string; kind: string; amount: number; ref: string | null; at: string }>;
    for (const c of returned.filter((x) => inDay(x.at))) {
      const t = this.books.stmt('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(mch, c.out_trade_no) as TradeRow;
      const refund = c.ref ? this.refundRows(mch, { outRefundNo: c.ref })[0] : undefined;
      rows.push({
        time: beijingText(new Date(c.at)), appId: t.appid, mchId: mch, transactionId: t.transaction_id, outTradeNo: t.out_trade_no, openid: t.openid ?? EMU_OPENID,
        tradeType: t.trade_type, state: 'REFUND', amount: c.amount, refundId: refund?.refund_id ?? `REV${t.transaction_id}`, outRefundNo: c.ref ?? `REVOKE-${t.out_trade_no}`,
        refundStatus: 'SUCCESS', subject: t.description || 'Saoma', fee: -feeOf(c.amount),
      });
    }
    return rows;
  }

  // ------------------------------------------------------------ API v2

  /** One v2 API call: parsed and verified request in, reply fields out (before signing). */
  handle(path: string, req: Params, m: WechatMerchant): Params {
    const mch = m.mchId;
    const outTradeNo = req.out_trade_no ?? '';
    const now = new Date();
    const fail = (err_code: string, err_code_des: string, extra: Params = {}): Params => ({ result_code: 'FAIL', err_code, err_code_des, ...extra });
    const tradeFields = (t: TradeRow): Params => ({
      out_trade_no: t.out_trade_no, transaction_id: t.transaction_id, total_fee: String(t.amount), cash_fee: String(t.amount),
      fee_type: 'CNY', trade_type: t.trade_type, bank_type: 'OTHERS', openid: t.openid ?? EMU_OPENID,
      ...(t.paid_at ? { time_end: beijing(t.paid_at) } : {}),
    });
    const needTrade = path === '/pay/unifiedorder' || path === '/pay/micropay' || path === '/pay/orderquery' || path === '/pay/closeorder' || path === '/secapi/pay/reverse' || path === '/secapi/pay/refund';
    if (needTrade && !/^[A-Za-z0-9_\-|*@]{1,32}$/.test(outTradeNo)) return fail('PARAM_ERROR', 'out_trade_no is missing or malformed');
    const existing = outTradeNo ? this.trade(mch, outTradeNo) : undefined;
    const fee = (v: string | undefined) => (v !== undefined && /^[1-9]\d{0,11}$/.test(v) ? Number(v) : null);

    switch (path) {
      case '/pay/micropay': {
        if (fee(req.total_fee) === null || !req.auth_code || !req.body || !req.spbill_create_ip) return fail('PARAM_ERROR', 'total_fee, auth_code, body and spbill_create_ip are required');
        if (existing) {
          if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return fail('ORDERPAID', '订单已支付');
          if (existing.state === 'USERPAYING') return fail('USERPAYING', '需要用户输入支付密码');
          if (existing.state === 'REVOKED') return fail('ORDERREVERSED', '订单已撤销');
          return fail('ORDERCLOSED', '订单已关闭');
        }
        if (!/^1[0-5]\d{16}$/.test(req.auth_code)) return fail('AUTH_CODE_INVALID', '付款码无效');
        const b = req.auth_code.slice(-2);
        if (b === '05') return fail('SYSTEMERROR', '系统超时');
        if (b === '06') return fail('AUTHCODEEXPIRE', '二维码已过期，请用户在微信上刷新后再试');
        if (b === '01') return fail('NOTENOUGH', '用户余额不足');
        const f = this.faults.for(mch);
        const paying = b === '02' || b === '03' || b === '07' || b === '08';
        const row = this.newTrade(m, {
          out_trade_no: outTradeNo, amount: Number(req.total_fee), sign_type: req.sign_type ?? 'MD5', description: req.body,
          auth_code: req.auth_code, state: paying ? 'USERPAYING' : 'NOTPAY',
          pay_until: b === '02' || b === '07' ? new Date(now.getTime() + f.userPayingMs).toISOString() : null,
          then_state: b === '07' || (b === '02' && f.userPayingThen === 'declined') ? 'PAYERROR' : null,
          recalls_left: b === '08' ? 2 : 0,
        });
        this.insert(row);
        if (paying) return fail('USERPAYING', '需要用户输入支付密码');
        this.markPaid(row);
        if (b === '04') return fail('SYSTEMERROR', '系统超时');
        return { result_code: 'SUCCESS', ...tradeFields(this.trade(mch, outTradeNo)!) };
      }
      case '/pay/unifiedorder': {
        if (req.trade_type !== 'NATIVE' && req.trade_type !== 'JSAPI') return fail('PARAM_ERROR', 'the emulator supports trade_type NATIVE and JSAPI');
        if (fee(req.total_fee) === null || !req.body || !req.notify_url || !req.spbill_create_ip) return fail('PARAM_ERROR', 'total_fee, body, notify_url and spbill_create_ip are required');
        if (req.trade_type === 'NATIVE' && !req.product_id) return fail('PARAM_ERROR', 'product_id is required for NATIVE');
        if (req.trade_type === 'JSAPI' && !req.openid) return fail('PARAM_ERROR', 'openid is required for JSAPI');
        const expires = req.time_expire ? parseBeijing(req.time_expire) : null;
        if (req.time_expire && expires === null) return fail('PARAM_ERROR', 'time_expire must be yyyyMMddHHmmss');
        const r = this.placeOrder(m, {
          outTradeNo, amount: Number(req.total_fee), tradeType: req.trade_type, notifyUrl: req.notify_url, expiresAt: expires, api: 'v2',
          ...(req.openid ? { openid: req.openid } : {}), description: req.body, signType: req.sign_type ?? 'MD5',
        });
        if (!r.ok) return r.code === 'ORDERPAID' ? fail('ORDERPAID', '商户订单已支付') : r.code === 'ORDERCLOSED' ? fail('ORDERCLOSED', '订单已关闭') : fail('INVALID_REQUEST', '201 商户订单号重复');
        return { result_code: 'SUCCESS', trade_type: r.row.trade_type, prepay_id: r.row.prepay_id!, ...(r.row.code_token ? { code_url: codeUrl(r.row.code_token) } : {}) };
      }
      case '/pay/orderquery': {
        if (!existing) return fail('ORDERNOTEXIST', '此交易订单号不存在');
        return { result_code: 'SUCCESS', trade_state: existing.state, trade_state_desc: TRADE_STATE_DESC[existing.state], ...tradeFields(existing) };
      }
      case '/pay/closeorder': {
        const r = this.closeTrade(mch, outTradeNo);
        if (r === 'ORDERNOTEXIST') return fail('ORDERNOTEXIST', '订单不存在');
        if (r === 'ORDERPAID') return fail('ORDERPAID', '订单已支付，不能发起关单');
        if (r === 'ORDERCLOSED') return fail('ORDERCLOSED', '订单已关闭');
        return { result_code: 'SUCCESS' };
      }
      case '/secapi/pay/reverse': {
        if (existing && existing.recalls_left > 0) {
          this.books.stmt('UPDATE trades SET recalls_left = recalls_left - 1 WHERE mch_id = ? AND out_trade_no = ?').run(mch, outTradeNo);
          return fail('SYSTEMERROR', '系统超时，请重试', { recall: 'Y' });
        }
        // Reversing a trade we never saw records it as revoked, so a late micropay cannot land.
        if (!existing) {
          this.insert(this.newTrade(m, { out_trade_no: outTradeNo, amount: 0, state: 'REVOKED' }));
          return { result_code: 'SUCCESS', recall: 'N' };
        }
        if (existing.state === 'REVOKED') return { result_code: 'SUCCESS', recall: 'N' };
        if (existing.state === 'SUCCESS' || existing.state === 'REFUND') {
          this.db.transaction(() => {
            const r = this.books.stmt(`UPDATE trades SET state = 'REVOKED' WHERE mch_id = ? AND out_trade_no = ? AND state IN ('SUCCESS', 'REFUND')`).run(mch, outTradeNo);
            if (r.changes === 1) this.books.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'reverse', ?, ?)`).run(mch, outTradeNo, existing.amount - existing.refunded, now.toISOString());
          })();
        } else {
          this.books.stmt(`UPDATE trades SET state = 'REVOKED' WHERE mch_id = ? AND out_trade_no = ?`).run(mch, outTradeNo);
        }
        return { result_code: 'SUCCESS', recall: 'N' };
      }
      case '/secapi/pay/refund': {
        const amount = fee(req.refund_fee);
        const total = fee(req.total_fee);
        const refundNo = req.out_refund_no ?? '';
        if (amount === null || total === null || !/^[A-Za-z0-9_\-|*@]{1,64}$/.test(refundNo)) return fail('PARAM_ERROR', 'out_refund_no, total_fee and refund_fee are required');
        const r = this.refundTrade(mch, { outTradeNo, outRefundNo: refundNo, amount, total });
        if (!r.ok) return fail(r.code === 'NOTENOUGH' ? 'ERROR' : r.code, r.message);
        return { result_code: 'SUCCESS', out_trade_no: outTradeNo, out_refund_no: refundNo, refund_id: r.refund.refund_id, refund_fee: String(amount), total_fee: String(r.trade.amount) };
      }
      case '/pay/refundquery': {
        const rows = this.refundRows(mch, req.out_refund_no ? { outRefundNo: req.out_refund_no } : { outTradeNo });
        if (rows.length === 0) return fail('REFUNDNOTEXIST', '退款订单查询失败');
        const t = this.trade(mch, rows[0]!.out_trade_no)!;
        const out: Params = { result_code: 'SUCCESS', out_trade_no: t.out_trade_no, transaction_id: t.transaction_id, total_fee: String(t.amount), refund_count: String(rows.length) };
        rows.forEach((r, n) => {
          out[`out_refund_no_${n}`] = r.out_refund_no;
          out[`refund_id_${n}`] = r.refund_id;
          out[`refund_fee_${n}`] = String(r.amount);
          out[`refund_status_${n}`] = Date.parse(r.done_at) <= Date.now() ? 'SUCCESS' : 'PROCESSING';
        });
        return out;
      }
      default:
        return fail('INVALID_REQUEST', `unknown API ${path}`);
    }
  }

  /** The HTTP face: v2 XML paths, v3 JSON paths, the customer's web side, the control routes. */
  routes(app: FastifyInstance): void {
    for (const type of ['text/xml', 'application/xml']) {
      if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
      app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    }
    if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
    // v3 signatures cover the exact body text, so JSON stays a string until it is verified.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const paths = ['/pay/micropay', '/pay/orderquery', '/secapi/pay/reverse', '/pay/unifiedorder', '/pay/closeorder', '/secapi/pay/refund', '/pay/refundquery'];
    for (const path of paths) {
      app.post(path, async (request, reply) => {
        const send = (params: Params) => reply.header('content-type', 'text/xml; charset=utf-8').send(buildXml(params));
        const failReturn = (msg: string) => send({ return_code: 'FAIL', return_msg: msg });
        if (path.startsWith('/secapi/') && this.requireClientCert) {
          if (!hasClientCertificate(request.raw.socket)) return reply.code(403).header('content-type', 'text/xml; charset=utf-8').send(buildXml({ return_code: 'FAIL', return_msg: '请求需要双向证书' }));
        }
        let req: Params;
        try {
          req = parseXml(String(request.body ?? ''));
        } catch {
          return failReturn('XML格式错误');
        }
        const m = this.merchants.get(req.mch_id ?? '');
        if (!m) return failReturn('mch_id参数格式错误');
        await this.faults.delay(m.mchId);
        if (req.appid !== m.appId) return failReturn('appid和mch_id不匹配');
        const signType = (req.sign_type ?? 'MD5') as SignType;
        if (signType !== 'MD5' && signType !== 'HMAC-SHA256') return failReturn('sign_type参数错误');
        if (!verify(req, m.apiKey, signType)) return failReturn('签名错误');
        if (!req.nonce_str || req.nonce_str.length > 32) return failReturn('nonce_str参数格式错误');
        let result: Params;
        if (this.faults.take(m.mchId, 'systemErrorNext')) {
          result = { result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统繁忙', ...(path === '/secapi/pay/reverse' ? { recall: 'Y' } : {}) };
        } else {
          result = this.handle(path, req, m);
          if (this.faults.take(m.mchId, 'unknownResultNext')) result = { result_code: 'FAIL', err_code: UNDOCUMENTED_CODE, err_code_des: 'an answer nobody documented' };
        }
        this.calls.push({ path, outTradeNo: req.out_trade_no, at: Date.now(), ...(result.err_code ? { errCode: result.err_code } : {}) });
        if (this.faults.take(m.mchId, 'lostReplyNext')) return reply.code(502).send('bad gateway');
        const out: Params = { return_code: 'SUCCESS', return_msg: 'OK', appid: m.appId, mch_id: m.mchId, nonce_str: nonceStr(), ...result };
        out.sign = sign(out, this.faults.for(m.mchId).badSignature ? `${m.apiKey}x` : m.apiKey, signType);
        return send(out);
      });
    }
    // The bill is not a signed XML reply: the text itself on success, a FAIL XML otherwise.
    app.post('/pay/downloadbill', async (request, reply) => {
      const xml = (params: Params) => reply.header('content-type', 'text/xml; charset=utf-8').send(buildXml(params));
      let req: Params;
      try { req = parseXml(String(request.body ?? '')); } catch { return xml({ return_code: 'FAIL', return_msg: 'XML格式错误' }); }
      const m = this.merchants.get(req.mch_id ?? '');
      if (!m) return xml({ return_code: 'FAIL', return_msg: 'mch_id参数格式错误' });
      await this.faults.delay(m.mchId);
      if (req.appid !== m.appId || !verify(req, m.apiKey, (req.sign_type ?? 'MD5') as SignType)) return xml({ return_code: 'FAIL', return_msg: '签名错误' });
      if (this.faults.take(m.mchId, 'systemErrorNext')) return xml({ return_code: 'FAIL', return_msg: 'SYSTEMERROR', error_code: 'SYSTEMERROR' });
      if (!/^\d{8}$/.test(req.bill_date ?? '') || (req.bill_type ?? 'ALL') !== 'ALL') return xml({ return_code: 'FAIL', return_msg: 'invalid bill_date or bill_type', error_code: 'PARAM_ERROR' });
      this.calls.push({ path: '/pay/downloadbill', outTradeNo: undefined, at: Date.now() });
      const text = this.bill(m.mchId, req.bill_date!);
      if (text === null) return xml({ return_code: 'FAIL', return_msg: 'No Bill Exist', error_code: '20002' });
      return reply.header('content-type', 'text/plain; charset=utf-8').send(text);
    });
    v3Routes(app, this);
    webRoutes(app, this);
    app.post('/emulator/scan', async (request) => {
      let body: { code_url?: string; action?: string } = {};
      try { body = JSON.parse(String(request.body ?? '{}')); } catch { /* answered below */ }
      return this.scan(String(body.code_url ?? ''), body.action === 'decline' ? 'decline' : 'pay');
    });
    app.post('/emulator/signtest', async (request) => {
      let body: { count?: number } = {};
      try { body = JSON.parse(String(request.body ?? '{}')); } catch { /* default below */ }
      this.signTestNext += Number.isInteger(body.count) && body.count! > 0 ? body.count! : 1;
      return { signTestNext: this.signTestNext };
    });
    app.get('/emulator/platform', async () => ({ id: this.platform.id, publicKey: this.platform.publicKeyPem }));
    app.get('/emulator/charges', async () => this.chargeSummary());
    faultRoutes(app, this.faults);
  }
}

/**
 * A caller that presented a certificate our CA issued. `authorized` alone is not enough: on a resumed TLS
 * 1.3 session Node reports it true even when no certificate was sent, so the certificate must be there too.
 */
function hasClientCertificate(socket: unknown): boolean {
  const s = socket as { authorized?: boolean; authorizationError?: unknown; getPeerCertificate?: () => { raw?: Buffer } };
  if (s.authorized !== true || s.authorizationError || typeof s.getPeerCertificate !== 'function') return false;
  const cert = s.getPeerCertificate();
  return cert !== null && cert.raw !== undefined && cert.raw.length > 0;
}

export const TRADE_STATE_DESC: Record<TradeState, string> = {
  NOTPAY: '订单未支付', USERPAYING: '需要用户输入支付密码', SUCCESS: '支付成功', CLOSED: '订单已关闭', REVOKED: '订单已撤销',
  PAYERROR: '支付失败，请撤销订单', REFUND: '订单发生过退款',
};

let stranger: KeyObject | undefined;
/** A key that is not WeChat's, for the badSignature fault. */
function strangerKey(): KeyObject {
  stranger ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return stranger;
}


export function codeUrl(token: string): string {
  return `weixin://wxpay/bizpayurl?pr=${token}`;
}

export function beijing(iso: string): string {
  return beijingTime(new Date(iso));
}

export function parseBeijing(text: string): string | null {
  const t = parseBeijingTime(text);
  return t === null ? null : new Date(t).toISOString();
}

/**
 * Run WeChat's side as its own server. With `tls` it listens on HTTPS and asks callers for a client
 * certificate (checked against `tls.ca` on /secapi/* only, as WeChat does).
 */
export async function startWechatEmulator(opts: Omit<WechatEmulatorOptions, 'requireClientCert'> & { port: number; host?: string; tls?: WechatTls }): Promise<{ url: string; emulator: WechatEmulator; app: FastifyInstance }> {
  const emulator = new WechatEmulator({ ...opts, requireClientCert: opts.tls !== undefined });
  const app = opts.tls
    ? Fastify({ forceCloseConnections: true, https: { key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false } }) as unknown as FastifyInstance
    : Fastify({ forceCloseConnections: true });
  await app.register(async (scope) => emulator.routes(scope));
  app.addHook('onClose', async () => emulator.close());
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  emulator.publicUrl ??= url;
  return { url, emulator, app };
}
