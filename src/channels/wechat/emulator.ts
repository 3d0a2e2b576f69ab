import Fastify, { type FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { post } from '../http.ts';
import { buildXml, nonceStr, parseXml, sign, verify, type Params, type SignType } from './sign.ts';
import { EmulatorDb } from '../emulator-db.ts';

/**
 * WeChat Pay API v2's side, for tests and local runs: XML in and out, our signature checked (SIGNERROR),
 * replies signed, its own books in SQLite (`trades`, `refunds`, and an append-only `charges`), NATIVE
 * code_url `weixin://wxpay/bizpayurl?pr=…`, a customer who scans and pays, signed notifications with
 * retries, and injected faults. /secapi/* skips mutual TLS (loopback only).
 *
 * The customer's behaviour is chosen by a payment code's last two digits:
 * 00 pays at once · 01 NOTENOUGH · 02 USERPAYING for `userPayingMs`, then paid · 03 USERPAYING, never
 * confirms · 04 charged but the reply says SYSTEMERROR · 05 SYSTEMERROR, nothing charged ·
 * 06 AUTHCODEEXPIRE · 07 USERPAYING then PAYERROR (wrong password).
 */
export interface WechatFaults {
  latencyMs: number;
  /** The next N requests are answered SYSTEMERROR (result_code FAIL) without doing anything. */
  systemErrorNext: number;
  /** The next N requests are processed, then answered HTTP 502 (the caller never learns the result). */
  lostReplyNext: number;
  /** How long a "02" code stays USERPAYING. */
  userPayingMs: number;
  /** The next N reverse calls answer result_code FAIL, err_code SYSTEMERROR, recall=Y (nothing done). */
  recallNext: number;
  /** Sign replies and notifications with a wrong key. */
  badSignature: boolean;
  /** Refunds stay PROCESSING this long before SUCCESS. */
  refundProcessingMs: number;
}

const DEFAULT_FAULTS: WechatFaults = {
  latencyMs: 0, systemErrorNext: 0, lostReplyNext: 0, userPayingMs: 3000, recallNext: 0, badSignature: false, refundProcessingMs: 0,
};

/** A compressed form of WeChat's 15s/15s/30s/3m/10m/… schedule. */
const NOTIFY_RETRY_S = [0, 1, 3, 10, 30, 60];

export interface WechatMerchant { mchId: string; appId: string; apiKey: string }

type TradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REVOKED' | 'PAYERROR' | 'REFUND';

interface TradeRow {
  mch_id: string; out_trade_no: string; transaction_id: string; appid: string; amount: number; state: TradeState;
  trade_type: string; auth_code: string | null; notify_url: string | null; code_token: string | null; expires_at: string | null;
  pay_until: string | null; then_state: string | null; refunded: number; sign_type: string; created_at: string; paid_at: string | null;
}

interface RefundRow {
  mch_id: string; out_refund_no: string; out_trade_no: string; refund_id: string; amount: number; done_at: string; created_at: string;
}

export interface WechatEmulatorOptions {
  dbPath: string;
  merchants?: WechatMerchant[];
  faults?: Partial<WechatFaults>;
}

export class WechatEmulator {
  readonly db: Database.Database;
  private readonly books: EmulatorDb;
  faults: WechatFaults;
  readonly merchants = new Map<string, WechatMerchant>();
  /** Every call received, in order: for tests that check timing (reverse ≥ 15 s) and retries. */
  readonly calls: Array<{ path: string; outTradeNo: string | undefined; at: number; errCode?: string }> = [];
  /** Every notification sent, with the gateway's reply. */
  readonly notifications: Array<{ outTradeNo: string; attempt: number; acked: boolean; reply: string }> = [];
  private timers = new Set<NodeJS.Timeout>();

  constructor(opts: WechatEmulatorOptions) {
    this.books = new EmulatorDb(opts.dbPath, `
      CREATE TABLE IF NOT EXISTS trades (
        mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL, transaction_id TEXT NOT NULL, appid TEXT NOT NULL,
        amount INTEGER NOT NULL, state TEXT NOT NULL, trade_type TEXT NOT NULL, auth_code TEXT, notify_url TEXT,
        code_token TEXT UNIQUE, expires_at TEXT, pay_until TEXT, then_state TEXT, refunded INTEGER NOT NULL DEFAULT 0,
        sign_type TEXT NOT NULL, created_at TEXT NOT NULL, paid_at TEXT, PRIMARY KEY (mch_id, out_trade_no));
      CREATE TABLE IF NOT EXISTS refunds (
        mch_id TEXT NOT NULL, out_refund_no TEXT NOT NULL, out_trade_no TEXT NOT NULL, refund_id TEXT NOT NULL,
        amount INTEGER NOT NULL, done_at TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (mch_id, out_refund_no));
      CREATE TABLE IF NOT EXISTS charges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, ref TEXT, at TEXT NOT NULL);
      CREATE TRIGGER IF NOT EXISTS charges_append_only_u BEFORE UPDATE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS charges_append_only_d BEFORE DELETE ON charges BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
    `);
    this.db = this.books.db;
    for (const m of opts.merchants ?? []) this.addMerchant(m);
    this.faults = { ...DEFAULT_FAULTS, ...opts.faults };
  }

  addMerchant(m: WechatMerchant): void {
    this.merchants.set(m.mchId, m);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.books.close();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    t.unref();
    this.timers.add(t);
  }

  trade(mch: string, outTradeNo: string): TradeRow | undefined {
    const row = this.db.prepare('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(mch, outTradeNo) as TradeRow | undefined;
    return row ? this.settle(row) : undefined;
  }

  /** Net money per trade: proves nothing was charged twice. */
  chargeSummary() {
    return this.books.chargeSummary('mch_id', ['reverse', 'refund']);
  }


  /** A USER_PAYING trade whose customer has finished confirming becomes paid (or PAYERROR) when looked at. */
  private settle(row: TradeRow): TradeRow {
    if (row.state === 'USERPAYING' && row.pay_until && Date.parse(row.pay_until) <= Date.now()) {
      if (row.then_state === 'PAYERROR') {
        this.db.prepare(`UPDATE trades SET state = 'PAYERROR' WHERE mch_id = ? AND out_trade_no = ? AND state = 'USERPAYING'`).run(row.mch_id, row.out_trade_no);
        return { ...row, state: 'PAYERROR' };
      }
      this.markPaid(row);
      return this.db.prepare('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(row.mch_id, row.out_trade_no) as TradeRow;
    }
    return row;
  }

  private markPaid(row: TradeRow): boolean {
    const now = new Date().toISOString();
    const paid = this.db.transaction(() => {
      const r = this.db.prepare(`UPDATE trades SET state = 'SUCCESS', paid_at = ? WHERE mch_id = ? AND out_trade_no = ? AND state IN ('NOTPAY', 'USERPAYING')`).run(now, row.mch_id, row.out_trade_no);
      if (r.changes === 1) {
        this.db.prepare(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'charge', ?, ?)`).run(row.mch_id, row.out_trade_no, row.amount, now);
      }
      return r.changes === 1;
    })();
    // micropay sends no notification; NATIVE does.
    if (paid && row.trade_type === 'NATIVE' && row.notify_url) this.notify({ ...row, state: 'SUCCESS', paid_at: now });
    return paid;
  }

  /** The signed XML notification WeChat would post for a paid trade (also used by tests to forge one). */
  notificationXml(row: TradeRow, key?: string): string {
    const m = this.merchants.get(row.mch_id)!;
    const params: Params = {
      return_code: 'SUCCESS', return_msg: 'OK', appid: row.appid, mch_id: row.mch_id, nonce_str: nonceStr(), result_code: 'SUCCESS',
      openid: 'oEmuCustomer000000000000001', is_subscribe: 'N', trade_type: row.trade_type, bank_type: 'OTHERS',
      total_fee: String(row.amount), cash_fee: String(row.amount), fee_type: 'CNY', transaction_id: row.transaction_id,
      out_trade_no: row.out_trade_no, time_end: beijing(row.paid_at ?? new Date().toISOString()),
    };
    const signType = row.sign_type as SignType;
    if (signType !== 'MD5') params.sign_type = signType;
    params.sign = sign(params, key ?? (this.faults.badSignature ? `${m.apiKey}x` : m.apiKey), signType);
    return buildXml(params);
  }

  private notify(row: TradeRow, attempt = 0): void {
    this.later((NOTIFY_RETRY_S[attempt] ?? 0) * 1000, async () => {
      let acked = false;
      let text = '';
      try {
        const res = await post(row.notify_url!, { 'content-type': 'text/xml' }, this.notificationXml(row), 5000);
        text = res.text;
        try { acked = res.status === 200 && parseXml(res.text).return_code === 'SUCCESS'; } catch { acked = false; }
      } catch (e) {
        text = (e as Error).message;
      }
      this.notifications.push({ outTradeNo: row.out_trade_no, attempt, acked, reply: text });
      if (!acked && attempt + 1 < NOTIFY_RETRY_S.length) this.notify(row, attempt + 1);
    });
  }

  /** The customer scans a NATIVE code_url and pays (or the scan is refused: expired, closed, paid). */
  scan(codeUrl: string): { ok: boolean; state: string; message?: string } {
    const m = /^weixin:\/\/wxpay\/bizpayurl\?pr=([A-Za-z0-9]+)$/.exec(codeUrl);
    if (!m) return { ok: false, state: 'INVALID', message: 'not a WeChat NATIVE code_url' };
    const row0 = this.db.prepare('SELECT * FROM trades WHERE code_token = ?').get(m[1]) as TradeRow | undefined;
    if (!row0) return { ok: false, state: 'ORDERNOTEXIST' };
    const row = this.settle(row0);
    if (row.state !== 'NOTPAY') return { ok: false, state: row.state, message: `trade is ${row.state}` };
    if (row.expires_at && Date.parse(row.expires_at) <= Date.now()) return { ok: false, state: 'NOTPAY', message: 'the QR code has expired' };
    this.markPaid(row);
    return { ok: true, state: 'SUCCESS' };
  }

  /** One API call: parsed and verified request in, reply fields out (before signing). */
  handle(path: string, req: Params, m: WechatMerchant): Params {
    const mch = m.mchId;
    const outTradeNo = req.out_trade_no ?? '';
    const now = new Date();
    const fail = (err_code: string, err_code_des: string, extra: Params = {}): Params => ({ result_code: 'FAIL', err_code, err_code_des, ...extra });
    const tradeFields = (t: TradeRow): Params => ({
      out_trade_no: t.out_trade_no, transaction_id: t.transaction_id, total_fee: String(t.amount), cash_fee: String(t.amount),
      fee_type: 'CNY', trade_type: t.trade_type, bank_type: 'OTHERS', openid: 'oEmuCustomer000000000000001',
      ...(t.paid_at ? { time_end: beijing(t.paid_at) } : {}),
    });
    const needTrade = path === '/pay/unifiedorder' || path === '/pay/micropay' || path === '/pay/orderquery' || path === '/pay/closeorder' || path === '/secapi/pay/reverse' || path === '/secapi/pay/refund';
    if (needTrade && !/^[A-Za-z0-9_\-|*@]{1,32}$/.test(outTradeNo)) return fail('PARAM_ERROR', 'out_trade_no is missing or malformed');
    const existing = outTradeNo ? this.trade(mch, outTradeNo) : undefined;
    const newTrade = (over: Partial<TradeRow>): TradeRow => ({
      mch_id: mch, out_trade_no: outTradeNo, transaction_id: `4200${Date.now()}${randomBytes(4).toString('hex')}`, appid: m.appId,
      amount: Number(req.total_fee), state: 'NOTPAY', trade_type: 'MICROPAY', auth_code: null, notify_url: null, code_token: null,
      expires_at: null, pay_until: null, then_state: null, refunded: 0, sign_type: req.sign_type ?? 'MD5', created_at: now.toISOString(), paid_at: null, ...over,
    });
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
        const paying = b === '02' || b === '03' || b === '07';
        const row = newTrade({
          auth_code: req.auth_code, state: paying ? 'USERPAYING' : 'NOTPAY',
          pay_until: b === '03' ? null : paying ? new Date(now.getTime() + this.faults.userPayingMs).toISOString() : null,
          then_state: b === '07' ? 'PAYERROR' : null,
        });
        this.insert(row);
        if (paying) return fail('USERPAYING', '需要用户输入支付密码');
        this.markPaid(row);
        if (b === '04') return fail('SYSTEMERROR', '系统超时');
        return { result_code: 'SUCCESS', ...tradeFields(this.trade(mch, outTradeNo)!) };
      }
      case '/pay/unifiedorder': {
        if (req.trade_type !== 'NATIVE') return fail('PARAM_ERROR', 'the emulator supports trade_type=NATIVE only');
        if (fee(req.total_fee) === null || !req.body || !req.notify_url || !req.product_id || !req.spbill_create_ip) return fail('PARAM_ERROR', 'total_fee, body, notify_url, product_id and spbill_create_ip are required');
        if (existing) {
          if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return fail('ORDERPAID', '商户订单已支付');
          if (existing.state !== 'NOTPAY') return fail('ORDERCLOSED', '订单已关闭');
          if (existing.amount !== Number(req.total_fee)) return fail('INVALID_REQUEST', '201 商户订单号重复');
          return { result_code: 'SUCCESS', trade_type: 'NATIVE', prepay_id: `wx${existing.transaction_id}`, code_url: codeUrl(existing.code_token!) };
        }
        const expires = req.time_expire ? parseBeijing(req.time_expire) : null;
        if (req.time_expire && expires === null) return fail('PARAM_ERROR', 'time_expire must be yyyyMMddHHmmss');
        const row = newTrade({ trade_type: 'NATIVE', notify_url: req.notify_url, code_token: randomBytes(12).toString('hex'), expires_at: expires });
        this.insert(row);
        return { result_code: 'SUCCESS', trade_type: 'NATIVE', prepay_id: `wx${row.transaction_id}`, code_url: codeUrl(row.code_token!) };
      }
      case '/pay/orderquery': {
        if (!existing) return fail('ORDERNOTEXIST', '此交易订单号不存在');
        const desc: Record<TradeState, string> = {
          NOTPAY: '订单未支付', USERPAYING: '需要用户输入支付密码', SUCCESS: '支付成功', CLOSED: '订单已关闭', REVOKED: '订单已撤销',
          PAYERROR: '支付失败，请撤销订单', REFUND: '订单发生过退款',
        };
        return { result_code: 'SUCCESS', trade_state: existing.state, trade_state_desc: desc[existing.state], ...tradeFields(existing) };
      }
      case '/pay/closeorder': {
        if (!existing) return fail('ORDERNOTEXIST', '订单不存在');
        if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return fail('ORDERPAID', '订单已支付，不能发起关单');
        if (existing.state === 'CLOSED') return fail('ORDERCLOSED', '订单已关闭');
        this.db.prepare(`UPDATE trades SET state = 'CLOSED' WHERE mch_id = ? AND out_trade_no = ? AND state IN ('NOTPAY', 'USERPAYING', 'PAYERROR')`).run(mch, outTradeNo);
        return { result_code: 'SUCCESS' };
      }
      case '/secapi/pay/reverse': {
        if (this.faults.recallNext > 0) {
          this.faults.recallNext -= 1;
          return fail('SYSTEMERROR', '系统超时，请重试', { recall: 'Y' });
        }
        // Reversing a trade we never saw records it as revoked, so a late micropay cannot land.
        if (!existing) {
          this.insert(newTrade({ amount: 0, state: 'REVOKED' }));
          return { result_code: 'SUCCESS', recall: 'N' };
        }
        if (existing.state === 'REVOKED') return { result_code: 'SUCCESS', recall: 'N' };
        if (existing.state === 'SUCCESS' || existing.state === 'REFUND') {
          this.db.transaction(() => {
            const r = this.db.prepare(`UPDATE trades SET state = 'REVOKED' WHERE mch_id = ? AND out_trade_no = ? AND state IN ('SUCCESS', 'REFUND')`).run(mch, outTradeNo);
            if (r.changes === 1) this.db.prepare(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'reverse', ?, ?)`).run(mch, outTradeNo, existing.amount - existing.refunded, now.toISOString());
          })();
        } else {
          this.db.prepare(`UPDATE trades SET state = 'REVOKED' WHERE mch_id = ? AND out_trade_no = ?`).run(mch, outTradeNo);
        }
        return { result_code: 'SUCCESS', recall: 'N' };
      }
      case '/secapi/pay/refund': {
        const amount = fee(req.refund_fee);
        const total = fee(req.total_fee);
        const refundNo = req.out_refund_no ?? '';
        if (amount === null || total === null || !/^[A-Za-z0-9_\-|*@]{1,64}$/.test(refundNo)) return fail('PARAM_ERROR', 'out_refund_no, total_fee and refund_fee are required');
        if (!existing) return fail('ORDERNOTEXIST', '订单不存在');
        const done = this.db.prepare('SELECT * FROM refunds WHERE mch_id = ? AND out_refund_no = ?').get(mch, refundNo) as RefundRow | undefined;
        if (done) {
          if (done.amount !== amount || done.out_trade_no !== outTradeNo) return fail('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致');
          return { result_code: 'SUCCESS', out_trade_no: outTradeNo, out_refund_no: refundNo, refund_id: done.refund_id, refund_fee: String(amount), total_fee: String(existing.amount) };
        }
        if (existing.state !== 'SUCCESS' && existing.state !== 'REFUND') return fail('TRADE_STATE_ERROR', '订单状态错误');
        if (total !== existing.amount) return fail('INVALID_REQUEST', '订单金额不一致');
        if (existing.refunded + amount > existing.amount) return fail('ERROR', '申请退款金额超过订单可退金额');
        const refundId = `5030${Date.now()}${randomBytes(3).toString('hex')}`;
        this.db.transaction(() => {
          this.db.prepare(`UPDATE trades SET refunded = refunded + ?, state = 'REFUND' WHERE mch_id = ? AND out_trade_no = ?`).run(amount, mch, outTradeNo);
          this.db.prepare('INSERT INTO refunds (mch_id, out_refund_no, out_trade_no, refund_id, amount, done_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
            .run(mch, refundNo, outTradeNo, refundId, amount, new Date(now.getTime() + this.faults.refundProcessingMs).toISOString(), now.toISOString());
          this.db.prepare(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, ref, at) VALUES (?, ?, 'refund', ?, ?, ?)`).run(mch, outTradeNo, amount, refundNo, now.toISOString());
        })();
        return { result_code: 'SUCCESS', out_trade_no: outTradeNo, out_refund_no: refundNo, refund_id: refundId, refund_fee: String(amount), total_fee: String(existing.amount) };
      }
      case '/pay/refundquery': {
        const rows = (req.out_refund_no
          ? this.db.prepare('SELECT * FROM refunds WHERE mch_id = ? AND out_refund_no = ?').all(mch, req.out_refund_no)
          : this.db.prepare('SELECT * FROM refunds WHERE mch_id = ? AND out_trade_no = ? ORDER BY created_at').all(mch, outTradeNo)) as RefundRow[];
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

  private insert(row: TradeRow): void {
    this.db.prepare(`INSERT INTO trades (mch_id, out_trade_no, transaction_id, appid, amount, state, trade_type, auth_code, notify_url, code_token, expires_at, pay_until, then_state, refunded, sign_type, created_at, paid_at)
      VALUES (@mch_id, @out_trade_no, @transaction_id, @appid, @amount, @state, @trade_type, @auth_code, @notify_url, @code_token, @expires_at, @pay_until, @then_state, @refunded, @sign_type, @created_at, @paid_at)`).run(row);
  }

  /** The HTTP face: one POST per API path, XML both ways. */
  routes(app: FastifyInstance): void {
    for (const type of ['text/xml', 'application/xml']) {
      if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
      app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    }
    const paths = ['/pay/micropay', '/pay/orderquery', '/secapi/pay/reverse', '/pay/unifiedorder', '/pay/closeorder', '/secapi/pay/refund', '/pay/refundquery'];
    for (const path of paths) {
      app.post(path, async (request, reply) => {
        const f = this.faults;
        if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
        const send = (params: Params) => reply.header('content-type', 'text/xml; charset=utf-8').send(buildXml(params));
        const failReturn = (msg: string) => send({ return_code: 'FAIL', return_msg: msg });
        let req: Params;
        try {
          req = parseXml(String(request.body ?? ''));
        } catch {
          return failReturn('XML格式错误');
        }
        const m = this.merchants.get(req.mch_id ?? '');
        if (!m) return failReturn('mch_id参数格式错误');
        if (req.appid !== m.appId) return failReturn('appid和mch_id不匹配');
        const signType = (req.sign_type ?? 'MD5') as SignType;
        if (signType !== 'MD5' && signType !== 'HMAC-SHA256') return failReturn('sign_type参数错误');
        if (!verify(req, m.apiKey, signType)) return failReturn('签名错误');
        if (!req.nonce_str || req.nonce_str.length > 32) return failReturn('nonce_str参数格式错误');
        let result: Params;
        if (f.systemErrorNext > 0) {
          f.systemErrorNext -= 1;
          result = { result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统繁忙' };
        } else {
          result = this.handle(path, req, m);
        }
        this.calls.push({ path, outTradeNo: req.out_trade_no, at: Date.now(), ...(result.err_code ? { errCode: result.err_code } : {}) });
        if (f.lostReplyNext > 0) {
          f.lostReplyNext -= 1;
          return reply.code(502).send('bad gateway');
        }
        const out: Params = { return_code: 'SUCCESS', return_msg: 'OK', appid: m.appId, mch_id: m.mchId, nonce_str: nonceStr(), ...result };
        out.sign = sign(out, f.badSignature ? `${m.apiKey}x` : m.apiKey, signType);
        return send(out);
      });
    }
    app.post<{ Body: string }>('/emulator/scan', async (request) => {
      let body: { code_url?: string } = {};
      try { body = JSON.parse(String(request.body ?? '{}')); } catch { /* answered below */ }
      return this.scan(String(body.code_url ?? ''));
    });
    app.get('/emulator/charges', async () => this.chargeSummary());
    app.get('/emulator/faults', async () => this.faults);
    app.put<{ Body: Partial<WechatFaults> }>('/emulator/faults', async (request) => {
      this.faults = { ...this.faults, ...(request.body ?? {}) };
      return this.faults;
    });
  }
}

function codeUrl(token: string): string {
  return `weixin://wxpay/bizpayurl?pr=${token}`;
}

/** ISO → yyyyMMddHHmmss in Beijing time. */
function beijing(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function parseBeijing(text: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Run WeChat's side as its own server. Merchants are added with `emulator.addMerchant`. */
export async function startWechatEmulator(opts: { port: number; dbPath: string; host?: string; merchants?: WechatMerchant[]; faults?: Partial<WechatFaults> }): Promise<{ url: string; emulator: WechatEmulator; app: FastifyInstance }> {
  const emulator = new WechatEmulator(opts);
  const app = Fastify();
  await app.register(async (scope) => emulator.routes(scope));
  app.addHook('onClose', async () => emulator.close());
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  return { url, emulator, app };
}
