import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import Database from 'better-sqlite3';
import { createPublicKey, generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { post } from '../http.ts';
import { alipayTimestamp, fen } from './adapter.ts';
import { notifyContent, responseKey, rsa2Sign, signedResponse, toPem, verifyRequest } from './signing.ts';
import { EmulatorDb } from '../emulator-db.ts';
import { FaultBook, faultRoutes, type Faults } from '../emulator-faults.ts';
import { parseTwoDecimals, toDecimalString } from '../../core/money.ts';
import { buildBillZip, type BillEntry } from './bill-writer.ts';
import { BillHistory, acrossMidnight, dayBefore, addDays } from '../emulator-bill.ts';
import { cashierLocale, cashierPage, outcomePage, type CashierWallet } from '../cashier-page.ts';
import { parseBeijingText } from '../china-time.ts';

/**
 * Alipay's side of face-to-face payment, for tests and demos: the OpenAPI 2.0 gateway at POST
 * /gateway.do (parameters from the query string and the form body, merged as the real one does), RSA2
 * checks of our requests with the app's public key, responses signed with the emulator's own "Alipay"
 * key exactly as Alipay does, its own books (trades + append-only charges) in SQLite, signed
 * form-encoded async notifications with retries, the daily bill zip, a cashier page for scanned codes,
 * and the shared fault vocabulary (per app_id). See NOTES.md.
 *
 * Payment codes (auth_code: 25–30 then digits, 16–24 long); the last two digits choose the customer:
 *   00 pay at once · 01 ACQ.BUYER_BALANCE_NOT_ENOUGH · 02 10003 for userPayingMs, then userPayingThen
 *   03 10003 forever (cancel → action=close) · 04 charged, answer lost as ACQ.SYSTEM_ERROR
 *   05 ACQ.SYSTEM_ERROR, nothing charged · 06 ACQ.PAYMENT_AUTH_CODE_INVALID
 *   07 10003 forever, and the first cancel answers retry_flag=Y
 */
export const ALIPAY_AUTH_CODE = /^(2[5-9]|30)\d{14,22}$/;

/** The answer of `unknownResultNext`: a code in no Alipay table, so a client can only ask again. */
const UNDOCUMENTED = { code: '40010', msg: 'Unknown Result', sub_code: 'isp.undocumented-result', sub_msg: '未知结果' } as const;
/** How many calls and notifications the emulator remembers for tests: a long `saoma serve` run must not grow without end. */
const LOG_LIMIT = 10_000;
/** Alipay's seller PID for the emulator's merchant (bill account, notification seller_id). */
const SELLER_PID = '2088102177296610';
/** Compressed form of Alipay's 4m/10m/10m/1h/2h/6h/15h notify schedule (seconds). */
const NOTIFY_RETRY_S = [0, 1, 3, 10, 30, 60];

type Status = 'PRECREATED' | 'PRECREATED_CLOSED' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

interface TradeRow {
  app_id: string; out_trade_no: string; trade_no: string; amount: number; status: Status; subject: string;
  auth_code: string | null; qr_code: string | null; notify_url: string | null; expires_at: string | null; pay_until: string | null;
  refunded: number; cancel_retry: number; created_at: string; then_status: string | null; qr_token: string | null;
}

export interface AlipayKeys {
  /** The emulator's app (merchant) credentials: give these to the adapter / alipay-sdk. */
  appId: string;
  appPrivateKey: string;
  appPublicKey: string;
  /** "Alipay"'s key pair: the public half is the adapter's alipayPublicKey. */
  alipayPublicKey: string;
  alipayPrivateKey: string;
}

export interface AlipayEmulatorOptions {
  dbPath: string;
  keys?: Partial<AlipayKeys>;
  faults?: Partial<Faults>;
  /** Where the emulator is mounted; with it, precreate hands out `${publicUrl}/cashier/<token>`. */
  publicUrl?: string;
  /** The merchant name the cashier page shows for the default app. */
  merchantName?: string;
}

type Reply = Record<string, unknown>;
const ok = (extra: Reply = {}): Reply => ({ code: '10000', msg: 'Success', ...extra });
const biz = (sub: string, subMsg: string, extra: Reply = {}): Reply => ({ code: '40004', msg: 'Business Failed', sub_code: sub, sub_msg: subMsg, ...extra });

function pair(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const toDecimal = (minor: number): string => toDecimalString({ minor, currency: 'CNY' });


export class AlipayEmulator {
  readonly db: Database.Database;
  private readonly books: EmulatorDb;
  readonly keys: AlipayKeys;
  /** Faults for every app, or for one app_id (`faults.set({...}, appId)`). */
  readonly faults: FaultBook;
  readonly publicUrl: string | undefined;
  /** Every notification delivery attempt and the merchant's reply (tests read it). */
  readonly notifyLog: Array<{ outTradeNo: string; tradeStatus: string; attempt: number; reply: string | null; notifyId: string; appId: string }> = [];
  /** Every gateway call that got past the signature check, with what happened to it (tests read it). */
  readonly calls: Array<{ appId: string; method: string; outTradeNo: string | undefined; fault: 'hang' | 'system_error' | 'lost_reply' | 'unknown_result' | null }> = [];
  private readonly apps = new Map<string, { key: KeyObject; name: string }>();
  private readonly wrongKey = pair().priv;
  private timers = new Set<NodeJS.Timeout>();
  private readonly hung = new Set<() => void>();
  /** Bill files handed out by bill_download_url (fileId → zip); kept in memory like Alipay's short-lived links. */
  private readonly bills = new Map<string, { name: string; zip: Uint8Array }>();
  /** Trades from before this emulator ran, for bills of past days (keyed by app_id). */
  readonly history: BillHistory;

  constructor(opts: AlipayEmulatorOptions) {
    this.books = new EmulatorDb(opts.dbPath, `
      CREATE TABLE IF NOT EXISTS trades (
        app_id TEXT NOT NULL, out_trade_no TEXT NOT NULL, trade_no TEXT NOT NULL, amount INTEGER NOT NULL, status TEXT NOT NULL,
        subject TEXT NOT NULL, auth_code TEXT, qr_code TEXT UNIQUE, notify_url TEXT, expires_at TEXT, pay_until TEXT,
        refunded INTEGER NOT NULL DEFAULT 0, cancel_retry INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
        then_status TEXT, qr_token TEXT UNIQUE, PRIMARY KEY (app_id, out_trade_no));
      CREATE TABLE IF NOT EXISTS charges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, ref TEXT, at TEXT NOT NULL);
      CREATE UNIQUE INDEX IF NOT EXISTS charges_refund ON charges (app_id, out_trade_no, kind, ref) WHERE ref IS NOT NULL;
      CREATE TRIGGER IF NOT EXISTS charges_append_only_u BEFORE UPDATE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS charges_append_only_d BEFORE DELETE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
    `);
    this.db = this.books.db;
    this.history = new BillHistory(this.db);
    // Books written by an earlier version lack the columns added since.
    const cols = new Set((this.db.prepare('PRAGMA table_info(trades)').all() as Array<{ name: string }>).map((c) => c.name));
    if (!cols.has('then_status')) this.db.exec('ALTER TABLE trades ADD COLUMN then_status TEXT');
    if (!cols.has('qr_token')) this.db.exec('ALTER TABLE trades ADD COLUMN qr_token TEXT; CREATE UNIQUE INDEX IF NOT EXISTS trades_qr_token ON trades (qr_token)');
    const app = opts.keys?.appPrivateKey && opts.keys.appPublicKey ? { priv: opts.keys.appPrivateKey, pub: opts.keys.appPublicKey } : pair();
    const ali = opts.keys?.alipayPrivateKey && opts.keys.alipayPublicKey ? { priv: opts.keys.alipayPrivateKey, pub: opts.keys.alipayPublicKey } : pair();
    this.keys = { appId: opts.keys?.appId ?? '2021000100000001', appPrivateKey: app.priv, appPublicKey: app.pub, alipayPrivateKey: ali.priv, alipayPublicKey: ali.pub };
    this.registerApp(this.keys.appId, this.keys.appPublicKey, opts.merchantName);
    this.faults = new FaultBook(opts.faults);
    this.publicUrl = opts.publicUrl?.replace(/\/$/, '');
  }

  /** Another merchant app, identified by its RSA2 public key (as uploaded to Alipay's console). */
  registerApp(appId: string, publicKey: string, name?: string): void {
    this.apps.set(appId, { key: createPublicKey(toPem(publicKey, 'PUBLIC KEY')), name: name ?? `Saoma Demo Store (${appId})` });
  }

  private stmt(text: string): Database.Statement {
    return this.books.stmt(text);
  }


  /** Lets every hung request go (unanswered), so a server can shut down. */
  releaseHung(): void {
    for (const wake of this.hung) wake();
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.releaseHung();
    this.books.close();
  }

  private later(ms: number, fn: () => void | Promise<void>): void {
    const t = setTimeout(() => { this.timers.delete(t); void fn(); }, ms);
    t.unref();
    this.timers.add(t);
  }

  trade(appId: string, outTradeNo: string): TradeRow | undefined {
    const row = this.stmt('SELECT * FROM trades WHERE app_id = ? AND out_trade_no = ?').get(appId, outTradeNo) as TradeRow | undefined;
    return row ? this.settle(row) : undefined;
  }

  /** Net money per trade: charges, how many times, and what went back. Tests prove "never twice" with it. */
  chargeSummary() {
    return this.books.chargeSummary('app_id', ['cancel', 'refund']);
  }


  /** Time passing: a confirming customer finishes paying; an unpaid trade past its time_expire closes. */
  private settle(row: TradeRow): TradeRow {
    if (row.status === 'WAIT_BUYER_PAY' && row.pay_until && Date.parse(row.pay_until) <= Date.now()) {
      if (row.then_status === 'TRADE_CLOSED') {
        // The customer turned the payment down in the app: Alipay closes the trade and says so.
        const r = this.stmt(`UPDATE trades SET status = 'TRADE_CLOSED', pay_until = NULL WHERE app_id = ? AND out_trade_no = ? AND status = 'WAIT_BUYER_PAY'`).run(row.app_id, row.out_trade_no);
        if (r.changes === 1 && row.notify_url) this.notify(this.raw(row));
      } else {
        this.markPaid(row);
      }
      return this.raw(row);
    }
    if ((row.status === 'WAIT_BUYER_PAY' || row.status === 'PRECREATED') && row.expires_at && Date.parse(row.expires_at) <= Date.now()) {
      const to: Status = row.status === 'PRECREATED' ? 'PRECREATED_CLOSED' : 'TRADE_CLOSED';
      this.stmt('UPDATE trades SET status = ? WHERE app_id = ? AND out_trade_no = ? AND status = ?').run(to, row.app_id, row.out_trade_no, row.status);
      return this.raw(row);
    }
    return row;
  }

  private raw(row: TradeRow): TradeRow {
    return this.stmt('SELECT * FROM trades WHERE app_id = ? AND out_trade_no = ?').get(row.app_id, row.out_trade_no) as TradeRow;
  }

  private markPaid(row: TradeRow): boolean {
    const paid = this.db.transaction(() => {
      const r = this.stmt(`UPDATE trades SET status = 'TRADE_SUCCESS', pay_until = NULL WHERE app_id = ? AND out_trade_no = ? AND status = 'WAIT_BUYER_PAY'`).run(row.app_id, row.out_trade_no);
      if (r.changes === 1) this.stmt(`INSERT INTO charges (app_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'charge', ?, ?)`).run(row.app_id, row.out_trade_no, row.amount, new Date().toISOString());
      return r.changes === 1;
    })();
    if (paid && row.notify_url) this.notify(this.raw(row));
    return paid;
  }

  private insert(row: TradeRow): void {
    this.stmt(`INSERT INTO trades (app_id, out_trade_no, trade_no, amount, status, subject, auth_code, qr_code, notify_url, expires_at, pay_until, refunded, cancel_retry, created_at, then_status, qr_token)
      VALUES (@app_id, @out_trade_no, @trade_no, @amount, @status, @subject, @auth_code, @qr_code, @notify_url, @expires_at, @pay_until, @refunded, @cancel_retry, @created_at, @then_status, @qr_token)`).run(row);
  }

  private newTradeNo(): string {
    const d = alipayTimestamp().replace(/\D/g, '').slice(0, 8);
    return `${d}22001${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
  }

  /** The key this app's answers and notifications are signed with: Alipay's, unless the fault says otherwise. */
  private signKey(appId: string | undefined): string {
    return this.faults.for(appId).badSignature ? this.wrongKey : this.keys.alipayPrivateKey;
  }

  /** The form fields of the notification for a trade in `status`, signed as it is sent. */
  notificationParams(row: TradeRow, status: string = row.status): Record<string, string> {
    const now = alipayTimestamp();
    const params: Record<string, string> = {
      notify_time: now, notify_type: 'trade_status_sync', notify_id: `${row.trade_no}${status}${row.refunded}`,
      app_id: row.app_id, auth_app_id: row.app_id, charset: 'utf-8', version: '1.0', sign_type: 'RSA2',
      trade_no: row.trade_no, out_trade_no: row.out_trade_no, buyer_id: '2088102177846880', buyer_logon_id: '159****5620',
      seller_id: SELLER_PID, trade_status: status, total_amount: toDecimal(row.amount), subject: row.subject,
      gmt_create: alipayTimestamp(new Date(row.created_at)),
    };
    if (status === 'TRADE_SUCCESS' || row.refunded > 0) {
      Object.assign(params, {
        receipt_amount: toDecimal(row.amount), invoice_amount: toDecimal(row.amount), buyer_pay_amount: toDecimal(row.amount), point_amount: '0.00',
        gmt_payment: now, fund_bill_list: JSON.stringify([{ amount: toDecimal(row.amount), fundChannel: 'ALIPAYACCOUNT' }]),
      });
    }
    if (status === 'TRADE_CLOSED') params.gmt_close = now;
    if (row.refunded > 0) params.refund_fee = toDecimal(row.refunded);
    params.sign = rsa2Sign(notifyContent(params), this.signKey(row.app_id));
    return params;
  }

  /**
   * The signed async notification, form-encoded, retried until the merchant answers exactly `success`.
   * Faults: sent twice (duplicateNotify); after a TRADE_SUCCESS, a stale WAIT_BUYER_PAY one (outOfOrderNotify).
   */
  private notify(row: TradeRow, attempt = 0, status: string = row.status): void {
    this.later((NOTIFY_RETRY_S[attempt] ?? 0) * 1000, async () => {
      const f = this.faults.for(row.app_id);
      const params = this.notificationParams(row, status);
      const body = new URLSearchParams(params).toString();
      let acked = false;
      for (let i = 0; i < (f.duplicateNotify ? 2 : 1); i++) {
        let reply: string | null = null;
        try {
          const res = await post(row.notify_url!, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body, 5000);
          reply = res.text;
          acked ||= res.status === 200 && res.text === 'success';
        } catch {
          // the merchant was unreachable: retried below
        }
        this.notifyLog.push({ outTradeNo: row.out_trade_no, tradeStatus: status, attempt, reply, notifyId: params.notify_id!, appId: row.app_id });
        if (this.notifyLog.length > LOG_LIMIT) this.notifyLog.shift();
      }
      if (acked && attempt === 0 && status === 'TRADE_SUCCESS' && f.outOfOrderNotify) this.notify(row, 0, 'WAIT_BUYER_PAY');
      if (!acked && attempt + 1 < NOTIFY_RETRY_S.length) this.notify(row, attempt + 1, status);
    });
  }

  /** One verified OpenAPI call: the `<method>_response` object. */
  handle(method: string, appId: string, b: Record<string, unknown>, common: Record<string, string>, ownUrl = this.publicUrl ?? ''): Reply {
    if (method === 'alipay.data.dataservice.bill.downloadurl.query') return this.billUrl(appId, b, ownUrl);
    const outTradeNo = typeof b.out_trade_no === 'string' ? b.out_trade_no : '';
    if (!outTradeNo) return { code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.missing-out-trade-no', sub_msg: 'out_trade_no is required' };
    const existing = this.trade(appId, outTradeNo);
    const visible = existing && existing.status !== 'PRECREATED' && existing.status !== 'PRECREATED_CLOSED' ? existing : undefined;
    const now = new Date().toISOString();
    const notExist = () => biz('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const amountOf = (v: unknown) => { const f = fen(v); return f !== null && f > 0 && f <= 10_000_000_000 ? f : null; };
    const base = (row: TradeRow): Reply => ({ trade_no: row.trade_no, out_trade_no: row.out_trade_no });

    switch (method) {
      case 'alipay.trade.precreate': {
        const amount = amountOf(b.total_amount);
        if (amount === null || typeof b.subject !== 'string' || !b.subject) return biz('ACQ.INVALID_PARAMETER', 'total_amount / subject invalid');
        if (existing) {
          if (existing.amount !== amount) return biz('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
          if (existing.status === 'TRADE_SUCCESS') return biz('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
          if (existing.status === 'TRADE_CLOSED' || existing.status === 'PRECREATED_CLOSED') return biz('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
          return ok({ out_trade_no: outTradeNo, qr_code: existing.qr_code });
        }
        const expires = parseBeijingText(b.time_expire);
        const token = randomBytes(12).toString('hex');
        const row: TradeRow = {
          app_id: appId, out_trade_no: outTradeNo, trade_no: this.newTradeNo(), amount, status: 'PRECREATED', subject: b.subject,
          // A browser-openable cashier when mounted somewhere public; otherwise Alipay's own form.
          auth_code: null, qr_code: this.publicUrl ? `${this.publicUrl}/cashier/${token}` : `https://qr.alipay.com/bax0${token}`,
          notify_url: common.notify_url ?? null, expires_at: new Date(expires ?? Date.now() + 2 * 3600_000).toISOString(),
          pay_until: null, refunded: 0, cancel_retry: 0, created_at: now, then_status: null, qr_token: token,
        };
        this.insert(row);
        return ok({ out_trade_no: outTradeNo, qr_code: row.qr_code });
      }
      case 'alipay.trade.pay': {
        const amount = amountOf(b.total_amount);
        if (amount === null || typeof b.subject !== 'string' || !b.subject) return biz('ACQ.INVALID_PARAMETER', 'total_amount / subject invalid');
        if (existing) {
          if (existing.amount !== amount || existing.auth_code !== b.auth_code) return biz('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
          if (existing.status === 'TRADE_SUCCESS') return biz('ACQ.TRADE_HAS_SUCCESS', '交易已被支付', base(existing));
          if (existing.status === 'WAIT_BUYER_PAY') return { code: '10003', msg: 'order success pay inprocess', ...base(existing) };
          return biz('ACQ.TRADE_HAS_CLOSE', '交易已经关闭', base(existing));
        }
        if (b.scene !== undefined && b.scene !== 'bar_code' && b.scene !== 'security_code') return biz('ACQ.INVALID_PARAMETER', 'scene invalid');
        const code = typeof b.auth_code === 'string' ? b.auth_code : '';
        if (!ALIPAY_AUTH_CODE.test(code)) return biz('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款');
        const behaviour = code.slice(-2);
        const faults = this.faults.for(appId);
        if (behaviour === '01') return biz('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足');
        if (behaviour === '05') return biz('ACQ.SYSTEM_ERROR', '系统错误');
        if (behaviour === '06') return biz('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款');
        const row: TradeRow = {
          app_id: appId, out_trade_no: outTradeNo, trade_no: this.newTradeNo(), amount, status: 'WAIT_BUYER_PAY', subject: b.subject,
          auth_code: code, qr_code: null, notify_url: common.notify_url ?? null, expires_at: null,
          pay_until: behaviour === '02' ? new Date(Date.now() + faults.userPayingMs).toISOString() : null,
          refunded: 0, cancel_retry: behaviour === '07' ? 1 : 0, created_at: now,
          then_status: behaviour === '02' && faults.userPayingThen === 'declined' ? 'TRADE_CLOSED' : null, qr_token: null,
        };
        this.insert(row);
        if (behaviour === '02' || behaviour === '03' || behaviour === '07') {
          if (behaviour === '02') {
            // The customer finishes confirming whether or not anyone asks, so the notification goes out on time.
            this.later(faults.userPayingMs + 5, () => { try { this.trade(appId, outTradeNo); } catch { /* emulator closed */ } });
          }
          return { code: '10003', msg: 'order success pay inprocess', ...base(row), total_amount: toDecimal(amount) };
        }
        this.markPaid(row);
        if (behaviour === '04') return biz('ACQ.SYSTEM_ERROR', '系统错误');
        return ok({
          ...base(row), buyer_logon_id: '159****5620', total_amount: toDecimal(amount), receipt_amount: toDecimal(amount),
          buyer_pay_amount: toDecimal(amount), point_amount: '0.00', invoice_amount: toDecimal(amount), gmt_payment: alipayTimestamp(),
          fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: toDecimal(amount) }], buyer_user_id: '2088102177846880',
        });
      }
      case 'alipay.trade.query': {
        if (!visible) return notExist();
        return ok({
          ...base(visible), buyer_logon_id: '159****5620', trade_status: visible.status, total_amount: toDecimal(visible.amount),
          ...(visible.status === 'TRADE_SUCCESS' ? { buyer_pay_amount: toDecimal(visible.amount), receipt_amount: toDecimal(visible.amount) } : {}),
        });
      }
      case 'alipay.trade.close': {
        if (!existing) return notExist();
        if (existing.status === 'PRECREATED') {
          // Nothing exists for Alipay before a scan; the QR is voided so a late scan cannot pay it.
          this.stmt(`UPDATE trades SET status = 'PRECREATED_CLOSED' WHERE app_id = ? AND out_trade_no = ? AND status = 'PRECREATED'`).run(appId, outTradeNo);
          return notExist();
        }
        if (!visible) return notExist();
        if (visible.status === 'TRADE_SUCCESS') return biz('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        this.stmt(`UPDATE trades SET status = 'TRADE_CLOSED', pay_until = NULL WHERE app_id = ? AND out_trade_no = ? AND status = 'WAIT_BUYER_PAY'`).run(appId, outTradeNo);
        return ok(base(visible));
      }
      case 'alipay.trade.cancel': {
        if (!existing) {
          // Cancelling an unknown out_trade_no succeeds and blocks a late pay under that number.
          this.insert({
            app_id: appId, out_trade_no: outTradeNo, trade_no: this.newTradeNo(), amount: 0, status: 'TRADE_CLOSED', subject: '',
            auth_code: null, qr_code: null, notify_url: null, expires_at: null, pay_until: null, refunded: 0, cancel_retry: 0, created_at: now,
            then_status: null, qr_token: null,
          });
          return ok({ out_trade_no: outTradeNo, retry_flag: 'N' });
        }
        if (existing.cancel_retry === 1) {
          this.stmt('UPDATE trades SET cancel_retry = 2 WHERE app_id = ? AND out_trade_no = ?').run(appId, outTradeNo);
          return biz('ACQ.SYSTEM_ERROR', '系统错误', { out_trade_no: outTradeNo, retry_flag: 'Y' });
        }
        if (existing.status === 'TRADE_SUCCESS') {
          const back = existing.amount - existing.refunded;
          this.db.transaction(() => {
            const r = this.stmt(`UPDATE trades SET status = 'TRADE_CLOSED', refunded = amount WHERE app_id = ? AND out_trade_no = ? AND status = 'TRADE_SUCCESS'`).run(appId, outTradeNo);
            if (r.changes === 1 && back > 0) this.stmt(`INSERT INTO charges (app_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'cancel', ?, ?)`).run(appId, outTradeNo, back, now);
          })();
          return ok({ ...base(existing), retry_flag: 'N', action: 'refund' });
        }
        this.stmt(`UPDATE trades SET status = CASE WHEN status = 'PRECREATED' THEN 'PRECREATED_CLOSED' WHEN status = 'WAIT_BUYER_PAY' THEN 'TRADE_CLOSED' ELSE status END, pay_until = NULL
          WHERE app_id = ? AND out_trade_no = ?`).run(appId, outTradeNo);
        return ok({ ...base(existing), retry_flag: 'N', action: 'close' });
      }
      case 'alipay.trade.refund': {
        if (!visible) return notExist();
        const amount = amountOf(b.refund_amount);
        const reqNo = typeof b.out_request_no === 'string' && b.out_request_no ? b.out_request_no : outTradeNo;
        if (amount === null) return biz('ACQ.INVALID_PARAMETER', 'refund_amount invalid');
        const done = this.stmt(`SELECT amount FROM charges WHERE app_id = ? AND out_trade_no = ? AND kind = 'refund' AND ref = ?`).get(appId, outTradeNo, reqNo) as { amount: number } | undefined;
        const answer = (change: 'Y' | 'N') => ok({ ...base(visible), buyer_logon_id: '159****5620', fund_change: change, refund_fee: toDecimal(this.raw(visible).refunded), gmt_refund_pay: alipayTimestamp() });
        if (done) return done.amount === amount ? answer('N') : biz('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
        if (visible.status !== 'TRADE_SUCCESS') return biz('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        if (visible.refunded + amount > visible.amount) return biz('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
        this.db.transaction(() => {
          this.stmt(`UPDATE trades SET refunded = refunded + ?, status = CASE WHEN refunded + ? >= amount THEN 'TRADE_CLOSED' ELSE status END WHERE app_id = ? AND out_trade_no = ?`)
            .run(amount, amount, appId, outTradeNo);
          this.stmt(`INSERT INTO charges (app_id, out_trade_no, kind, amount, ref, at) VALUES (?, ?, 'refund', ?, ?, ?)`).run(appId, outTradeNo, amount, reqNo, now);
        })();
        return answer('Y');
      }
      case 'alipay.trade.fastpay.refund.query': {
        if (!visible) return notExist();
        const reqNo = typeof b.out_request_no === 'string' && b.out_request_no ? b.out_request_no : outTradeNo;
        const done = this.stmt(`SELECT amount FROM charges WHERE app_id = ? AND out_trade_no = ? AND kind = 'refund' AND ref = ?`).get(appId, outTradeNo, reqNo) as { amount: number } | undefined;
        if (!done) return ok({ ...base(visible), out_request_no: reqNo });
        return ok({ ...base(visible), out_request_no: reqNo, total_amount: toDecimal(visible.amount), refund_amount: toDecimal(done.amount), refund_status: 'REFUND_SUCCESS', gmt_refund_pay: alipayTimestamp() });
      }
      default:
        return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-method', sub_msg: `不存在的方法名 ${method}` };
    }
  }

  /**
   * `alipay.data.dataservice.bill.downloadurl.query`: the day's trade bill (GMT+8 date), built now and
   * served once from a short link. Today's bill is given as it stands (Alipay itself waits for the day to
   * end; the emulator does not, so tests need not wait a day). Future days have no bill.
   */
  private billUrl(appId: string, b: Record<string, unknown>, base: string): Reply {
    if (b.bill_type !== 'trade') return biz('isv.invalid-bill-type', 'bill_type 仅支持 trade');
    const date = typeof b.bill_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(b.bill_date) ? b.bill_date : null;
    if (!date) return biz('isv.invalid-bill-date', 'bill_date 格式应为 yyyy-MM-dd');
    const anomaly = this.faults.for(appId).billAnomaly;
    // Under the midnight anomaly tomorrow's bill exists already: a test cannot wait a day for it.
    if (date > alipayTimestamp().slice(0, 10) && !(anomaly === 'midnight' && date === addDays(alipayTimestamp().slice(0, 10), 1))) return biz('isp.bill_not_exist', '账单不存在');
    const entries = anomaly === 'midnight'
      ? acrossMidnight(date, this.billEntries(appId, date), this.billEntries(appId, dayBefore(date)), (e) => e.kind === 'trade', (e, at) => ({ ...e, doneAt: at }))
      : this.billEntries(appId, date);
    const file = buildBillZip({ pid: SELLER_PID, date, entries, anomaly });
    const fileId = randomBytes(16).toString('hex');
    this.bills.set(fileId, file);
    this.later(10 * 60_000, () => { this.bills.delete(fileId); });
    const q = new URLSearchParams({ bizType: 'trade', userId: SELLER_PID, fileType: 'csv.zip', bizDates: date.replace(/-/g, ''), downloadFileName: file.name, fileId });
    return ok({ bill_download_url: `${base}/downloadBillFile.resource?${q.toString()}` });
  }

  /** The money that moved for one app on one GMT+8 day, from the append-only charges. */
  private billEntries(appId: string, date: string): BillEntry[] {
    const start = new Date(Date.parse(`${date}T00:00:00+08:00`)).toISOString();
    const end = new Date(Date.parse(`${date}T00:00:00+08:00`) + 86_400_000).toISOString();
    const rows = this.stmt(`SELECT c.kind, c.amount, c.ref, c.at, c.out_trade_no, t.trade_no, t.subject, t.created_at, t.amount AS total
      FROM charges c JOIN trades t ON t.app_id = c.app_id AND t.out_trade_no = c.out_trade_no
      WHERE c.app_id = ? AND c.at >= ? AND c.at < ? ORDER BY c.id`).all(appId, start, end) as Array<{ kind: string; amount: number; ref: string | null; at: string; out_trade_no: string; trade_no: string; subject: string; created_at: string; total: number }>;
    const imported: BillEntry[] = this.history.day(appId, date).map((h) => ({
      kind: h.kind === 'payment' ? 'trade' : 'refund', tradeNo: h.channelTradeNo, outTradeNo: h.outTradeNo, subject: h.subject ?? 'Saoma',
      createdAt: h.at, doneAt: h.at, total: h.amount, amount: h.amount, fee: Math.abs(h.fee), ...(h.outRefundNo ? { requestNo: h.outRefundNo } : {}),
    }));
    return [...imported, ...rows.map((r) => ({
      kind: r.kind === 'charge' ? 'trade' as const : 'refund' as const, tradeNo: r.trade_no, outTradeNo: r.out_trade_no, subject: r.subject,
      createdAt: r.created_at, doneAt: r.at, total: r.total, amount: r.amount,
      // A cancel's refund has no request number of ours; Alipay lists it under the trade's own number.
      ...(r.kind === 'charge' ? {} : { requestNo: r.ref ?? r.out_trade_no }),
    }))];
  }

  /** The customer opens a scanned dynamic QR in the app: the trade now exists at Alipay (WAIT_BUYER_PAY). */
  private open(qrCode: string): TradeRow | undefined {
    const found = this.stmt('SELECT * FROM trades WHERE qr_code = ? OR qr_token = ?').get(qrCode, qrCode) as TradeRow | undefined;
    if (!found) return undefined;
    const row = this.settle(found);
    if (row.status !== 'PRECREATED') return row;
    this.stmt(`UPDATE trades SET status = 'WAIT_BUYER_PAY', created_at = ? WHERE app_id = ? AND out_trade_no = ? AND status = 'PRECREATED'`).run(new Date().toISOString(), row.app_id, row.out_trade_no);
    return this.raw(row);
  }

  /** The customer scans a dynamic QR (its URL or cashier token) with the Alipay app and pays (or declines). */
  scan(qrCode: string, action: 'pay' | 'decline' = 'pay'): Reply {
    const row = this.open(qrCode);
    if (!row) return { code: 'QR_NOT_FOUND', msg: 'not an emulator QR code' };
    if (row.status !== 'WAIT_BUYER_PAY') return { code: 'TRADE_NOT_PAYABLE', msg: `trade is ${row.status}`, trade_status: row.status };
    if (action === 'decline') return { code: 'DECLINED', msg: 'customer left the cashier', trade_status: row.status };
    this.markPaid(row);
    return { code: '10000', out_trade_no: row.out_trade_no, trade_no: row.trade_no, trade_status: 'TRADE_SUCCESS', total_amount: toDecimal(row.amount) };
  }

  /**
   * Verify and answer one gateway request (params merged from query string and form body), through the
   * faults in force for its app_id. `null`: no answer at all (hang).
   */
  async gateway(params: Record<string, string>, base = this.publicUrl ?? '', onGone?: (wake: () => void) => void): Promise<{ body: string; lost: boolean } | null> {
    const method = params.method ?? '';
    const appId = params.app_id;
    const key = method ? responseKey(method) : 'error_response';
    const answer = (inner: Reply) => signedResponse(method, inner, this.signKey(appId), key);
    const app = this.apps.get(appId ?? '');
    const f = this.faults.for(appId);
    if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (!method) return { body: answer({ code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.missing-method', sub_msg: '缺少方法名参数' }), lost: false };
    if (!app) return { body: answer({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id', sub_msg: '无效的AppID参数' }), lost: false };
    if (params.sign_type !== 'RSA2') return { body: answer({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature-type', sub_msg: '无效的签名类型' }), lost: false };
    if (!verifyRequest(params, app.key)) {
      const { sign: _sign, ...rest } = params;
      const content = Object.keys(rest).filter((k) => rest[k] !== '').sort().map((k) => `${k}=${rest[k]}`).join('&');
      return { body: answer({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}` }), lost: false };
    }
    let bizContent: Record<string, unknown>;
    try {
      bizContent = JSON.parse(params.biz_content ?? '') as Record<string, unknown>;
      if (!bizContent || typeof bizContent !== 'object') throw new Error('not an object');
    } catch {
      return { body: answer({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-biz-content', sub_msg: 'biz_content 不是 JSON 对象' }), lost: false };
    }
    const call = { appId: appId!, method, outTradeNo: typeof bizContent.out_trade_no === 'string' ? bizContent.out_trade_no : undefined, fault: null as (typeof this.calls)[number]['fault'] };
    this.calls.push(call);
    if (this.calls.length > LOG_LIMIT) this.calls.shift();
    if (this.faults.take(appId, 'hangNext')) {
      // Never answered and nothing done: wait until the caller gives up (or the emulator closes).
      call.fault = 'hang';
      await new Promise<void>((resolve) => {
        const wake = () => { this.hung.delete(wake); clearTimeout(t); resolve(); };
        const t = setTimeout(wake, 120_000);
        t.unref();
        this.hung.add(wake);
        onGone?.(wake);
      });
      return null;
    }
    if (this.faults.take(appId, 'systemErrorNext')) {
      call.fault = 'system_error';
      return { body: answer({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' }), lost: false };
    }
    const inner = this.handle(method, appId!, bizContent, params, base);
    if (this.faults.take(appId, 'lostReplyNext')) {
      call.fault = 'lost_reply';
      return { body: '', lost: true };
    }
    if (this.faults.take(appId, 'unknownResultNext')) {
      call.fault = 'unknown_result';
      return { body: answer({ ...UNDOCUMENTED, ...(call.outTradeNo ? { out_trade_no: call.outTradeNo } : {}) }), lost: false };
    }
    return { body: answer(inner), lost: false };
  }

  /** Where this emulator is reachable, as seen by the request (its mount prefix included). */
  private baseOf(request: FastifyRequest, route: string): string {
    if (this.publicUrl) return this.publicUrl;
    const path = request.url.split('?')[0]!;
    const prefix = path.endsWith(route) ? path.slice(0, -route.length) : '';
    return `${request.protocol}://${request.host}${prefix}`;
  }

  /**
   * Every route, relative to the mount point. Register it in its own plugin scope
   * (`app.register((scope) => emulator.routes(scope), { prefix })`): it keeps form bodies as text there.
   */
  routes(app: FastifyInstance): void {
    // Signatures are checked over the form as sent, so it is kept as text (in this plugin's scope only).
    if (app.hasContentTypeParser('application/x-www-form-urlencoded')) app.removeContentTypeParser('application/x-www-form-urlencoded');
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post('/gateway.do', async (request, reply) => {
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
      const ct = String(request.headers['content-type'] ?? '');
      if (ct.startsWith('application/x-www-form-urlencoded')) for (const [k, v] of new URLSearchParams(String(request.body ?? ''))) params[k] = v;
      const out = await this.gateway(params, this.baseOf(request, '/gateway.do'), (wake) => request.raw.socket.once('close', wake));
      if (!out) {
        reply.raw.destroy();
        return reply;
      }
      if (out.lost) return reply.code(502).send('bad gateway');
      return reply.header('content-type', 'application/json;charset=utf-8').send(out.body);
    });
    app.get<{ Querystring: { fileId?: string } }>('/downloadBillFile.resource', async (request, reply) => {
      const file = this.bills.get(String(request.query.fileId ?? ''));
      if (!file) return reply.code(404).type('text/plain').send('file not found or expired');
      return reply.header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="bill.csv.zip"; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .send(Buffer.from(file.zip));
    });
    app.get<{ Params: { token: string }; Querystring: { lang?: string } }>('/cashier/:token', async (request, reply) => {
      const locale = cashierLocale(ALIPAY, request.query.lang, request.headers['accept-language']);
      const row = this.open(request.params.token);
      reply.type('text/html; charset=utf-8');
      if (!row) return reply.code(404).send(outcomePage({ wallet: ALIPAY, locale, outcome: 'not_found' }));
      if (row.status !== 'WAIT_BUYER_PAY') return outcomePage({ wallet: ALIPAY, locale, outcome: 'not_payable' });
      return cashierPage({
        wallet: ALIPAY, locale, amount: { minor: row.amount, currency: 'CNY' }, merchant: this.apps.get(row.app_id)?.name ?? row.app_id, subject: row.subject,
        // Posts back to this page; the language rides in the form, as the page's URL may carry none.
        form: { target: { pay: request.params.token, decline: request.params.token }, fields: { lang: locale } },
      });
    });
    app.post<{ Params: { token: string } }>('/cashier/:token', async (request, reply) => {
      const form = new URLSearchParams(String(request.body ?? ''));
      const locale = cashierLocale(ALIPAY, form.get('lang'), request.headers['accept-language']);
      const action = form.get('action') === 'pay' ? 'pay' : 'decline';
      const r = this.scan(request.params.token, action);
      reply.type('text/html; charset=utf-8');
      if (r.code === 'QR_NOT_FOUND') return reply.code(404).send(outcomePage({ wallet: ALIPAY, locale, outcome: 'not_found' }));
      if (r.code === 'TRADE_NOT_PAYABLE') return outcomePage({ wallet: ALIPAY, locale, outcome: 'not_payable' });
      const paid = r.code === '10000' ? parseTwoDecimals(r.total_amount) : null;
      return outcomePage({ wallet: ALIPAY, locale, outcome: r.code === '10000' ? 'paid' : 'declined', ...(paid !== null ? { amount: { minor: paid, currency: 'CNY' } } : {}) });
    });
    app.post('/scan', async (request, reply) => {
      const b = (request.body && typeof request.body === 'object' ? request.body : {}) as { qr_code?: unknown; action?: unknown };
      if (typeof b.qr_code !== 'string') return reply.code(400).send({ code: 'INVALID', msg: 'qr_code is required' });
      return this.scan(b.qr_code, b.action === 'decline' ? 'decline' : 'pay');
    });
    faultRoutes(app, this.faults);
    app.get('/emulator/charges', async () => this.chargeSummary());
  }
}

const ALIPAY: CashierWallet = { name: { 'zh-Hans': '支付宝', 'zh-Hant': '支付寶', en: 'Alipay' }, home: 'zh-Hans' };

/** Run the emulator on its own port: gateway at `${url}/gateway.do`. */
export async function startAlipayEmulator(opts: AlipayEmulatorOptions & { port: number; host?: string }): Promise<{ url: string; emulator: AlipayEmulator; keys: AlipayKeys; app: FastifyInstance; close(): Promise<void> }> {
  const emulator = new AlipayEmulator(opts);
  const app = Fastify();
  await app.register(async (scope) => emulator.routes(scope));
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  return { url, emulator, keys: emulator.keys, app, async close() { emulator.releaseHung(); await app.close(); emulator.close(); } };
}
