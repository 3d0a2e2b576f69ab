import Fastify, { type FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { post } from '../http.ts';
import { EmulatorDb } from '../emulator-db.ts';
import { parseTwoDecimals, toDecimalString } from '../../core/money.ts';
import { safeEqualHex } from '../../security/secrets.ts';
import { cashierLocale, cashierPage, outcomePage, type CashierWallet } from '../cashier-page.ts';
import { PAYMENT_CODE, SIGNATURE_HEADER, signBody, type NotifyBody, type TradeReply, type WalletTradeStatus } from './protocol.ts';

export interface SandboxFaults {
  /** Added before every answer. */
  latencyMs: number;
  /** Fraction of requests answered SYSTEM_ERROR before doing anything. */
  errorRate: number;
  /** Fraction of requests processed and then answered with a 502, so the caller never learns the result. */
  lostReplyRate: number;
  /** How long a "02" payment code stays USER_PAYING. */
  userPayingMs: number;
  /** Send every notification twice. */
  duplicateNotify: boolean;
  /** Sign replies with a wrong key. */
  badSignature: boolean;
}

const DEFAULT_FAULTS: SandboxFaults = {
  latencyMs: 0, errorRate: 0, lostReplyRate: 0, userPayingMs: 3000, duplicateNotify: false, badSignature: false,
};

/** Notification retry schedule (seconds), a compressed form of the real wallets' 4m/10m/10m/1h/2h/6h/15h. */
const NOTIFY_RETRY_S = [0, 1, 3, 10, 30, 60];

interface TradeRow {
  mch_id: string; out_trade_no: string; trade_no: string; amount: number; status: WalletTradeStatus;
  auth_code: string | null; notify_url: string | null; expires_at: string | null; pay_until: string | null; refunded: number;
  created_at: string;
}

export interface SandboxWalletOptions {
  dbPath: string;
  /** Signing key for every merchant (the sandbox has no per-merchant onboarding). */
  key: string;
  faults?: Partial<SandboxFaults>;
}

/**
 * The sandbox wallet's server side: it keeps its own books (its own SQLite file, so what it charged
 * survives our crashes and can be audited), checks our signatures, signs its answers and notifies.
 * `charges` is append-only: one row per time money moved from a customer, one per reversal/refund.
 */
export class SandboxWallet {
  readonly db: Database.Database;
  private readonly books: EmulatorDb;
  readonly key: string;
  faults: SandboxFaults;
  /** Dynamic QR codes point at the wallet's own host, as the real wallets' do. */
  qrBase = 'saoma-sandbox://qr';
  private timers = new Set<NodeJS.Timeout>();

  constructor(opts: SandboxWalletOptions) {
    this.books = new EmulatorDb(opts.dbPath, `
      CREATE TABLE IF NOT EXISTS trades (
        mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL, trade_no TEXT NOT NULL, amount INTEGER NOT NULL,
        status TEXT NOT NULL, auth_code TEXT, notify_url TEXT, expires_at TEXT, pay_until TEXT,
        refunded INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, PRIMARY KEY (mch_id, out_trade_no));
      CREATE TABLE IF NOT EXISTS charges (
        id INTEGER PRIMARY KEY AUTOINCREMENT, mch_id TEXT NOT NULL, out_trade_no TEXT NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, ref TEXT, at TEXT NOT NULL);
      CREATE UNIQUE INDEX IF NOT EXISTS charges_refund ON charges (mch_id, out_trade_no, kind, ref) WHERE ref IS NOT NULL;
    `);
    this.db = this.books.db;
    this.key = opts.key;
    this.faults = { ...DEFAULT_FAULTS, ...opts.faults };
  }

  private stmt(text: string): Database.Statement {
    return this.books.stmt(text);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.books.close();
  }

  trade(mch: string, outTradeNo: string): TradeRow | undefined {
    const row = this.stmt('SELECT * FROM trades WHERE mch_id = ? AND out_trade_no = ?').get(mch, outTradeNo) as TradeRow | undefined;
    return row ? this.settle(row) : undefined;
  }

  /** Net money taken per trade: charges minus reversals and refunds. Used by tests to prove no double charge. */
  chargeSummary() {
    return this.books.chargeSummary('mch_id', ['reverse', 'refund']);
  }

  /** A USER_PAYING trade whose customer has finished confirming becomes paid when next looked at. */
  private settle(row: TradeRow): TradeRow {
    if (row.status === 'USER_PAYING' && row.pay_until && Date.parse(row.pay_until) <= Date.now()) {
      this.markPaid(row);
      return { ...row, status: 'SUCCESS' };
    }
    if (row.status === 'WAIT_BUYER_PAY' && row.expires_at && Date.parse(row.expires_at) <= Date.now()) {
      this.stmt(`UPDATE trades SET status = 'CLOSED' WHERE mch_id = ? AND out_trade_no = ? AND status = 'WAIT_BUYER_PAY'`).run(row.mch_id, row.out_trade_no);
      return { ...row, status: 'CLOSED' };
    }
    return row;
  }

  private markPaid(row: TradeRow): boolean {
    const tx = this.db.transaction(() => {
      const r = this.stmt(`UPDATE trades SET status = 'SUCCESS' WHERE mch_id = ? AND out_trade_no = ? AND status IN ('WAIT_BUYER_PAY', 'USER_PAYING')`).run(row.mch_id, row.out_trade_no);
      if (r.changes === 1) {
        this.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'charge', ?, ?)`).run(row.mch_id, row.out_trade_no, row.amount, new Date().toISOString());
      }
      return r.changes === 1;
    });
    const paid = tx();
    if (paid && row.notify_url) this.notify({ ...row, status: 'SUCCESS' });
    return paid;
  }

  private notify(row: TradeRow, attempt = 0): void {
    const delay = (NOTIFY_RETRY_S[attempt] ?? 0) * 1000;
    const t = setTimeout(async () => {
      this.timers.delete(t);
      const body: NotifyBody = {
        notify_id: `${row.trade_no}-${row.status}`,
        mch_id: row.mch_id, out_trade_no: row.out_trade_no, trade_no: row.trade_no, trade_status: row.status,
        total_amount: toDecimal(row.amount), notify_time: new Date().toISOString(),
      };
      const text = JSON.stringify(body);
      const sends = this.faults.duplicateNotify ? 2 : 1;
      let acked = false;
      for (let i = 0; i < sends; i++) {
        try {
          const res = await post(row.notify_url!, { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(this.key, text) }, text, 5000);
          acked ||= res.status === 200 && res.text.includes('"SUCCESS"');
        } catch {
          // the merchant was unreachable; retried on the schedule below
        }
      }
      if (!acked && attempt + 1 < NOTIFY_RETRY_S.length) this.notify(row, attempt + 1);
    }, delay);
    t.unref();
    this.timers.add(t);
  }

  handle(op: string, req: Record<string, string | undefined>): TradeReply {
    const mch = req.mch_id ?? '';
    const outTradeNo = req.out_trade_no ?? '';
    if (!mch || !outTradeNo) return { code: 'INVALID_PARAM', msg: 'mch_id and out_trade_no are required' };
    const existing = this.trade(mch, outTradeNo);
    const now = new Date().toISOString();
    const reply = (row: TradeRow, code: TradeReply['code'] = 'SUCCESS'): TradeReply => ({
      code, out_trade_no: row.out_trade_no, trade_no: row.trade_no, trade_status: row.status, total_amount: toDecimal(row.amount),
    });

    switch (op) {
      case 'precreate': {
        if (existing) return existing.status === 'WAIT_BUYER_PAY' ? { ...reply(existing), qr_code: qrFor(this.qrBase, existing) } : reply(existing, 'ORDER_PAID');
        const amount = parseAmount(req.total_amount);
        if (amount === null) return { code: 'INVALID_PARAM', msg: 'total_amount must look like 12.50' };
        const row: TradeRow = {
          mch_id: mch, out_trade_no: outTradeNo, trade_no: `SBX${Date.now()}${Math.floor(Math.random() * 1e6)}`, amount,
          status: 'WAIT_BUYER_PAY', auth_code: null, notify_url: req.notify_url ?? null, expires_at: req.time_expire ?? null,
          pay_until: null, refunded: 0, created_at: now,
        };
        this.insert(row);
        return { ...reply(row), qr_code: qrFor(this.qrBase, row) };
      }
      case 'pay': {
        if (existing) return reply(existing, existing.status === 'SUCCESS' ? 'SUCCESS' : existing.status === 'USER_PAYING' ? 'USER_PAYING' : 'TRADE_CLOSED');
        const amount = parseAmount(req.total_amount);
        if (amount === null) return { code: 'INVALID_PARAM', msg: 'total_amount must look like 12.50' };
        const code = req.auth_code ?? '';
        if (!PAYMENT_CODE.test(code)) return { code: 'INVALID_PARAM', msg: 'auth_code is not a sandbox payment code (18 digits starting with 28)' };
        const behaviour = code.slice(-2);
        if (behaviour === '05') return { code: 'SYSTEM_ERROR', msg: 'sandbox: system busy' };
        const row: TradeRow = {
          mch_id: mch, out_trade_no: outTradeNo, trade_no: `SBX${Date.now()}${Math.floor(Math.random() * 1e6)}`, amount,
          status: behaviour === '01' ? 'PAY_ERROR' : 'USER_PAYING', auth_code: code, notify_url: req.notify_url ?? null, expires_at: null,
          pay_until: behaviour === '02' ? new Date(Date.now() + this.faults.userPayingMs).toISOString() : null, refunded: 0, created_at: now,
        };
        this.insert(row);
        if (behaviour === '01') return { code: 'PAY_DECLINED', msg: 'sandbox: insufficient balance', out_trade_no: outTradeNo, trade_status: 'PAY_ERROR' };
        if (behaviour === '02') {
          const t = setTimeout(() => { this.timers.delete(t); this.trade(mch, outTradeNo); }, this.faults.userPayingMs + 5);
          t.unref();
          this.timers.add(t);
          return reply(row, 'USER_PAYING');
        }
        if (behaviour === '03') return reply(row, 'USER_PAYING');
        this.markPaid(row);
        if (behaviour === '04') return { code: 'SYSTEM_ERROR', msg: 'sandbox: answer lost after charging' };
        return reply({ ...row, status: 'SUCCESS' });
      }
      case 'query':
        return existing ? reply(existing) : { code: 'TRADE_NOT_EXIST', msg: 'no such trade', out_trade_no: outTradeNo };
      case 'close': {
        if (!existing) return { code: 'TRADE_NOT_EXIST', msg: 'no such trade', out_trade_no: outTradeNo };
        if (existing.status === 'SUCCESS') return reply(existing, 'ORDER_PAID');
        this.setStatus(existing, 'CLOSED', ['WAIT_BUYER_PAY', 'USER_PAYING']);
        return reply(this.trade(mch, outTradeNo)!);
      }
      case 'reverse': {
        // Like the real wallets, reversing an unknown trade records it as reversed so a late pay cannot land.
        if (!existing) {
          this.insert({
            mch_id: mch, out_trade_no: outTradeNo, trade_no: `SBX${Date.now()}R`, amount: 0, status: 'REVERSED', auth_code: null,
            notify_url: null, expires_at: null, pay_until: null, refunded: 0, created_at: now,
          });
          return { code: 'SUCCESS', out_trade_no: outTradeNo, trade_status: 'REVERSED', recall: 'N' };
        }
        if (existing.status === 'SUCCESS') {
          const tx = this.db.transaction(() => {
            const r = this.stmt(`UPDATE trades SET status = 'REVERSED' WHERE mch_id = ? AND out_trade_no = ? AND status = 'SUCCESS'`).run(mch, outTradeNo);
            if (r.changes === 1) this.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, at) VALUES (?, ?, 'reverse', ?, ?)`).run(mch, outTradeNo, existing.amount - existing.refunded, now);
          });
          tx();
        } else {
          this.setStatus(existing, 'REVERSED', ['WAIT_BUYER_PAY', 'USER_PAYING', 'PAY_ERROR', 'CLOSED']);
        }
        return { ...reply(this.trade(mch, outTradeNo)!), recall: 'N' };
      }
      case 'refund': {
        if (!existing) return { code: 'TRADE_NOT_EXIST', msg: 'no such trade', out_trade_no: outTradeNo };
        const amount = parseAmount(req.refund_amount);
        const refundNo = req.out_refund_no;
        if (amount === null || !refundNo) return { code: 'INVALID_PARAM', msg: 'refund_amount and out_refund_no are required' };
        const done = this.stmt(`SELECT amount FROM charges WHERE mch_id = ? AND out_trade_no = ? AND kind = 'refund' AND ref = ?`).get(mch, outTradeNo, refundNo);
        if (done) return { ...reply(existing), refund_no: `R${refundNo}`, refund_status: 'SUCCESS' };
        if (existing.status !== 'SUCCESS') return reply(existing, 'TRADE_CLOSED');
        if (existing.refunded + amount > existing.amount) return { code: 'REFUND_EXCEEDS', msg: 'refund exceeds paid amount' };
        this.db.transaction(() => {
          this.stmt('UPDATE trades SET refunded = refunded + ? WHERE mch_id = ? AND out_trade_no = ?').run(amount, mch, outTradeNo);
          this.stmt(`INSERT INTO charges (mch_id, out_trade_no, kind, amount, ref, at) VALUES (?, ?, 'refund', ?, ?, ?)`).run(mch, outTradeNo, amount, refundNo, now);
        })();
        return { ...reply(existing), refund_no: `R${refundNo}`, refund_status: 'SUCCESS' };
      }
      case 'refund_query': {
        const done = this.stmt(`SELECT amount FROM charges WHERE mch_id = ? AND out_trade_no = ? AND kind = 'refund' AND ref = ?`).get(mch, outTradeNo, req.out_refund_no ?? '');
        return done ? { code: 'SUCCESS', out_trade_no: outTradeNo, refund_no: `R${req.out_refund_no}`, refund_status: 'SUCCESS' } : { code: 'TRADE_NOT_EXIST', msg: 'no such refund' };
      }
      default:
        return { code: 'INVALID_PARAM', msg: `unknown operation ${op}` };
    }
  }

  /** The customer scans a dynamic QR in the sandbox and pays or declines it. */
  scan(qrCode: string, action: 'pay' | 'decline'): TradeReply {
    const m = /^https?:\/\/[^/]+\/sandbox\/wallet\/qr\/([^/]+)\/([^/?#]+)$/.exec(qrCode) ?? /^saoma-sandbox:\/\/qr\/([^/]+)\/([^/?#]+)$/.exec(qrCode);
    if (!m) return { code: 'INVALID_PARAM', msg: 'not a sandbox wallet QR code' };
    const row = this.trade(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    if (!row) return { code: 'TRADE_NOT_EXIST', msg: 'no such trade' };
    if (row.status !== 'WAIT_BUYER_PAY') return { code: 'TRADE_CLOSED', msg: `trade is ${row.status}`, trade_status: row.status };
    if (action === 'decline') return { code: 'PAY_DECLINED', msg: 'customer declined', trade_status: row.status };
    this.markPaid(row);
    return { code: 'SUCCESS', out_trade_no: row.out_trade_no, trade_no: row.trade_no, trade_status: 'SUCCESS', total_amount: toDecimal(row.amount) };
  }

  private insert(row: TradeRow): void {
    this.stmt(`INSERT INTO trades (mch_id, out_trade_no, trade_no, amount, status, auth_code, notify_url, expires_at, pay_until, refunded, created_at)
      VALUES (@mch_id, @out_trade_no, @trade_no, @amount, @status, @auth_code, @notify_url, @expires_at, @pay_until, @refunded, @created_at)`).run(row);
  }

  private setStatus(row: TradeRow, to: WalletTradeStatus, from: WalletTradeStatus[]): void {
    this.stmt(`UPDATE trades SET status = ? WHERE mch_id = ? AND out_trade_no = ? AND status IN (${from.map(() => '?').join(',')})`)
      .run(to, row.mch_id, row.out_trade_no, ...from);
  }

  /** The emulator's HTTP face, mounted at /sandbox/wallet by `saoma serve` or run on its own. */
  routes(app: FastifyInstance): void {
    if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post<{ Params: { op: string } }>('/gateway/:op', async (request, reply) => {
      const raw = String(request.body ?? '');
      const f = this.faults;
      if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
      let answer: TradeReply;
      const sig = request.headers[SIGNATURE_HEADER];
      let parsed: Record<string, string> | null = null;
      try { parsed = JSON.parse(raw); } catch { parsed = null; }
      if (typeof sig !== 'string' || !safeEqualHex(sig, signBody(this.key, raw))) answer = { code: 'SIGN_ERROR', msg: 'signature does not match' };
      else if (!parsed || typeof parsed !== 'object') answer = { code: 'INVALID_PARAM', msg: 'body must be a JSON object' };
      else if (Math.random() < f.errorRate) answer = { code: 'SYSTEM_ERROR', msg: 'sandbox: injected system error' };
      else {
        answer = this.handle(request.params.op, parsed);
        if (Math.random() < f.lostReplyRate) return reply.code(502).send('bad gateway');
      }
      const text = JSON.stringify(answer);
      const key = f.badSignature ? `${this.key}-wrong` : this.key;
      return reply.header('content-type', 'application/json').header(SIGNATURE_HEADER, signBody(key, text)).send(text);
    });
    app.post<{ Body: string }>('/scan', async (request, reply) => {
      let body: { qr_code?: string; action?: string } = {};
      try { body = JSON.parse(String(request.body ?? '{}')); } catch { /* answered below */ }
      if (typeof body.qr_code !== 'string') return reply.code(400).send({ code: 'INVALID_PARAM', msg: 'qr_code is required' });
      return this.scan(body.qr_code, body.action === 'decline' ? 'decline' : 'pay');
    });
    app.get<{ Params: { mch: string; no: string }; Querystring: { lang?: string } }>('/qr/:mch/:no', async (request, reply) => {
      const row = this.trade(request.params.mch, request.params.no);
      // A browser (a phone's camera, or a one-code stand sending the wallet app here) gets the cashier.
      if (/text\/html/.test(request.headers.accept ?? '')) {
        const locale = cashierLocale(SANDBOX, request.query.lang, request.headers['accept-language']);
        const html = row?.status === 'WAIT_BUYER_PAY'
          // Pay or Decline goes through /scan (two levels up), exactly like the scripted customer the tests use.
          ? cashierPage({
            wallet: SANDBOX, locale, amount: { minor: row.amount, currency: 'CNY' }, merchant: request.params.mch,
            form: { target: { pay: '../../scan', decline: '../../scan' }, fields: { qr_code: qrFor('saoma-sandbox://qr', row) }, json: { paid: { code: 'SUCCESS' }, declined: { code: 'PAY_DECLINED' } } },
          })
          : outcomePage({ wallet: SANDBOX, locale, outcome: !row ? 'not_found' : row.status === 'SUCCESS' ? 'already_paid' : 'not_payable' });
        return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
      }
      return row ? { out_trade_no: row.out_trade_no, total_amount: toDecimal(row.amount), trade_status: row.status } : { code: 'TRADE_NOT_EXIST' };
    });
    app.get('/faults', async () => this.faults);
    app.put<{ Body: string }>('/faults', async (request, reply) => {
      let body: Partial<SandboxFaults> = {};
      try { body = JSON.parse(String(request.body ?? '{}')); } catch { return reply.code(400).send({ code: 'INVALID_PARAM', msg: 'body must be JSON' }); }
      this.faults = { ...this.faults, ...body };
      return this.faults;
    });
    app.get('/charges', async () => this.chargeSummary());
  }
}

const SANDBOX: CashierWallet = { name: { 'zh-Hans': '沙箱钱包', 'zh-Hant': '沙盒錢包', en: 'Sandbox wallet' }, home: 'en' };

function qrFor(base: string, row: TradeRow): string {
  return `${base}/${encodeURIComponent(row.mch_id)}/${encodeURIComponent(row.out_trade_no)}`;
}

const toDecimal = (minor: number): string => toDecimalString({ minor, currency: 'CNY' });

function parseAmount(text: string | undefined): number | null {
  const v = parseTwoDecimals(text);
  return v !== null && v > 0 ? v : null;
}

/** Run the wallet as its own server, e.g. for the crash test, where it must outlive the gateway. */
export async function startSandboxWalletServer(opts: SandboxWalletOptions & { port: number; host?: string }): Promise<{ wallet: SandboxWallet; app: FastifyInstance; url: string }> {
  const wallet = new SandboxWallet(opts);
  const app = Fastify();
  await app.register(async (scope) => wallet.routes(scope), { prefix: '/sandbox/wallet' });
  const url = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  wallet.qrBase = `${url}/sandbox/wallet/qr`;
  return { wallet, app, url };
}
