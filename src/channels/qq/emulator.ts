import Fastify, { type FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { post } from '../http.ts';
import { buildXml, nonceStr, parseXml, sign, verify, type Params, type SignType } from '../wechat/sign.ts';
import { EmulatorDb } from '../emulator-db.ts';
import { FaultBook, faultRoutes, type Faults } from '../emulator-faults.ts';
import { QPAY_PATHS, opUserPasswd } from './adapter.ts';
import { buildBill, qqFee, type BillRow } from './statement.ts';
import { BillHistory, acrossMidnight, dayBefore } from '../emulator-bill.ts';
import { cashierLocale, cashierPage, outcomePage, type CashierOutcome, type CashierWallet } from '../cashier-page.ts';
import { beijingText, beijingTime, parseBeijingTime } from '../china-time.ts';

/**
 * QQ Wallet's (qpay) side, for tests and local runs: every cgi path of both hosts on one server, XML in
 * and out through the WeChat v2 machinery, our signature checked (return_code FAIL, 签名错误), replies
 * signed, operator id + password MD5 checked on reverse and refund, its own books in SQLite (`trades`,
 * `refunds`, append-only `charges`), NATIVE code_url with a customer who scans (`POST /emulator/scan`) or
 * pays on the cashier page, signed notifications on a compressed retry schedule, the day's bill file, and
 * the shared fault vocabulary (FaultBook, account = mch_id). Mutual TLS is not asked for (loopback only).
 *
 * The customer's behaviour is chosen by a payment code's last two digits (codes are 91 + 16 digits):
 * 00 pays at once · 01 NOTENOUGH · 02 USERPAYING for `userPayingMs`, then `userPayingThen` (paid, or
 * PAYERROR) · 03 USERPAYING, never confirms · 04 charged but the reply says SYSTEMERROR · 05 SYSTEMERROR,
 * nothing charged · 06 AUTHCODEEXPIRE · 07 USERPAYING then PAYERROR (wrong password) · 08 USERPAYING
 * forever, and the first two reverses answer SYSTEMERROR with recall=Y · 09 AUTH_CODE_ERROR (code used).
 */
export const QQ_AUTH_CODE = /^91\d{16}$/;

/** A compressed form of the v2 15s/15s/30s/3m/10m/… notify schedule, in seconds. */
const NOTIFY_RETRY_S = [0, 1, 3, 10, 30, 60];
const OPENID = 'EMU0000000000000000000000000QQ01';

export interface QqMerchant {
  mchId: string;
  apiKey: string;
  opUserId: string;
  opUserPassword: string;
  /** Shown on the cashier page. */
  name?: string;
}

type TradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REVOKED' | 'PAYERROR' | 'REFUND';

interface TradeRow {
  mch_id: string; out_trade_no: string; transaction_id: string; amount: number; state: TradeState; trade_type: string;
  body: string; device_info: string; auth_code: string | null; notify_url: string | null; code_token: string | null;
  expires_at: string | null; pay_until: string | null; then_state: string | null; recall_left: number; refunded: number;
  sign_type: string; created_at: string; paid_at: string | null;
}

interface RefundRow {
  mch_id: string; out_refund_no: string; out_trade_no: string; refund_id: string; amount: number; created_at: string;
}

export interface QqEmulatorOptions {
  dbPath: string;
  /** Where the emulator is reachable from a browser; code_url then points at its cashier page. */
  publicUrl?: string;
  merchants?: QqMerchant[];
  faults?: Partial<Faults>;
}

export class QqEmulator {
  readonly db: Database.Database;
  private readonly books: EmulatorDb;
  readonly faults: FaultBook;
  /** Trades from before this emulator ran, for bills of past days (keyed by mch_id). */
  readonly history: BillHistory;
  readonly merchants = new Map<string, QqMerchant>();
  /** Where the emulator is mounted, as a browser reaches it (cashier URLs); set by startQqEmulator when left out. */
  publicUrl: string | undefined;
  /** Every API call received, in order (tests read retries and the recall sequence). */
  readonly calls: Array<{ path: string; mchId: string; outTradeNo: string | undefined; at: number; errCode?: string }> = [];
  /** Every notification delivery attempt, with the gateway's reply. */
  readonly notifications: Array<{ outTradeNo: string; tradeState: string; attempt: number; acked: boolean; reply: string }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: QqEmulatorOptions) {
    this.books = new EmulatorDb(opts.dbPath, `
      CREATE TABLE IF NOT EXISTS trades (
        mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL, transaction_id TEXT NOT NULL, amount INTEGER NOT NULL,
        state TEXT NOT NULL, trade_type TEXT NOT NULL, body TEXT NOT NULL, device_info TEXT NOT NULL, auth_code TEXT,
        notify_url TEXT, code_token TEXT UNIQUE, expires_at TEXT, pay_until TEXT, then_state TEXT,
        recall_left INTEGER NOT NULL DEFAULT 0, refunded INTEGER NOT NULL DEFAULT 0, sign_type TEXT NOT NULL,
        created_at TEXT NOT NULL, paid_at TEXT, PRIMARY KEY (mch_id, out_trade_no));
      CREATE TABLE IF NOT EXISTS refunds (
        mch_id TEXT NOT NULL, out_refund_no TEXT NOT NULL, out_trade_no TEXT NOT NULL, refund_id TEXT NOT NULL,
        amount INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (mch_id, out_refund_no));
      CREATE TABLE IF NOT EXISTS charges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, ref TEXT, at TEXT NOT NULL);
      CREATE TRIGGER IF NOT EXISTS charges_append_only_u BEFORE UPDATE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS charges_append_only_d BEFORE DELETE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
    `);
    this.history = new BillHistory(this.books.db);
    this.db = this.books.db;
    this.publicUrl = opts.publicUrl?.replace(/\/$/, '');
    this.faults = new FaultBook(opts.faults);
    for (const m of opts.merchants ?? []) this.addMerchant(m);
  }

  addMerchant(m: QqMerchant): void {
    this.merchants.set(m.mchId, m);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.books.close();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    t.unref();
    this.timers.add(t);
  }

  private row(mch: string, outTradeNo: string): TradeRow | undefined {
    return this.books.stmt('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(mch, outTradeNo) as TradeRow | undefined;
  }

  trade(mch: string, outTradeNo: string): TradeRow | undefined {
    const row = this.row(mch, outTradeNo);
    return row ? this.settle(row) : undefined;
  }

  /** Net money per trade: proves nothing was charged twice. */
  chargeSummary() {
    return this.books.chargeSummary('mch_id', ['reverse', 'refund']);
  }

  /** A USERPAYING trade whose customer has finished confirming becomes paid (or PAYERROR) when looked at. */
  private settle(row: TradeRow): TradeRow {
    if (row.state !== 'USERPAYING' || !row.pay_until || Date.parse(row.pay_until) > Date.now()) return row;
    if (row.then_state === 'PAYERROR') {
      this.books.stmt(`UPDATE trades SET state = 'PAYERROR' WHERE mch_id = ? AND out_trade_no = ? AND state = 'USERPAYING'`).run(row.mch_id, row.out_trade_no);
    } else {
      this.markPaid(row);
    }
    return this.row(row.mch_id, row.out_trade_no)!;
  }

  private markPaid(row: TradeRow): boolean {
    const now = new Date().toISOString();
    const paid = this.db.transaction(() => {
      const r = this.books.stmt(`UPDATE trades SET state = 'SUCCESS', paid_at = ? WHERE mch_id = ? AND out_trade_no = ? AND state IN ('NOTPAY', 'USERPAYING')`).run(now, row.mch_id, row.out_trade_no);
      if (r.changes === 1) {
        this.books.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'charge', ?, ?)`).run(row.mch_id, row.out_trade_no, row.amount, now);
      }
      return r.changes === 1;
    })();
    if (paid && row.trade_type === 'NATIVE' && row.notify_url) this.notifyPaid({ ...row, state: 'SUCCESS', paid_at: now });
    return paid;
  }

  /** The signed XML notification qpay would post for a trade in `state` (tests also use it to forge one). */
  notificationXml(row: TradeRow, state: TradeState = 'SUCCESS', key?: string): string {
    const m = this.merchants.get(row.mch_id)!;
    const params: Params = {
      mch_id: row.mch_id, nonce_str: nonceStr(), device_info: row.device_info, trade_type: row.trade_type, trade_state: state,
      bank_type: 'BALANCE', fee_type: 'CNY', total_fee: String(row.amount), cash_fee: String(row.amount), coupon_fee: '0',
      transaction_id: row.transaction_id, out_trade_no: row.out_trade_no, openid: OPENID,
      ...(state === 'SUCCESS' ? { time_end: beijing(row.paid_at ?? new Date().toISOString()) } : {}),
    };
    const signType = row.sign_type as SignType;
    if (signType !== 'MD5') params.sign_type = signType;
    params.sign = sign(params, key ?? (this.faults.for(row.mch_id).badSignature ? `${m.apiKey}x` : m.apiKey), signType);
    return buildXml(params);
  }

  /** The paid notification, on the retry schedule until acknowledged; duplicated and followed by a stale one on demand. */
  private notifyPaid(row: TradeRow): void {
    const f = this.faults.for(row.mch_id);
    const stale = f.outOfOrderNotify;
    this.deliver(row, 'SUCCESS', 0, () => {
      // A notification about the trade as it was before it was paid, arriving after the final one.
      if (stale) this.deliver(row, 'NOTPAY', 0);
    });
    if (f.duplicateNotify) this.deliver(row, 'SUCCESS', 0);
  }

  private deliver(row: TradeRow, state: TradeState, attempt: number, onAck?: () => void): void {
    this.later((NOTIFY_RETRY_S[attempt] ?? 0) * 1000, async () => {
      if (!this.merchants.has(row.mch_id)) return;
      let acked = false;
      let text = '';
      try {
        const res = await post(row.notify_url!, { 'content-type': 'text/xml' }, this.notificationXml(row, state), 5000);
        text = res.text;
        try { acked = res.status === 200 && parseXml(res.text).return_code === 'SUCCESS'; } catch { acked = false; }
      } catch (e) {
        text = (e as Error).message;
      }
      this.notifications.push({ outTradeNo: row.out_trade_no, tradeState: state, attempt, acked, reply: text });
      if (acked) onAck?.();
      else if (attempt + 1 < NOTIFY_RETRY_S.length) this.deliver(row, state, attempt + 1, onAck);
    });
  }

  private codeUrl(token: string): string {
    return this.publicUrl ? `${this.publicUrl}/cashier/${token}` : `https://qpay.qq.com/qr/${token}`;
  }

  private byToken(text: string): TradeRow | undefined {
    const m = /(?:\/qr\/|\/cashier\/|^)([0-9a-f]{24})$/.exec(text);
    if (!m) return undefined;
    const row = this.books.stmt('SELECT * FROM trades WHERE code_token = ?').get(m[1]) as TradeRow | undefined;
    return row ? this.settle(row) : undefined;
  }

  /** The customer scans a NATIVE code_url in QQ and pays, or backs out (the trade stays NOTPAY). */
  scan(codeUrl: string, action: 'pay' | 'decline' = 'pay'): { ok: boolean; state: string; message?: string } {
    const row = this.byToken(codeUrl);
    if (!row) return { ok: false, state: 'ORDERNOTEXIST', message: 'not a QQ Wallet code_url this emulator handed out' };
    if (row.state !== 'NOTPAY') return { ok: false, state: row.state, message: `trade is ${row.state}` };
    if (row.expires_at && Date.parse(row.expires_at) <= Date.now()) return { ok: false, state: 'NOTPAY', message: 'the QR code has expired' };
    if (action === 'decline') return { ok: false, state: 'NOTPAY', message: 'the customer backed out' };
    this.markPaid(row);
    return { ok: true, state: 'SUCCESS' };
  }

  /** One API call: verified request in, reply fields out (before the common fields and the signature). */
  handle(path: string, req: Params, m: QqMerchant): Params {
    const mch = m.mchId;
    const outTradeNo = req.out_trade_no ?? '';
    const now = new Date();
    const fail = (err_code: string, err_code_des: string, extra: Params = {}): Params => ({ result_code: 'FAIL', err_code, err_code_des, ...extra });
    const tradeFields = (t: TradeRow): Params => ({
      out_trade_no: t.out_trade_no, transaction_id: t.transaction_id, total_fee: String(t.amount), cash_fee: String(t.amount),
      coupon_fee: '0', fee_type: 'CNY', trade_type: t.trade_type, bank_type: 'BALANCE', openid: OPENID, device_info: t.device_info,
      ...(t.paid_at ? { time_end: beijing(t.paid_at) } : {}),
    });
    const needTrade = path !== QPAY_PATHS.refundQuery && path !== QPAY_PATHS.statement;
    if (needTrade && !/^[A-Za-z0-9_\-|*@]{1,32}$/.test(outTradeNo)) return fail('PARAM_ERROR', 'out_trade_no 缺失或格式错误');
    if ((path === QPAY_PATHS.reverse || path === QPAY_PATHS.refund) && (req.op_user_id !== m.opUserId || req.op_user_passwd !== opUserPasswd(m.opUserPassword))) {
      return fail('OPUSER_ERROR', '操作员帐号或密码错误');
    }
    const existing = outTradeNo ? this.trade(mch, outTradeNo) : undefined;
    const newTrade = (over: Partial<TradeRow>): TradeRow => ({
      mch_id: mch, out_trade_no: outTradeNo, transaction_id: `${mch}${beijing(now.toISOString()).slice(0, 8)}${randomBytes(5).toString('hex')}`,
      amount: Number(req.total_fee), state: 'NOTPAY', trade_type: 'MICROPAY', body: req.body ?? '', device_info: req.device_info ?? '',
      auth_code: null, notify_url: null, code_token: null, expires_at: null, pay_until: null, then_state: null, recall_left: 0,
      refunded: 0, sign_type: req.sign_type ?? 'MD5', created_at: now.toISOString(), paid_at: null, ...over,
    });
    const fee = (v: string | undefined) => (v !== undefined && /^[1-9]\d{0,11}$/.test(v) ? Number(v) : null);

    switch (path) {
      case QPAY_PATHS.micropay: {
        if (fee(req.total_fee) === null || !req.auth_code || !req.body || !req.spbill_create_ip) return fail('PARAM_ERROR', 'total_fee, auth_code, body, spbill_create_ip 必填');
        if (req.fee_type !== undefined && req.fee_type !== 'CNY') return fail('PARAM_ERROR', 'fee_type 只支持 CNY');
        if (existing) {
          if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return fail('ORDERPAID', '订单已支付');
          if (existing.state === 'USERPAYING') return fail('USERPAYING', '需要用户输入支付密码');
          if (existing.state === 'REVOKED') return fail('ORDERREVERSED', '订单已撤销');
          return fail('ORDERCLOSED', '订单已关闭');
        }
        if (!QQ_AUTH_CODE.test(req.auth_code)) return fail('AUTH_CODE_INVALID', '付款码无效，请重新扫码');
        const b = req.auth_code.slice(-2);
        if (b === '05') return fail('SYSTEMERROR', '系统超时');
        if (b === '06') return fail('AUTHCODEEXPIRE', '付款码已过期，请用户在QQ上刷新后再试');
        if (b === '01') return fail('NOTENOUGH', '用户余额不足');
        if (b === '09') return fail('AUTH_CODE_ERROR', '付款码已被使用');
        const paying = b === '02' || b === '03' || b === '07' || b === '08';
        const f = this.faults.for(mch);
        const row = newTrade({
          auth_code: req.auth_code, state: paying ? 'USERPAYING' : 'NOTPAY',
          pay_until: b === '02' || b === '07' ? new Date(now.getTime() + f.userPayingMs).toISOString() : null,
          then_state: b === '07' || (b === '02' && f.userPayingThen === 'declined') ? 'PAYERROR' : null,
          recall_left: b === '08' ? 2 : 0,
        });
        this.insert(row);
        if (paying) return fail('USERPAYING', '需要用户输入支付密码');
        this.markPaid(row);
        if (b === '04') return fail('SYSTEMERROR', '系统超时');
        return { result_code: 'SUCCESS', ...tradeFields(this.trade(mch, outTradeNo)!) };
      }
      case QPAY_PATHS.unifiedOrder: {
        if (req.trade_type !== 'NATIVE') return fail('PARAM_ERROR', '模拟器只支持 trade_type=NATIVE');
        if (fee(req.total_fee) === null || !req.body || !req.notify_url || !req.spbill_create_ip) return fail('PARAM_ERROR', 'total_fee, body, notify_url, spbill_create_ip 必填');
        if (existing) {
          if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return fail('ORDERPAID', '商户订单已支付');
          if (existing.state !== 'NOTPAY') return fail('ORDERCLOSED', '订单已关闭');
          if (existing.amount !== Number(req.total_fee)) return fail('INVALID_REQUEST', '商户订单号重复');
          return { result_code: 'SUCCESS', trade_type: 'NATIVE', prepay_id: `qq${existing.transaction_id}`, code_url: this.codeUrl(existing.code_token!) };
        }
        const expires = req.time_expire ? parseBeijing(req.time_expire) : null;
        if (req.time_expire && expires === null) return fail('PARAM_ERROR', 'time_expire 格式为 yyyyMMddHHmmss');
        const row = newTrade({ trade_type: 'NATIVE', notify_url: req.notify_url, code_token: randomBytes(12).toString('hex'), expires_at: expires });
        this.insert(row);
        return { result_code: 'SUCCESS', trade_type: 'NATIVE', prepay_id: `qq${row.transaction_id}`, code_url: this.codeUrl(row.code_token!) };
      }
      case QPAY_PATHS.orderQuery: {
        if (!existing) return fail('ORDERNOTEXIST', '订单不存在');
        const desc: Record<TradeState, string> = {
          NOTPAY: '未支付', USERPAYING: '用户支付中', SUCCESS: '支付成功', CLOSED: '已关闭', REVOKED: '已撤销',
          PAYERROR: '支付失败', REFUND: '转入退款',
        };
        return { result_code: 'SUCCESS', trade_state: existing.state, trade_state_desc: desc[existing.state], ...tradeFields(existing) };
      }
      case QPAY_PATHS.closeOrder: {
        if (!existing) return fail('ORDERNOTEXIST', '订单不存在');
        if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return fail('ORDERPAID', '订单已支付，不能关单');
        if (existing.state === 'CLOSED') return fail('ORDERCLOSED', '订单已关闭');
        this.books.stmt(`UPDATE trades SET state = 'CLOSED' WHERE mch_id = ? AND out_trade_no = ? AND state IN ('NOTPAY', 'USERPAYING', 'PAYERROR')`).run(mch, outTradeNo);
        return { result_code: 'SUCCESS' };
      }
      case QPAY_PATHS.reverse: {
        if (existing && existing.recall_left > 0) {
          this.books.stmt('UPDATE trades SET recall_left = recall_left - 1 WHERE mch_id = ? AND out_trade_no = ?').run(mch, outTradeNo);
          return fail('SYSTEMERROR', '系统繁忙，请重试', { recall: 'Y' });
        }
        // Reversing a trade never seen records it as revoked, so a late micropay cannot land.
        if (!existing) {
          this.insert(newTrade({ amount: 0, state: 'REVOKED' }));
          return { result_code: 'SUCCESS', recall: 'N' };
        }
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
      case QPAY_PATHS.refund: {
        const amount = fee(req.refund_fee);
        const refundNo = req.out_refund_no ?? '';
        if (amount === null || !/^[A-Za-z0-9_\-|*@]{1,64}$/.test(refundNo)) return fail('PARAM_ERROR', 'out_refund_no, refund_fee 必填');
        if (!existing) return fail('ORDERNOTEXIST', '订单不存在');
        const done = this.books.stmt('SELECT * FROM refunds WHERE mch_id = ? AND out_refund_no = ?').get(mch, refundNo) as RefundRow | undefined;
        if (done) {
          if (done.amount !== amount || done.out_trade_no !== outTradeNo) return fail('INVALID_REQUEST', '退款金额与之前请求不一致');
          return { result_code: 'SUCCESS', out_trade_no: outTradeNo, out_refund_no: refundNo, refund_id: done.refund_id, refund_fee: String(amount), total_fee: String(existing.amount) };
        }
        if (existing.state !== 'SUCCESS' && existing.state !== 'REFUND') return fail('TRADE_STATE_ERROR', '订单状态错误');
        if (existing.refunded + amount > existing.amount) return fail('ERROR', '申请退款金额超过订单可退金额');
        const refundId = `${mch}${beijing(now.toISOString()).slice(0, 8)}R${randomBytes(5).toString('hex')}`;
        this.db.transaction(() => {
          this.books.stmt(`UPDATE trades SET refunded = refunded + ?, state = 'REFUND' WHERE mch_id = ? AND out_trade_no = ?`).run(amount, mch, outTradeNo);
          this.books.stmt('INSERT INTO refunds (mch_id, out_refund_no, out_trade_no, refund_id, amount, created_at) VALUES (?, ?, ?, ?, ?, ?)')
            .run(mch, refundNo, outTradeNo, refundId, amount, now.toISOString());
          this.books.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, ref, at) VALUES (?, ?, 'refund', ?, ?, ?)`).run(mch, outTradeNo, amount, refundNo, now.toISOString());
        })();
        return { result_code: 'SUCCESS', out_trade_no: outTradeNo, out_refund_no: refundNo, refund_id: refundId, refund_fee: String(amount), total_fee: String(existing.amount) };
      }
      case QPAY_PATHS.refundQuery: {
        const rows = (req.out_refund_no
          ? this.books.stmt('SELECT * FROM refunds WHERE mch_id = ? AND out_refund_no = ?').all(mch, req.out_refund_no)
          : this.books.stmt('SELECT * FROM refunds WHERE mch_id = ? AND out_trade_no = ? ORDER BY created_at').all(mch, outTradeNo)) as RefundRow[];
        if (rows.length === 0) return fail('REFUNDNOTEXIST', '退款单不存在');
        const t = this.trade(mch, rows[0]!.out_trade_no)!;
        const out: Params = { result_code: 'SUCCESS', out_trade_no: t.out_trade_no, transaction_id: t.transaction_id, total_fee: String(t.amount), refund_count: String(rows.length) };
        rows.forEach((r, n) => {
          out[`out_refund_no_${n}`] = r.out_refund_no;
          out[`refund_id_${n}`] = r.refund_id;
          out[`refund_fee_${n}`] = String(r.amount);
          out[`refund_status_${n}`] = 'SUCCESS';
        });
        return out;
      }
      default:
        return fail('INVALID_REQUEST', `unknown API ${path}`);
    }
  }

  private insert(row: TradeRow): void {
    this.books.stmt(`INSERT INTO trades (mch_id, out_trade_no, transaction_id, amount, state, trade_type, body, device_info, auth_code, notify_url, code_token, expires_at, pay_until, then_state, recall_left, refunded, sign_type, created_at, paid_at)
      VALUES (@mch_id, @out_trade_no, @transaction_id, @amount, @state, @trade_type, @body, @device_info, @auth_code, @notify_url, @code_token, @expires_at, @pay_until, @then_state, @recall_left, @refunded, @sign_type, @created_at, @paid_at)`).run(row);
  }

  /**
   * The day's bill (Beijing date `yyyyMMdd`) from the append-only charges: a payment row per charge, a
   * refund row per refund or reversal. `billAnomaly` then leaves a row out, adds one we never booked,
   * changes an amount, or cuts the file short.
   */
  bill(mch: string, billDate: string): string | null {
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(billDate);
    if (!m) return null;
    const day = `${m[1]}-${m[2]}-${m[3]}`;
    const anomaly = this.faults.for(mch).billAnomaly;
    let rows = this.billRows(mch, day);
    if (anomaly === 'midnight') {
      rows = acrossMidnight(day, rows, this.billRows(mch, dayBefore(day)), (r) => r.state === 'SUCCESS', (r, at) => ({ ...r, time: beijingText(new Date(at)) }));
    }
    const first = rows.findIndex((r) => r.state === 'SUCCESS');
    if (anomaly === 'missing' && rows.length > 0) rows.splice(0, 1);
    // A wrong amount leaves the fee as charged, so the bill shows one difference, not two.
    if (anomaly === 'amount' && first >= 0) rows[first] = { ...rows[first]!, total: rows[first]!.total + 100 };
    if (anomaly === 'fee' && first >= 0) rows[first] = { ...rows[first]!, fee: rows[first]!.fee + 5 };
    if (anomaly === 'extra') {
      const amount = 4321;
      rows.push({
        time: `${day} 12:00:00`, mchId: mch, deviceInfo: 'UNKNOWN', transactionId: `${mch}${billDate}EXTRA`, outTradeNo: `EMU-EXTRA-${billDate}`,
        openid: OPENID, tradeType: 'MICROPAY', state: 'SUCCESS', total: amount, refundId: '', outRefundNo: '', refund: 0, refundType: '',
        refundStatus: '', body: 'not ours', fee: qqFee(amount),
      });
    }
    const text = buildBill(rows);
    // Cut mid-way through the rows, as a download that broke off would be.
    return anomaly === 'truncated' ? text.slice(0, Math.max(text.indexOf('\n') + 1, Math.floor(text.length * 0.6))) : text;
  }

  /** One Beijing day's money as bill rows: imported history, then a row per charge, refund or reversal. */
  private billRows(mch: string, day: string): BillRow[] {
    const from = new Date(`${day}T00:00:00+08:00`).toISOString();
    const to = new Date(Date.parse(from) + 86_400_000).toISOString();
    const imported: BillRow[] = this.history.day(mch, day).map((h) => ({
      time: beijingText(new Date(h.at)), mchId: mch, deviceInfo: 'SAOMA-POS', transactionId: h.channelTradeNo, outTradeNo: h.outTradeNo, openid: OPENID,
      tradeType: 'NATIVE', state: h.kind === 'payment' ? 'SUCCESS' : 'REFUND', total: h.amount, refundId: h.kind === 'refund' ? `${h.channelTradeNo}R` : '',
      outRefundNo: h.outRefundNo ?? '', refund: h.kind === 'refund' ? h.amount : 0, refundType: h.kind === 'refund' ? 'ORIGINAL' : '',
      refundStatus: h.kind === 'refund' ? 'SUCCESS' : '', body: h.subject ?? 'Saoma', fee: h.fee,
    }));
    const charges = this.books.stmt('SELECT * FROM charges WHERE mch_id = ? AND at >= ? AND at < ? ORDER BY id').all(mch, from, to) as Array<{ out_trade_no: string; kind: string; amount: number; ref: string | null; at: string }>;
    return [...imported, ...charges.map((c): BillRow => {
      const t = this.row(mch, c.out_trade_no)!;
      const base = { time: beijingText(new Date(c.at)), mchId: mch, deviceInfo: t.device_info, transactionId: t.transaction_id, outTradeNo: c.out_trade_no, openid: OPENID, tradeType: t.trade_type, total: t.amount, body: t.body };
      if (c.kind === 'charge') return { ...base, state: 'SUCCESS', refundId: '', outRefundNo: '', refund: 0, refundType: '', refundStatus: '', fee: qqFee(c.amount) };
      const refund = c.ref ? this.books.stmt('SELECT refund_id FROM refunds WHERE mch_id = ? AND out_refund_no = ?').get(mch, c.ref) as { refund_id: string } | undefined : undefined;
      return {
        ...base, state: 'REFUND', refundId: refund?.refund_id ?? `${t.transaction_id}R`, outRefundNo: c.ref ?? '', refund: c.amount,
        refundType: c.kind === 'reverse' ? 'REVOKED' : 'ORIGINAL', refundStatus: 'SUCCESS', fee: -qqFee(c.amount),
      };
    })];
  }

  /** The HTTP face: every cgi path (both hosts), the customer, the cashier page, faults and books. */
  routes(app: FastifyInstance): void {
    for (const type of ['text/xml', 'application/xml', 'application/x-www-form-urlencoded']) {
      if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
      app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    }
    for (const path of Object.values(QPAY_PATHS)) {
      app.post(path, async (request, reply) => {
        const send = (params: Params) => reply.header('content-type', 'text/xml; charset=utf-8').send(buildXml(params));
        // qpay's communication-level failures carry retcode/retmsg beside return_code/return_msg, unsigned.
        const failReturn = (retcode: string, msg: string) => send({ return_code: 'FAIL', return_msg: msg, retcode, retmsg: msg });
        let req: Params;
        try {
          req = parseXml(String(request.body ?? ''));
        } catch {
          return failReturn('66210001', 'XML格式错误');
        }
        const m = this.merchants.get(req.mch_id ?? '');
        await this.faults.delay(req.mch_id);
        if (!m) return failReturn('66210002', 'mch_id 不存在');
        const signType = (req.sign_type ?? 'MD5') as SignType;
        if (signType !== 'MD5' && signType !== 'HMAC-SHA256') return failReturn('66210003', 'sign_type 参数错误');
        if (!verify(req, m.apiKey, signType)) return failReturn('66210004', '签名错误');
        if (!req.nonce_str || req.nonce_str.length > 32) return failReturn('66210005', 'nonce_str 参数格式错误');
        const f = this.faults.for(m.mchId);
        if (path === QPAY_PATHS.statement) return this.sendBill(req, m, signType, f, reply);
        let result: Params;
        if (this.faults.take(m.mchId, 'systemErrorNext')) {
          result = { result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统繁忙，请稍后再试' };
        } else {
          result = this.handle(path, req, m);
          if (this.faults.take(m.mchId, 'unknownResultNext')) {
            // The work is done; the answer is one no published table has.
            result = { result_code: 'FAIL', retcode: '66229999', retmsg: '未知错误', err_code: 'QPAY_UNDOCUMENTED_66229999', err_code_des: '未知错误' };
          }
        }
        this.calls.push({ path, mchId: m.mchId, outTradeNo: req.out_trade_no, at: Date.now(), ...(result.err_code ? { errCode: result.err_code } : {}) });
        if (this.faults.take(m.mchId, 'lostReplyNext')) return reply.code(502).send('bad gateway');
        const out: Params = { return_code: 'SUCCESS', return_msg: 'SUCCESS', retcode: '0', retmsg: 'ok', mch_id: m.mchId, nonce_str: nonceStr(), ...result };
        if (signType !== 'MD5') out.sign_type = signType;
        out.sign = sign(out, f.badSignature ? `${m.apiKey}x` : m.apiKey, signType);
        return send(out);
      });
    }
    app.post<{ Body: unknown }>('/emulator/scan', async (request, reply) => {
      let body: { code_url?: unknown; action?: unknown } = {};
      try {
        // Parsed already where the host app reads JSON; a string when it does not.
        body = typeof request.body === 'string' ? JSON.parse(request.body) : (request.body ?? {}) as typeof body;
      } catch {
        return reply.code(400).send({ error: 'body must be JSON {"code_url": "…", "action": "pay"|"decline"}' });
      }
      return this.scan(String(body.code_url ?? ''), body.action === 'decline' ? 'decline' : 'pay');
    });
    app.get<{ Params: { token: string }; Querystring: { lang?: string } }>('/cashier/:token', async (request, reply) => {
      const locale = cashierLocale(QQ, request.query.lang, request.headers['accept-language']);
      const row = this.byToken(request.params.token);
      reply.header('content-type', 'text/html; charset=utf-8');
      if (!row) return reply.code(404).send(outcomePage({ wallet: QQ, locale, outcome: 'not_found' }));
      const merchant = this.merchants.get(row.mch_id)?.name ?? row.mch_id;
      if (row.state !== 'NOTPAY') return outcomePage({ wallet: QQ, locale, merchant, outcome: row.state === 'SUCCESS' || row.state === 'REFUND' ? 'already_paid' : 'closed' });
      // Each button posts to its own path, relative to the page, so it works wherever the emulator is mounted.
      const to = (action: string) => `${encodeURIComponent(request.params.token)}/${action}?lang=${locale}`;
      return cashierPage({ wallet: QQ, locale, amount: { minor: row.amount, currency: 'CNY' }, merchant, form: { target: { pay: to('pay'), decline: to('decline') } } });
    });
    app.post<{ Params: { token: string; action: string }; Querystring: { lang?: string } }>('/cashier/:token/:action', async (request, reply) => {
      const locale = cashierLocale(QQ, request.query.lang, request.headers['accept-language']);
      reply.header('content-type', 'text/html; charset=utf-8');
      const action = request.params.action === 'decline' ? 'decline' : request.params.action === 'pay' ? 'pay' : null;
      if (!action) return reply.code(404).send(outcomePage({ wallet: QQ, locale, outcome: 'not_found' }));
      const row = this.byToken(request.params.token);
      const merchant = row ? this.merchants.get(row.mch_id)?.name ?? row.mch_id : '';
      const r = this.scan(request.params.token, action);
      const outcome: CashierOutcome = r.ok ? 'paid'
        : action === 'decline' && r.state === 'NOTPAY' && r.message === 'the customer backed out' ? 'declined'
        : r.state === 'SUCCESS' || r.state === 'REFUND' ? 'already_paid' : r.message === 'the QR code has expired' ? 'expired' : r.state === 'ORDERNOTEXIST' ? 'not_found' : 'closed';
      return outcomePage({ wallet: QQ, locale, outcome, merchant });
    });
    app.get('/emulator/charges', async () => this.chargeSummary());
    faultRoutes(app, this.faults);
  }

  private sendBill(req: Params, m: QqMerchant, signType: SignType, f: Faults, reply: import('fastify').FastifyReply) {
    const text = req.bill_date ? this.bill(m.mchId, req.bill_date) : null;
    if (text === null) {
      const out: Params = { return_code: 'SUCCESS', return_msg: 'SUCCESS', retcode: '0', retmsg: 'ok', mch_id: m.mchId, nonce_str: nonceStr(), result_code: 'FAIL', err_code: 'PARAM_ERROR', err_code_des: 'bill_date 格式为 yyyyMMdd' };
      out.sign = sign(out, f.badSignature ? `${m.apiKey}x` : m.apiKey, signType);
      return reply.header('content-type', 'text/xml; charset=utf-8').send(buildXml(out));
    }
    return reply.header('content-type', 'text/plain; charset=utf-8').send(text);
  }
}

const QQ: CashierWallet = { name: { 'zh-Hans': 'QQ钱包', 'zh-Hant': 'QQ錢包', en: 'QQ Wallet' }, verb: { 'zh-Hans': '支付', 'zh-Hant': '支付' }, home: 'zh-Hans' };

function beijing(iso: string): string {
  return beijingTime(new Date(iso));
}

function parseBeijing(text: string): string | null {
  const t = parseBeijingTime(text);
  return t === null ? null : new Date(t).toISOString();
}

/** Run QQ Wallet's side as its own server; `publicUrl` defaults to where it listens. */
export async function startQqEmulator(opts: { port: number; dbPath: string; host?: string; publicUrl?: string; merchants?: QqMerchant[]; faults?: Partial<Faults> }): Promise<{ url: string; emulator: QqEmulator; app: FastifyInstance }> {
  const emulator = new QqEmulator(opts);
  const app = Fastify();
  await app.register(async (scope) => emulator.routes(scope));
  app.addHook('onClose', async () => emulator.close());
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  emulator.publicUrl ??= url;
  return { url, emulator, app };
}
