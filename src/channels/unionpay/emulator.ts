import Fastify, { type FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { createPrivateKey, generateKeyPairSync, randomBytes, randomInt, X509Certificate, type KeyObject } from 'node:crypto';
import { post } from '../http.ts';
import { EmulatorDb } from '../emulator-db.ts';
import { FaultBook, faultRoutes, type Faults } from '../emulator-faults.ts';
import { cashierLocale, cashierPage, outcomePage, type CashierWallet } from '../cashier-page.ts';
import { billFileName, billText, packBill, type BillLine } from './bill.ts';
import { BillHistory, acrossMidnight, dayBefore, nearestDay } from '../emulator-bill.ts';
import { emulatorPki, testMerchantCredentials } from './fixtures.ts';
import { beijingTime, parseBeijingTime } from './orders.ts';
import { buildReply, certIdOf, formDecode, formEncode, sign, verifyWith, type Params } from './sign.ts';

/**
 * UnionPay's side of ACP 5.1.0 二维码支付, for tests and local runs: form in, `k=v&` out, our signature
 * checked against the merchant's registered certificate (respCode 11), every reply and notification
 * signed with the emulator's "UnionPay" key and carrying its `signPubKeyCert`, its own books in SQLite
 * (`trades`, `txns` for cancels and refunds, append-only `charges`), merchant QR codes paid by a customer
 * on the cashier page, backUrl notifications retried until HTTP 200, the bill by file transfer, and the
 * shared fault vocabulary (FaultBook, account = merId).
 *
 * The customer behind a payment code (`62` + 17 digits) is chosen by its last two digits:
 *   00 paid at once · 01 declined (60, no balance) · 02 03 "in doubt" while confirming for userPayingMs, then
 *   userPayingThen · 03 03 forever (never confirms) · 04 charged, but the reply says 03 · 05 system busy (06),
 *   nothing charged · 06 invalid/expired code (01) · 07 03 while confirming, then declined (wrong password)
 *   · anything else paid at once.
 */
const NOTIFY_RETRY_S = [0, 1, 2, 4, 8, 16];
export const UNIONPAY_CODE = /^62\d{17}$/;

export interface UnionpayMerchant { merId: string; cert: string; name?: string }

type TradeState = 'UNPAID' | 'PENDING' | 'PAID' | 'FAILED' | 'VOIDED';

interface TradeRow {
  mer_id: string; order_id: string; txn_time: string; kind: 'consume' | 'qr'; out_trade_no: string; query_id: string; amount: number;
  state: TradeState; fail_code: string | null; qr_no: string | null; qr_token: string | null; back_url: string; pay_timeout: string | null;
  pay_until: string | null; then_state: string | null; refunded: number; cancelled: number; req_reserved: string | null; created_at: string; paid_at: string | null;
}

interface TxnRow {
  mer_id: string; order_id: string; txn_time: string; txn_type: string; query_id: string; orig_query_id: string; amount: number;
  back_url: string; req_reserved: string | null; out_trade_no: string; created_at: string;
  /** Refunds: until then a query answers origRespCode 05 (accepted, in progress) and no notification is sent. */
  done_at?: string | null;
}

export interface UnionpayEmulatorOptions {
  dbPath: string;
  /** Where the emulator is mounted: QR codes point at `${publicUrl}/cashier/<token>`. */
  publicUrl?: string;
  merchants?: UnionpayMerchant[];
  faults?: Partial<Faults>;
  /** Refunds (04) stay in progress this long: queries answer origRespCode 05, the notification comes after. */
  refundProcessingMs?: number;
}

const MESSAGES: Record<string, string> = {
  '00': '成功[0000000]', '01': '交易失败。付款码无效或已过期', '03': '交易通讯超时，请发起查询交易', '05': '交易已受理，请稍后查询交易结果',
  '06': '系统繁忙，请稍后再试', '11': '验证签名失败', '12': '重复交易', '13': '报文交易要素缺失', '34': '查无此交易',
  '35': '原交易状态不正确', '60': '交易失败，余额不足', ZZ: '未知应答',
};

export class UnionpayEmulator {
  readonly db: Database.Database;
  readonly faults: FaultBook;
  /** Trades from before this emulator ran, for bills of past days (keyed by merId). */
  readonly history: BillHistory;
  publicUrl: string | undefined;
  /** Refunds (04) stay in progress this long (0: done at once); tests may change it between refunds. */
  refundProcessingMs: number;
  readonly merchants = new Map<string, UnionpayMerchant & { certId: string; key: KeyObject }>();
  /** Every API call, in order (tests read which calls the gateway made). */
  readonly calls: Array<{ txnType: string; txnSubType: string; orderId: string | undefined; txnTime: string | undefined; respCode: string; at: number }> = [];
  /** Every notification attempt and the merchant's HTTP status. */
  readonly notifications: Array<{ orderId: string; txnType: string; respCode: string; attempt: number; status: number; body: string; stale: boolean }> = [];
  private readonly books: EmulatorDb;
  private readonly signKey: KeyObject;
  private readonly signCert: string;
  private readonly wrongKey: KeyObject;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: UnionpayEmulatorOptions) {
    this.books = new EmulatorDb(opts.dbPath, `
      CREATE TABLE IF NOT EXISTS trades (
        mer_id TEXT NOT NULL, order_id TEXT NOT NULL, txn_time TEXT NOT NULL, kind TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        query_id TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL, state TEXT NOT NULL, fail_code TEXT, qr_no TEXT, qr_token TEXT UNIQUE,
        back_url TEXT NOT NULL, pay_timeout TEXT, pay_until TEXT, then_state TEXT, refunded INTEGER NOT NULL DEFAULT 0,
        cancelled INTEGER NOT NULL DEFAULT 0, req_reserved TEXT, created_at TEXT NOT NULL, paid_at TEXT, PRIMARY KEY (mer_id, order_id));
      CREATE TABLE IF NOT EXISTS txns (
        mer_id TEXT NOT NULL, order_id TEXT NOT NULL, txn_time TEXT NOT NULL, txn_type TEXT NOT NULL, query_id TEXT NOT NULL UNIQUE,
        orig_query_id TEXT NOT NULL, amount INTEGER NOT NULL, back_url TEXT NOT NULL, req_reserved TEXT, out_trade_no TEXT NOT NULL,
        created_at TEXT NOT NULL, done_at TEXT, PRIMARY KEY (mer_id, order_id));
      CREATE TABLE IF NOT EXISTS charges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, mer_id TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, ref TEXT, at TEXT NOT NULL);
      CREATE TRIGGER IF NOT EXISTS charges_append_only_u BEFORE UPDATE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS charges_append_only_d BEFORE DELETE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
    `);
    this.db = this.books.db;
    this.history = new BillHistory(this.db);
    // Books written before refunds could be in progress.
    if (!(this.db.prepare('PRAGMA table_info(txns)').all() as Array<{ name: string }>).some((c) => c.name === 'done_at')) {
      this.db.exec('ALTER TABLE txns ADD COLUMN done_at TEXT');
    }
    this.refundProcessingMs = opts.refundProcessingMs ?? 0;
    const pki = emulatorPki();
    this.signKey = createPrivateKey(pki.signKey);
    this.signCert = pki.signCert;
    this.wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    this.faults = new FaultBook(opts.faults);
    this.publicUrl = opts.publicUrl?.replace(/\/$/, '');
    const test = testMerchantCredentials();
    for (const m of opts.merchants ?? [{ merId: test.merId, cert: test.signCert, name: 'Saoma 测试商户' }]) this.addMerchant(m);
  }

  /** A merchant and the signing certificate UnionPay issued it (its serial is the certId it must send). */
  addMerchant(m: UnionpayMerchant): void {
    this.merchants.set(m.merId, { ...m, certId: certIdOf(m.cert), key: new X509Certificate(m.cert).publicKey });
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

  /** Net money per trade (by orderId): proves nothing was charged twice. */
  chargeSummary() {
    return this.books.chargeSummary('mer_id', ['cancel', 'refund']);
  }

  trade(merId: string, orderId: string): TradeRow | undefined {
    const row = this.books.stmt('SELECT * FROM trades WHERE mer_id = ? AND order_id = ?').get(merId, orderId) as TradeRow | undefined;
    return row ? this.settle(row) : undefined;
  }

  private reread(row: TradeRow): TradeRow {
    return this.books.stmt('SELECT * FROM trades WHERE mer_id = ? AND order_id = ?').get(row.mer_id, row.order_id) as TradeRow;
  }

  /** Time passing: a confirming customer finishes (paid or declined). */
  private settle(row: TradeRow): TradeRow {
    if (row.state === 'PENDING' && row.pay_until && Date.parse(row.pay_until) <= Date.now()) {
      if (row.then_state === 'declined') {
        this.books.stmt(`UPDATE trades SET state = 'FAILED', fail_code = '60' WHERE mer_id = ? AND order_id = ? AND state = 'PENDING'`).run(row.mer_id, row.order_id);
      } else {
        this.markPaid(row);
      }
      return this.reread(row);
    }
    return row;
  }

  private markPaid(row: TradeRow): boolean {
    const now = new Date().toISOString();
    const paid = this.db.transaction(() => {
      const r = this.books.stmt(`UPDATE trades SET state = 'PAID', paid_at = ? WHERE mer_id = ? AND order_id = ? AND state IN ('UNPAID', 'PENDING')`).run(now, row.mer_id, row.order_id);
      if (r.changes === 1) {
        this.books.stmt(`INSERT INTO charges (mer_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'charge', ?, ?)`).run(row.mer_id, row.order_id, row.amount, now);
      }
      return r.changes === 1;
    })();
    if (paid) this.notify(this.reread(row));
    return paid;
  }

  private newQueryId(): string {
    return `${beijingTime(new Date())}${String(randomInt(0, 1e6)).padStart(6, '0')}${randomBytes(1).toString('hex')}`.slice(0, 21);
  }

  // ------------------------------------------------------------------ notifications

  private consumeFields(t: TradeRow): Params {
    return {
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', bizType: '000000', accessType: '0', txnType: '01',
      txnSubType: t.kind === 'qr' ? '07' : '06', merId: t.mer_id, orderId: t.order_id, txnTime: t.txn_time, txnAmt: String(t.amount),
      currencyCode: '156', queryId: t.query_id, settleAmt: String(t.amount), settleCurrencyCode: '156',
      settleDate: beijingTime(new Date(t.paid_at ?? t.created_at)).slice(4, 8), traceNo: t.query_id.slice(-6),
      traceTime: beijingTime(new Date(t.paid_at ?? t.created_at)).slice(4), ...(t.req_reserved ? { reqReserved: t.req_reserved } : {}),
    };
  }

  private txnFields(x: TxnRow): Params {
    return {
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', bizType: '000000', accessType: '0', txnType: x.txn_type, txnSubType: '00',
      merId: x.mer_id, orderId: x.order_id, txnTime: x.txn_time, txnAmt: String(x.amount), currencyCode: '156', queryId: x.query_id,
      origQryId: x.orig_query_id, settleAmt: String(x.amount), settleCurrencyCode: '156', settleDate: beijingTime(new Date(x.created_at)).slice(4, 8),
      ...(x.req_reserved ? { reqReserved: x.req_reserved } : {}),
    };
  }

  /** A signed notification body as UnionPay would post it (tests also use it to forge one with `key`). */
  notificationBody(fields: Params, account: string, key?: KeyObject): string {
    return formEncode(this.signed(fields, account, key));
  }

  private signed(fields: Params, account: string, key?: KeyObject): Params {
    const p: Params = { ...fields, signPubKeyCert: this.signCert };
    p.signature = sign(p, key ?? (this.faults.for(account).badSignature ? this.wrongKey : this.signKey));
    return p;
  }

  private notify(t: TradeRow | TxnRow, fields?: Params): void {
    const base = fields ?? ('kind' in t ? { ...this.consumeFields(t), respCode: '00', respMsg: MESSAGES['00']! } : { ...this.txnFields(t), respCode: '00', respMsg: MESSAGES['00']! });
    const f = this.faults.for(t.mer_id);
    this.deliver(t.back_url, base, t.mer_id, 0, false);
    if (f.duplicateNotify) this.deliver(t.back_url, base, t.mer_id, 0, false);
    if (f.outOfOrderNotify && base.respCode === '00') {
      // An earlier "in doubt" report of the same transaction, arriving after the final one.
      this.later(300, () => this.deliver(t.back_url, { ...base, respCode: '03', respMsg: MESSAGES['03']! }, t.mer_id, 0, true));
    }
  }

  private deliver(url: string, fields: Params, account: string, attempt: number, stale: boolean): void {
    this.later((NOTIFY_RETRY_S[attempt] ?? 0) * 1000, async () => {
      let status = 0;
      let text = '';
      try {
        const res = await post(url, { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, this.notificationBody(fields, account), 5000);
        status = res.status;
        text = res.text;
      } catch (e) {
        text = (e as Error).message;
      }
      this.notifications.push({ orderId: fields.orderId!, txnType: fields.txnType!, respCode: fields.respCode!, attempt, status, body: text, stale });
      if (status !== 200 && attempt + 1 < NOTIFY_RETRY_S.length) this.deliver(url, fields, account, attempt + 1, stale);
    });
  }

  // ------------------------------------------------------------------ the customer

  /** The customer scans a merchant QR in the UnionPay app and pays (or walks away). */
  scan(qrCode: string, action: 'pay' | 'decline' = 'pay'): { ok: boolean; state: string; message: string; trade?: TradeRow } {
    const token = /\/([A-Za-z0-9]{16,64})$/.exec(qrCode)?.[1];
    const row = token ? this.books.stmt('SELECT * FROM trades WHERE qr_token = ?').get(token) as TradeRow | undefined : undefined;
    if (!row) return { ok: false, state: 'NOT_FOUND', message: '二维码无效' };
    if (row.state !== 'UNPAID') return { ok: false, state: row.state, message: `订单状态为 ${row.state}`, trade: row };
    if (row.pay_timeout && Date.parse(row.pay_timeout) <= Date.now()) return { ok: false, state: 'EXPIRED', message: '二维码已过期', trade: row };
    if (action === 'decline') return { ok: false, state: 'DECLINED', message: '用户取消支付', trade: row };
    this.markPaid(row);
    return { ok: true, state: 'PAID', message: '支付成功', trade: this.reread(row) };
  }

  // ------------------------------------------------------------------ API

  /** One verified API call: the reply's fields before signing, and whether money moved. */
  handle(m: UnionpayMerchant, req: Params): Params {
    const now = new Date();
    const reply = (respCode: string, extra: Params = {}): Params => ({
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', bizType: req.bizType ?? '000000', accessType: '0',
      txnType: req.txnType ?? '', txnSubType: req.txnSubType ?? '', merId: m.merId,
      ...(req.orderId ? { orderId: req.orderId } : {}), ...(req.txnTime ? { txnTime: req.txnTime } : {}),
      respCode, respMsg: MESSAGES[respCode] ?? respCode, ...extra,
    });
    const amount = req.txnAmt && /^[1-9]\d{0,11}$/.test(req.txnAmt) ? Number(req.txnAmt) : null;
    const kind = `${req.txnType}/${req.txnSubType}`;
    const needsOrder = kind !== '76/01';
    if (needsOrder && (!req.orderId || !/^[A-Za-z0-9]{8,40}$/.test(req.orderId) || parseBeijingTime(req.txnTime) === null)) return reply('13');
    const orderId = req.orderId ?? '';
    const existing = this.books.stmt('SELECT * FROM trades WHERE mer_id = ? AND order_id = ?').get(m.merId, orderId) as TradeRow | undefined;
    const existingTxn = this.books.stmt('SELECT * FROM txns WHERE mer_id = ? AND order_id = ?').get(m.merId, orderId) as TxnRow | undefined;
    const fresh = (over: Partial<TradeRow>): TradeRow => ({
      mer_id: m.merId, order_id: orderId, txn_time: req.txnTime!, kind: 'consume', out_trade_no: req.reqReserved ?? orderId, query_id: this.newQueryId(),
      amount: amount ?? 0, state: 'PENDING', fail_code: null, qr_no: null, qr_token: null, back_url: req.backUrl ?? '', pay_timeout: null, pay_until: null,
      then_state: null, refunded: 0, cancelled: 0, req_reserved: req.reqReserved ?? null, created_at: now.toISOString(), paid_at: null, ...over,
    });

    switch (kind) {
      case '01/06': {
        if (amount === null || req.currencyCode !== '156' || !req.backUrl || !req.qrNo) return reply('13');
        if (existing || existingTxn) return reply('12');
        if (!UNIONPAY_CODE.test(req.qrNo)) return reply('01');
        const b = req.qrNo.slice(-2);
        if (b === '05') return reply('06');
        if (b === '06') return reply('01');
        if (b === '01') {
          this.insert(fresh({ qr_no: req.qrNo, state: 'FAILED', fail_code: '60' }));
          return reply('60');
        }
        const confirming = b === '02' || b === '03' || b === '07';
        const f = this.faults.for(m.merId);
        const row = fresh({
          qr_no: req.qrNo, state: 'PENDING',
          pay_until: confirming ? (b === '03' ? null : new Date(now.getTime() + f.userPayingMs).toISOString()) : null,
          then_state: b === '07' ? 'declined' : b === '02' ? f.userPayingThen : null,
        });
        this.insert(row);
        if (confirming) return reply('03');
        this.markPaid(row);
        if (b === '04') return reply('03');
        const t = this.reread(row);
        return reply('00', { queryId: t.query_id, txnAmt: String(t.amount), currencyCode: '156', settleAmt: String(t.amount), settleCurrencyCode: '156', settleDate: beijingTime(now).slice(4, 8) });
      }
      case '01/07': {
        const timeout = parseBeijingTime(req.payTimeout);
        if (amount === null || req.currencyCode !== '156' || !req.backUrl || (req.payTimeout && timeout === null)) return reply('13');
        if (existing || existingTxn) return reply('12');
        const row = fresh({ kind: 'qr', state: 'UNPAID', qr_token: randomBytes(16).toString('hex'), pay_timeout: timeout === null ? new Date(now.getTime() + 3600_000).toISOString() : new Date(timeout).toISOString() });
        this.insert(row);
        return reply('00', { qrCode: this.qrUrl(row.qr_token!), txnAmt: String(amount), currencyCode: '156' });
      }
      case '00/00': {
        if (existing) {
          if (existing.txn_time !== req.txnTime) return reply('34');
          const t = this.settle(existing);
          if (t.state === 'UNPAID') return reply('34');
          const orig = t.state === 'PAID' ? '00' : t.state === 'PENDING' ? '05' : t.state === 'VOIDED' ? '01' : (t.fail_code ?? '01');
          return reply('00', { ...this.consumeFields(t), origRespCode: orig, origRespMsg: MESSAGES[orig] ?? orig, respCode: '00', respMsg: MESSAGES['00']! });
        }
        if (existingTxn && existingTxn.txn_time === req.txnTime) {
          const orig = existingTxn.done_at && Date.parse(existingTxn.done_at) > Date.now() ? '05' : '00';
          return reply('00', { ...this.txnFields(existingTxn), origRespCode: orig, origRespMsg: MESSAGES[orig]!, respCode: '00', respMsg: MESSAGES['00']! });
        }
        return reply('34');
      }
      case '31/00':
      case '04/00': {
        if (amount === null || !req.origQryId || !req.backUrl) return reply('13');
        if (existing || existingTxn) return reply('12');
        const orig0 = this.books.stmt('SELECT * FROM trades WHERE mer_id = ? AND query_id = ?').get(m.merId, req.origQryId) as TradeRow | undefined;
        if (!orig0) return reply('35');
        const orig = this.settle(orig0);
        const isCancel = req.txnType === '31';
        if (isCancel && orig.state === 'PENDING' && amount === orig.amount) {
          // [U] a consume still waiting for the customer is voided by the cancel: it can no longer complete.
          const voided = this.books.stmt(`UPDATE trades SET state = 'VOIDED' WHERE mer_id = ? AND order_id = ? AND state = 'PENDING'`).run(m.merId, orig.order_id);
          if (voided.changes !== 1) return reply('35');
          const x = this.insertTxn(m.merId, req, orig, amount, now);
          return reply('00', { queryId: x.query_id, origQryId: orig.query_id, txnAmt: String(amount) });
        }
        if (orig.state !== 'PAID' || orig.cancelled === 1) return reply('35');
        if (isCancel ? amount !== orig.amount || orig.refunded > 0 : orig.refunded + amount > orig.amount) return reply('35');
        const x = this.db.transaction(() => {
          if (isCancel) this.books.stmt('UPDATE trades SET cancelled = 1 WHERE mer_id = ? AND order_id = ?').run(m.merId, orig.order_id);
          else this.books.stmt('UPDATE trades SET refunded = refunded + ? WHERE mer_id = ? AND order_id = ?').run(amount, m.merId, orig.order_id);
          this.books.stmt('INSERT INTO charges (mer_id, out_trade_no, kind, amount, ref, at) VALUES (?, ?, ?, ?, ?, ?)')
            .run(m.merId, orig.order_id, isCancel ? 'cancel' : 'refund', amount, orderId, now.toISOString());
          return this.insertTxn(m.merId, req, orig, amount, now);
        })();
        // A refund in progress is notified when it completes; a cancel (and an instant refund) at once.
        if (x.done_at) this.later(Math.max(0, Date.parse(x.done_at) - Date.now()), () => this.notify(x));
        else this.notify(x);
        return reply('00', { queryId: x.query_id, origQryId: orig.query_id, txnAmt: String(amount) });
      }
      case '76/01': {
        if (!req.settleDate || !/^\d{4}$/.test(req.settleDate)) return reply('13');
        const name = billFileName(m.merId, `${beijingTime(now).slice(2, 4)}${req.settleDate}`);
        return reply('00', { settleDate: req.settleDate, fileType: '00', fileName: name, fileContent: packBill(name, this.bill(m.merId, req.settleDate)) });
      }
      default:
        return reply('13');
    }
  }

  private insertTxn(merId: string, req: Params, orig: TradeRow, amount: number, now: Date): TxnRow {
    const x: TxnRow = {
      mer_id: merId, order_id: req.orderId!, txn_time: req.txnTime!, txn_type: req.txnType!, query_id: this.newQueryId(), orig_query_id: orig.query_id,
      amount, back_url: req.backUrl!, req_reserved: req.reqReserved ?? null, out_trade_no: orig.out_trade_no, created_at: now.toISOString(),
      done_at: req.txnType === '04' && this.refundProcessingMs > 0 ? new Date(now.getTime() + this.refundProcessingMs).toISOString() : null,
    };
    this.books.stmt(`INSERT INTO txns (mer_id, order_id, txn_time, txn_type, query_id, orig_query_id, amount, back_url, req_reserved, out_trade_no, created_at, done_at)
      VALUES (@mer_id, @order_id, @txn_time, @txn_type, @query_id, @orig_query_id, @amount, @back_url, @req_reserved, @out_trade_no, @created_at, @done_at)`).run(x);
    return x;
  }

  private insert(row: TradeRow): void {
    this.books.stmt(`INSERT INTO trades (mer_id, order_id, txn_time, kind, out_trade_no, query_id, amount, state, fail_code, qr_no, qr_token, back_url, pay_timeout, pay_until, then_state, refunded, cancelled, req_reserved, created_at, paid_at)
      VALUES (@mer_id, @order_id, @txn_time, @kind, @out_trade_no, @query_id, @amount, @state, @fail_code, @qr_no, @qr_token, @back_url, @pay_timeout, @pay_until, @then_state, @refunded, @cancelled, @req_reserved, @created_at, @paid_at)`).run(row);
  }

  private qrUrl(token: string): string {
    return this.publicUrl ? `${this.publicUrl}/cashier/${token}` : `https://qr.95516.com/00010000/${token}`;
  }

  /** The day's bill (settleDate MMDD, Beijing, of the year that makes it not in the future), as booked, or bent by the faults. */
  private bill(merId: string, settleDate: string): string {
    const day = nearestDay(settleDate, new Date());
    const fee = (amount: number) => Math.round((amount * 38) / 10_000);
    const anomaly = this.faults.for(merId).billAnomaly;
    let lines = this.billLines(merId, day);
    if (anomaly === 'midnight') {
      lines = acrossMidnight(day, lines, this.billLines(merId, dayBefore(day)), (l) => l.txnType === '01', (l, at) => ({ ...l, txnTime: beijingTime(new Date(at)) }));
    }
    const first = lines.findIndex((l) => l.txnType === '01');
    if (anomaly === 'missing' && lines.length > 0) lines.shift();
    if (anomaly === 'extra') {
      lines.push({ txnType: '01', orderId: `EMUEXTRA${day.replace(/-/g, '')}`, queryId: `EXTRA${day.replace(/-/g, '')}000000000000`, origQryId: null, txnTime: `${day.replace(/-/g, '')}120000`, amount: 1234, fee: fee(1234), currencyCode: '156', reqReserved: null });
    }
    if (anomaly === 'amount' && lines.length > 0) lines[0] = { ...lines[0]!, amount: lines[0]!.amount + 1 };
    if (anomaly === 'fee' && first >= 0) lines[first] = { ...lines[first]!, fee: lines[first]!.fee + 5 };
    const text = billText(merId, settleDate, lines);
    return anomaly === 'truncated' ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text;
  }

  /** One Beijing day's money as bill lines: imported history, consumes, then refunds and cancels. */
  private billLines(merId: string, day: string): BillLine[] {
    const inDay = (iso: string) => beijingTime(new Date(iso)).slice(0, 8) === day.replace(/-/g, '');
    const fee = (amount: number) => Math.round((amount * 38) / 10_000);
    const lines: BillLine[] = this.history.day(merId, day).map((h) => ({
      txnType: h.kind === 'payment' ? '01' : '04', orderId: h.kind === 'payment' ? h.outTradeNo : (h.outRefundNo ?? h.outTradeNo), queryId: h.channelTradeNo,
      origQryId: h.kind === 'payment' ? null : h.channelTradeNo, txnTime: beijingTime(new Date(h.at)), amount: h.amount, fee: h.fee, currencyCode: '156',
      reqReserved: h.kind === 'payment' ? h.outTradeNo : `${h.outTradeNo}/${h.outRefundNo ?? ''}`,
    }));
    for (const t of this.books.stmt(`SELECT * FROM trades WHERE mer_id = ? AND paid_at IS NOT NULL ORDER BY paid_at`).all(merId) as TradeRow[]) {
      if (!inDay(t.paid_at!)) continue;
      lines.push({ txnType: '01', orderId: t.order_id, queryId: t.query_id, origQryId: null, txnTime: t.txn_time, amount: t.amount, fee: fee(t.amount), currencyCode: '156', reqReserved: t.req_reserved });
    }
    for (const x of this.books.stmt(`SELECT * FROM txns WHERE mer_id = ? ORDER BY created_at`).all(merId) as TxnRow[]) {
      if (!inDay(x.created_at)) continue;
      const amountBack = this.books.stmt(`SELECT state FROM trades WHERE query_id = ?`).get(x.orig_query_id) as { state: string } | undefined;
      // A voided (never completed) consume moved no money: its cancel is not in the bill either.
      if (amountBack?.state === 'VOIDED') continue;
      lines.push({ txnType: x.txn_type, orderId: x.order_id, queryId: x.query_id, origQryId: x.orig_query_id, txnTime: x.txn_time, amount: x.amount, fee: -fee(x.amount), currencyCode: '156', reqReserved: x.req_reserved });
    }
    return lines;
  }

  // ------------------------------------------------------------------ HTTP

  routes(app: FastifyInstance): void {
    const form = 'application/x-www-form-urlencoded';
    if (app.hasContentTypeParser(form)) app.removeContentTypeParser(form);
    app.addContentTypeParser(form, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const api = async (request: { body: unknown }, reply: import('fastify').FastifyReply) => {
      const req = formDecode(String(request.body ?? ''));
      const m = this.merchants.get(req.merId ?? '');
      const send = (fields: Params, account: string) => reply.header('content-type', 'text/plain; charset=UTF-8').send(buildReply(this.signed(fields, account)));
      const base = { version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: req.txnType ?? '', txnSubType: req.txnSubType ?? '', merId: req.merId ?? '' };
      if (!m) return send({ ...base, respCode: '13', respMsg: '商户号不存在' }, '');
      if (req.signMethod !== '01' || req.version !== '5.1.0' || req.certId !== m.certId || !verifyWith(req, m.key)) {
        return send({ ...base, respCode: '11', respMsg: MESSAGES['11']! }, m.merId);
      }
      await this.faults.delay(m.merId);
      let out: Params;
      if (this.faults.take(m.merId, 'systemErrorNext')) out = { ...base, respCode: '06', respMsg: MESSAGES['06']! };
      else out = this.handle(m, req);
      if (this.faults.take(m.merId, 'unknownResultNext')) out = { ...out, respCode: 'ZZ', respMsg: MESSAGES.ZZ! };
      this.calls.push({ txnType: req.txnType ?? '', txnSubType: req.txnSubType ?? '', orderId: req.orderId, txnTime: req.txnTime, respCode: out.respCode!, at: Date.now() });
      if (this.faults.take(m.merId, 'lostReplyNext')) return reply.code(502).send('bad gateway');
      return send(out, m.merId);
    };
    app.post('/gateway/api/backTransReq.do', api);
    app.post('/gateway/api/queryTrans.do', api);
    app.post('/filedownload', api);

    app.post<{ Body: { qrCode?: string; qr_code?: string; action?: string } }>('/emulator/scan', async (request) => {
      const b = (typeof request.body === 'string' ? JSON.parse(request.body || '{}') : request.body ?? {}) as { qrCode?: string; qr_code?: string; action?: string };
      const r = this.scan(String(b.qrCode ?? b.qr_code ?? ''), b.action === 'decline' ? 'decline' : 'pay');
      return { ok: r.ok, state: r.state, message: r.message };
    });
    app.get('/emulator/charges', async () => this.chargeSummary());
    app.get('/emulator/notifications', async () => this.notifications);
    faultRoutes(app, this.faults);

    app.get<{ Params: { token: string }; Querystring: { lang?: string } }>('/cashier/:token', async (request, reply) => {
      const locale = cashierLocale(UNIONPAY, request.query.lang, request.headers['accept-language']);
      const row = this.books.stmt('SELECT * FROM trades WHERE qr_token = ?').get(request.params.token) as TradeRow | undefined;
      reply.type('text/html; charset=utf-8');
      if (!row) return outcomePage({ wallet: UNIONPAY, locale, outcome: 'not_found' });
      const shown = { wallet: UNIONPAY, locale, amount: { minor: row.amount, currency: 'CNY' as const }, merchant: this.merchants.get(row.mer_id)?.name ?? row.mer_id };
      if (row.state !== 'UNPAID') return outcomePage({ ...shown, outcome: 'not_payable' });
      // Both buttons post `action` to this page's own path, relative to it, so it works under any mount prefix.
      const self = `${encodeURIComponent(row.qr_token!)}?lang=${locale}`;
      return cashierPage({ ...shown, form: { target: { pay: self, decline: self } } });
    });
    app.post<{ Params: { token: string }; Querystring: { lang?: string } }>('/cashier/:token', async (request, reply) => {
      const locale = cashierLocale(UNIONPAY, request.query.lang, request.headers['accept-language']);
      const action = formDecode(String(request.body ?? '')).action === 'decline' ? 'decline' : 'pay';
      const r = this.scan(`/${request.params.token}`, action);
      return reply.type('text/html; charset=utf-8').send(outcomePage({
        wallet: UNIONPAY, locale, outcome: r.ok ? 'paid' : r.state === 'DECLINED' ? 'declined' : r.state === 'NOT_FOUND' ? 'not_found' : r.state === 'EXPIRED' ? 'expired' : 'not_payable',
      }));
    });
  }
}

const UNIONPAY: CashierWallet = { name: { 'zh-Hans': '云闪付', 'zh-Hant': '雲閃付', en: 'UnionPay' }, home: 'zh-Hans' };

/** Run UnionPay's side as its own server; QR codes point at its cashier page. */
export async function startUnionpayEmulator(opts: { port: number; dbPath: string; host?: string; merchants?: UnionpayMerchant[]; faults?: Partial<Faults>; refundProcessingMs?: number }): Promise<{ url: string; emulator: UnionpayEmulator; app: FastifyInstance }> {
  const emulator = new UnionpayEmulator(opts);
  const app = Fastify();
  await app.register(async (scope) => emulator.routes(scope));
  app.addHook('onClose', async () => emulator.close());
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  emulator.publicUrl ??= url;
  return { url, emulator, app };
}
