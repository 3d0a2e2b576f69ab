import Fastify, { type FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { createPublicKey, generateKeyPairSync, randomInt, type KeyObject } from 'node:crypto';
import { post } from '../http.ts';
import { alipayTimestamp, fen } from './adapter.ts';
import { notifyContent, responseKey, rsa2Sign, signedResponse, toPem, verifyRequest } from './signing.ts';
import { EmulatorDb } from '../emulator-db.ts';
import { toDecimalString } from '../../core/money.ts';

/**
 * Alipay's side of face-to-face payment, for tests and demos: the OpenAPI 2.0 gateway at POST
 * /gateway.do (parameters from the query string and the form body, merged as the real one does), RSA2
 * checks of our requests with the app's public key, responses signed with the emulator's own "Alipay"
 * key exactly as Alipay does, its own books (trades + append-only charges) in SQLite, signed
 * form-encoded async notifications with retries, and fault injection. See NOTES.md.
 *
 * Payment codes (auth_code: 25–30 then digits, 16–24 long); the last two digits choose the customer:
 *   00 pay at once · 01 ACQ.BUYER_BALANCE_NOT_ENOUGH · 02 10003 then paid after userPayingMs
 *   03 10003 forever (cancel → action=close) · 04 charged, answer lost as ACQ.SYSTEM_ERROR
 *   05 ACQ.SYSTEM_ERROR, nothing charged · 06 ACQ.PAYMENT_AUTH_CODE_INVALID
 *   07 10003 forever, and the first cancel answers retry_flag=Y
 */
export const ALIPAY_AUTH_CODE = /^(2[5-9]|30)\d{14,22}$/;

export interface AlipayFaults {
  latencyMs: number;
  /** Fraction of calls answered 20000 / ACQ.SYSTEM_ERROR before doing anything. */
  errorRate: number;
  /** Fraction of calls processed and then answered with a 502: the caller never learns the result. */
  lostReplyRate: number;
  /** How long a "02" code stays in 10003 (USER_PAYING). */
  userPayingMs: number;
  /** Sign responses and notifications with a key that is not the published Alipay key. */
  badSignature: boolean;
  duplicateNotify: boolean;
}

const DEFAULT_FAULTS: AlipayFaults = { latencyMs: 0, errorRate: 0, lostReplyRate: 0, userPayingMs: 3000, badSignature: false, duplicateNotify: false };
/** Compressed form of Alipay's 4m/10m/10m/1h/2h/6h/15h notify schedule (seconds). */
const NOTIFY_RETRY_S = [0, 1, 3, 10, 30, 60];

type Status = 'PRECREATED' | 'PRECREATED_CLOSED' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

interface TradeRow {
  app_id: string; out_trade_no: string; trade_no: string; amount: number; status: Status; subject: string;
  auth_code: string | null; qr_code: string | null; notify_url: string | null; expires_at: string | null; pay_until: string | null;
  refunded: number; cancel_retry: number; created_at: string;
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
  faults?: Partial<AlipayFaults>;
}

type Reply = Record<string, unknown>;
const ok = (extra: Reply = {}): Reply => ({ code: '10000', msg: 'Success', ...extra });
const biz = (sub: string, subMsg: string, extra: Reply = {}): Reply => ({ code: '40004', msg: 'Business Failed', sub_code: sub, sub_msg: subMsg, ...extra });

function pair(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const toDecimal = (minor: number): string => toDecimalString({ minor, currency: 'CNY' });

/** `yyyy-MM-dd HH:mm:ss` (GMT+8) → epoch ms, or null. */
function parseAlipayTime(s: unknown): number | null {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)) return null;
  const t = Date.parse(`${s.replace(' ', 'T')}+08:00`);
  return Number.isNaN(t) ? null : t;
}

export class AlipayEmulator {
  readonly db: Database.Database;
  private readonly books: EmulatorDb;
  readonly keys: AlipayKeys;
  faults: AlipayFaults;
  /** Every notification delivery attempt and the merchant's reply (tests read it). */
  readonly notifyLog: Array<{ outTradeNo: string; tradeStatus: string; attempt: number; reply: string | null }> = [];
  private readonly apps = new Map<string, KeyObject>();
  private readonly wrongKey = pair().priv;
  private timers = new Set<NodeJS.Timeout>();

  constructor(opts: AlipayEmulatorOptions) {
    this.books = new EmulatorDb(opts.dbPath, `
      CREATE TABLE IF NOT EXISTS trades (
        app_id TEXT NOT NULL, out_trade_no TEXT NOT NULL, trade_no TEXT NOT NULL, amount INTEGER NOT NULL, status TEXT NOT NULL,
        subject TEXT NOT NULL, auth_code TEXT, qr_code TEXT UNIQUE, notify_url TEXT, expires_at TEXT, pay_until TEXT,
        refunded INTEGER NOT NULL DEFAULT 0, cancel_retry INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
        PRIMARY KEY (app_id, out_trade_no));
      CREATE TABLE IF NOT EXISTS charges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, ref TEXT, at TEXT NOT NULL);
      CREATE UNIQUE INDEX IF NOT EXISTS charges_refund ON charges (app_id, out_trade_no, kind, ref) WHERE ref IS NOT NULL;
    `);
    this.db = this.books.db;
    const app = opts.keys?.appPrivateKey && opts.keys.appPublicKey ? { priv: opts.keys.appPrivateKey, pub: opts.keys.appPublicKey } : pair();
    const ali = opts.keys?.alipayPrivateKey && opts.keys.alipayPublicKey ? { priv: opts.keys.alipayPrivateKey, pub: opts.keys.alipayPublicKey } : pair();
    this.keys = { appId: opts.keys?.appId ?? '2021000100000001', appPrivateKey: app.priv, appPublicKey: app.pub, alipayPrivateKey: ali.priv, alipayPublicKey: ali.pub };
    this.registerApp(this.keys.appId, this.keys.appPublicKey);
    this.faults = { ...DEFAULT_FAULTS, ...opts.faults };
  }

  /** Another merchant app, identified by its RSA2 public key (as uploaded to Alipay's console). */
  registerApp(appId: string, publicKey: string): void {
    this.apps.set(appId, createPublicKey(toPem(publicKey, 'PUBLIC KEY')));
  }

  private stmt(text: string): Database.Statement {
    return this.books.stmt(text);
  }


  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.books.close();
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
      this.markPaid(row);
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
    this.stmt(`INSERT INTO trades (app_id, out_trade_no, trade_no, amount, status, subject, auth_code, qr_code, notify_url, expires_at, pay_until, refunded, cancel_retry, created_at)
      VALUES (@app_id, @out_trade_no, @trade_no, @amount, @status, @subject, @auth_code, @qr_code, @notify_url, @expires_at, @pay_until, @refunded, @cancel_retry, @created_at)`).run(row);
  }

  private newTradeNo(): string {
    const d = alipayTimestamp().replace(/\D/g, '').slice(0, 8);
    return `${d}22001${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
  }

  private signKey(): string {
    return this.faults.badSignature ? this.wrongKey : this.keys.alipayPrivateKey;
  }

  /** The signed async notification, form-encoded, retried until the merchant answers exactly `success`. */
  private notify(row: TradeRow, attempt = 0): void {
    const t = setTimeout(async () => {
      this.timers.delete(t);
      const now = alipayTimestamp();
      const params: Record<string, string> = {
        notify_time: now, notify_type: 'trade_status_sync', notify_id: `${row.trade_no}${row.status}${row.refunded}`,
        app_id: row.app_id, auth_app_id: row.app_id, charset: 'utf-8', version: '1.0', sign_type: 'RSA2',
        trade_no: row.trade_no, out_trade_no: row.out_trade_no, buyer_id: '2088102177846880', buyer_logon_id: '159****5620',
        seller_id: '2088102177296610', trade_status: row.status, total_amount: toDecimal(row.amount), receipt_amount: toDecimal(row.amount),
        invoice_amount: toDecimal(row.amount), buyer_pay_amount: toDecimal(row.amount), point_amount: '0.00', subject: row.subject,
        gmt_create: alipayTimestamp(new Date(row.created_at)), gmt_payment: now,
        fund_bill_list: JSON.stringify([{ amount: toDecimal(row.amount), fundChannel: 'ALIPAYACCOUNT' }]),
      };
      if (row.refunded > 0) params.refund_fee = toDecimal(row.refunded);
      params.sign = rsa2Sign(notifyContent(params), this.signKey());
      const body = new URLSearchParams(params).toString();
      let acked = false;
      for (let i = 0; i < (this.faults.duplicateNotify ? 2 : 1); i++) {
        let reply: string | null = null;
        try {
          const res = await post(row.notify_url!, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body, 5000);
          reply = res.text;
          acked ||= res.text === 'success';
        } catch {
          // the merchant was unreachable: retried below
        }
        this.notifyLog.push({ outTradeNo: row.out_trade_no, tradeStatus: row.status, attempt, reply });
      }
      if (!acked && attempt + 1 < NOTIFY_RETRY_S.length) this.notify(row, attempt + 1);
    }, (NOTIFY_RETRY_S[attempt] ?? 0) * 1000);
    t.unref();
    this.timers.add(t);
  }

  /** One verified OpenAPI call: the `<method>_response` object. */
  handle(method: string, appId: string, b: Record<string, unknown>, common: Record<string, string>): Reply {
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
        const expires = parseAlipayTime(b.time_expire);
        const row: TradeRow = {
          app_id: appId, out_trade_no: outTradeNo, trade_no: this.newTradeNo(), amount, status: 'PRECREATED', subject: b.subject,
          auth_code: null, qr_code: `https://qr.alipay.com/bax0${randomInt(0, 1e9).toString(36)}${Date.now().toString(36)}${randomInt(0, 1e9).toString(36)}`,
          notify_url: common.notify_url ?? null, expires_at: new Date(expires ?? Date.now() + 2 * 3600_000).toISOString(),
          pay_until: null, refunded: 0, cancel_retry: 0, created_at: now,
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
        if (behaviour === '01') return biz('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足');
        if (behaviour === '05') return biz('ACQ.SYSTEM_ERROR', '系统错误');
        if (behaviour === '06') return biz('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款');
        const row: TradeRow = {
          app_id: appId, out_trade_no: outTradeNo, trade_no: this.newTradeNo(), amount, status: 'WAIT_BUYER_PAY', subject: b.subject,
          auth_code: code, qr_code: null, notify_url: common.notify_url ?? null, expires_at: null,
          pay_until: behaviour === '02' ? new Date(Date.now() + this.faults.userPayingMs).toISOString() : null,
          refunded: 0, cancel_retry: behaviour === '07' ? 1 : 0, created_at: now,
        };
        this.insert(row);
        if (behaviour === '02' || behaviour === '03' || behaviour === '07') {
          if (behaviour === '02') {
            const t = setTimeout(() => { this.timers.delete(t); try { this.trade(appId, outTradeNo); } catch { /* closed */ } }, this.faults.userPayingMs + 5);
            t.unref();
            this.timers.add(t);
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

  /** The customer scans a dynamic QR with the Alipay app and pays (or declines). */
  scan(qrCode: string, action: 'pay' | 'decline' = 'pay'): Reply {
    const found = this.stmt('SELECT * FROM trades WHERE qr_code = ?').get(qrCode) as TradeRow | undefined;
    if (!found) return { code: 'QR_NOT_FOUND', msg: 'not an emulator QR code' };
    let row = this.settle(found);
    if (row.status === 'PRECREATED') {
      // The scan creates the trade at Alipay (WAIT_BUYER_PAY).
      this.stmt(`UPDATE trades SET status = 'WAIT_BUYER_PAY', created_at = ? WHERE app_id = ? AND out_trade_no = ? AND status = 'PRECREATED'`).run(new Date().toISOString(), row.app_id, row.out_trade_no);
      row = this.raw(row);
    }
    if (row.status !== 'WAIT_BUYER_PAY') return { code: 'TRADE_NOT_PAYABLE', msg: `trade is ${row.status}`, trade_status: row.status };
    if (action === 'decline') return { code: 'DECLINED', msg: 'customer left the cashier', trade_status: row.status };
    this.markPaid(row);
    return { code: '10000', out_trade_no: row.out_trade_no, trade_no: row.trade_no, trade_status: 'TRADE_SUCCESS', total_amount: toDecimal(row.amount) };
  }

  /** Verify and answer one gateway request (params merged from query string and form body). */
  gateway(params: Record<string, string>): { body: string; lost: boolean } {
    const method = params.method ?? '';
    const key = method ? responseKey(method) : 'error_response';
    const answer = (inner: Reply) => signedResponse(method, inner, this.signKey(), key);
    const appKey = this.apps.get(params.app_id ?? '');
    if (!method) return { body: answer({ code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.missing-method', sub_msg: '缺少方法名参数' }), lost: false };
    if (!appKey) return { body: answer({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id', sub_msg: '无效的AppID参数' }), lost: false };
    if (params.sign_type !== 'RSA2') return { body: answer({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature-type', sub_msg: '无效的签名类型' }), lost: false };
    if (!verifyRequest(params, appKey)) {
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
    if (Math.random() < this.faults.errorRate) return { body: answer({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' }), lost: false };
    const inner = this.handle(method, params.app_id!, bizContent, params);
    return { body: answer(inner), lost: Math.random() < this.faults.lostReplyRate };
  }

  routes(app: FastifyInstance): void {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post('/gateway.do', async (request, reply) => {
      if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
      const ct = String(request.headers['content-type'] ?? '');
      if (ct.startsWith('application/x-www-form-urlencoded')) for (const [k, v] of new URLSearchParams(String(request.body ?? ''))) params[k] = v;
      const { body, lost } = this.gateway(params);
      if (lost) return reply.code(502).send('bad gateway');
      return reply.header('content-type', 'application/json;charset=utf-8').send(body);
    });
    app.post('/scan', async (request, reply) => {
      let b: { qr_code?: unknown; action?: unknown } = {};
      try { b = JSON.parse(String(request.body ?? '{}')); } catch { /* answered below */ }
      if (typeof b.qr_code !== 'string') return reply.code(400).send({ code: 'INVALID', msg: 'qr_code is required' });
      return this.scan(b.qr_code, b.action === 'decline' ? 'decline' : 'pay');
    });
    app.get('/faults', async () => this.faults);
    app.put('/faults', async (request, reply) => {
      try { this.faults = { ...this.faults, ...(JSON.parse(String(request.body ?? '{}')) as Partial<AlipayFaults>) }; } catch { return reply.code(400).send({ code: 'INVALID', msg: 'body must be JSON' }); }
      return this.faults;
    });
    app.get('/charges', async () => this.chargeSummary());
  }
}

/** Run the emulator on its own port: gateway at `${url}/gateway.do`. */
export async function startAlipayEmulator(opts: AlipayEmulatorOptions & { port: number; host?: string }): Promise<{ url: string; emulator: AlipayEmulator; keys: AlipayKeys; app: FastifyInstance; close(): Promise<void> }> {
  const emulator = new AlipayEmulator(opts);
  const app = Fastify();
  await app.register(async (scope) => emulator.routes(scope));
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  return { url, emulator, keys: emulator.keys, app, async close() { await app.close(); emulator.close(); } };
}
