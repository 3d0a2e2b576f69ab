import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SaomaError } from '../../core/errors.ts';
import { toDecimalString, parseTwoDecimals } from '../../core/money.ts';
import {
  ChannelNotificationError,
  type Channel, type ChannelTiming, type Notification, type RefundStatus, type ReverseResult, type StatementLine, type TradeStatus, timingOverrides,
} from '../channel.ts';
import { request } from 'undici';
import { post, type HttpReply } from '../http.ts';
import { signRequest, toPem, verifyNotify, verifyResponse } from './signing.ts';
import { AlipayBillError, parseBillZip } from './bill.ts';
import { beijingText } from '../china-time.ts';

export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';

export interface AlipayAccount {
  /** The gateway URL (…/gateway.do); the real one unless the account names an emulator. */
  baseUrl?: string | null;
  appId: string;
  /** The app's private key: PKCS#8 PEM (or bare base64 of it). */
  privateKey: string;
  /** Alipay's public key: PEM or bare base64 SPKI. */
  alipayPublicKey: string;
  timeoutMs?: number;
  timing?: Partial<ChannelTiming>;
}

/** What the gateway answered: the `<method>_response` object, or that it could not be reached / trusted. */
type Reply = Record<string, unknown> & { code?: string; msg?: string; sub_code?: string; sub_msg?: string };
type Outcome = { ok: true; r: Reply } | { ok: false; message: string };

const FAIL_ACK = { status: 200, contentType: 'text/plain', body: 'fail' };
const SUCCESS_ACK = { status: 200, contentType: 'text/plain', body: 'success' };

/**
 * `trade.pay` / `trade.precreate` sub_codes that say for certain no money moved (research §1.3): the
 * payment failed and may only be retried under a new out_trade_no. Every other 40004 sub_code is
 * `unknown` (query, then reverse), never success.
 */
const DEFINITE_PAY_FAILURES = new Set([
  'ACQ.INVALID_PARAMETER', 'ACQ.ACCESS_FORBIDDEN', 'ACQ.EXIST_FORBIDDEN_WORD', 'ACQ.PARTNER_ERROR', 'ACQ.TOTAL_FEE_EXCEED',
  'ACQ.PAYMENT_AUTH_CODE_INVALID', 'ACQ.CONTEXT_INCONSISTENT', 'ACQ.TRADE_HAS_CLOSE', 'ACQ.BUYER_BALANCE_NOT_ENOUGH',
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH', 'ACQ.ERROR_BALANCE_PAYMENT_DISABLE', 'ACQ.BUYER_SELLER_EQUAL', 'ACQ.TRADE_BUYER_NOT_MATCH',
  'ACQ.BUYER_ENABLE_STATUS_FORBID', 'ACQ.PULL_MOBILE_CASHIER_FAIL', 'ACQ.MOBILE_PAYMENT_SWITCH_OFF', 'ACQ.PAYMENT_FAIL',
  'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR', 'ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR', 'ACQ.BEYOND_PAY_RESTRICTION',
  'ACQ.BEYOND_PER_RECEIPT_RESTRICTION', 'ACQ.SELLER_BEEN_BLOCKED', 'ACQ.ERROR_BUYER_CERTIFY_LEVEL_LIMIT', 'ACQ.PAYMENT_REQUEST_HAS_RISK',
  'ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE', 'ACQ.USER_FACE_PAYMENT_SWITCH_OFF', 'ACQ.INVALID_STORE_ID', 'ACQ.SUB_MERCHANT_CREATE_FAIL',
  'ACQ.SUB_MERCHANT_TYPE_INVALID', 'ACQ.CERT_EXPIRED', 'ACQ.AMOUNT_OR_CURRENCY_ERROR', 'ACQ.CURRENCY_NOT_SUPPORT',
]);
const DEFINITE_PAY_FAILURE_PREFIXES = ['ACQ.AGREEMENT_', 'ACQ.MERCHANT_AGREEMENT_', 'ACQ.CARD_', 'ACQ.CYCLE_PAY_'];

/** `trade.refund` sub_codes that refuse the refund for certain (§1.7). */
const DEFINITE_REFUND_FAILURES = new Set([
  'ACQ.INVALID_PARAMETER', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', 'ACQ.REASON_TRADE_BEEN_FREEZEN',
  'ACQ.TRADE_NOT_EXIST', 'ACQ.TRADE_HAS_FINISHED', 'ACQ.TRADE_STATUS_ERROR', 'ACQ.DISCORDANT_REPEAT_REQUEST',
  'ACQ.REASON_TRADE_REFUND_FEE_ERR', 'ACQ.TRADE_NOT_ALLOW_REFUND', 'ACQ.REFUND_FEE_ERROR',
]);

/** `trade.cancel` sub_codes that refuse the cancel for certain (§1.5); anything else is asked again. */
const DEFINITE_CANCEL_FAILURES = new Set([
  'ACQ.CANCEL_NOT_ALLOWED', 'ACQ.INVALID_PARAMETER', 'ACQ.REASON_TRADE_BEEN_FREEZEN', 'ACQ.REASON_TRADE_REFUND_FEE_ERR',
  'ACQ.SELLER_BALANCE_NOT_ENOUGH', 'ACQ.TRADE_CANCEL_TIME_OUT', 'ACQ.TRADE_HAS_FINISHED',
]);

/** Gateway-level refusals (nothing was processed): missing/invalid arguments, permissions, rate limits. */
const GATEWAY_REFUSALS = new Set(['20001', '40001', '40002', '40003', '40005', '40006']);

function isDefinitePayFailure(sub: string): boolean {
  return DEFINITE_PAY_FAILURES.has(sub) || DEFINITE_PAY_FAILURE_PREFIXES.some((p) => sub.startsWith(p));
}

function describe(r: Reply): string {
  return [r.msg, r.sub_code, r.sub_msg].filter((x) => typeof x === 'string' && x).join(': ') || String(r.code ?? 'no code');
}

/**
 * The adapter's account from a merchant's channel account (credentials appId, privateKey, alipayPublicKey;
 * optional `timeoutMs`, the per-call deadline, for emulator runs that test a hanging gateway).
 */
export function alipayAccountFrom(
  a: { baseUrl: string | null; credentials: Record<string, string> },
  config: { queryIntervalMs: number | null; payCodeGiveUpMs: number | null },
): AlipayAccount {
  const c = a.credentials;
  const timeoutMs = c.timeoutMs !== undefined && /^\d{3,5}$/.test(c.timeoutMs) ? Number(c.timeoutMs) : undefined;
  return {
    baseUrl: a.baseUrl ?? ALIPAY_GATEWAY, appId: c.appId ?? '', privateKey: c.privateKey ?? '', alipayPublicKey: c.alipayPublicKey ?? '',
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    timing: timingOverrides(config),
  };
}

/** Alipay's `timestamp`: `yyyy-MM-dd HH:mm:ss` in GMT+8. */
export function alipayTimestamp(d: Date = new Date()): string {
  return beijingText(d);
}

/** "88.88" → 8888, exact (no floats); anything else → null. */
export const fen = parseTwoDecimals;

/** Adapter for Alipay face-to-face payment (当面付) over the OpenAPI 2.0 gateway, RSA2. */
export class AlipayChannel implements Channel {
  readonly name = 'alipay';
  readonly timing: ChannelTiming;
  private readonly account: AlipayAccount;
  private readonly gateway: string;
  private readonly privateKey: KeyObject;
  private readonly alipayKey: KeyObject;

  constructor(account: AlipayAccount) {
    if (!account.appId || !account.privateKey || !account.alipayPublicKey) {
      throw new SaomaError('channel_unavailable', 'This merchant\'s alipay account lacks credentials appId, privateKey and alipayPublicKey.');
    }
    this.account = account;
    this.gateway = account.baseUrl || ALIPAY_GATEWAY;
    try {
      this.privateKey = createPrivateKey(toPem(account.privateKey, 'PRIVATE KEY'));
      this.alipayKey = createPublicKey(toPem(account.alipayPublicKey, 'PUBLIC KEY'));
    } catch {
      throw new SaomaError('channel_unavailable', 'This merchant\'s alipay credentials hold an unreadable privateKey (PKCS#8 PEM) or alipayPublicKey (PEM).');
    }
    // §1.3: poll every 3–6 s for about 60 s, then cancel; no minimum delay before cancel.
    this.timing = { queryIntervalMs: 3000, payCodeGiveUpMs: 60_000, minReverseDelayMs: 0, ...account.timing };
  }

  /** Sign and send one OpenAPI call; verify the answer over its raw bytes. Unverifiable = unreachable. */
  private async call(method: string, biz: Record<string, unknown>, extra: Record<string, string> = {}): Promise<Outcome> {
    const params: Record<string, string> = {
      app_id: this.account.appId, method, format: 'JSON', charset: 'utf-8', sign_type: 'RSA2',
      timestamp: alipayTimestamp(), version: '1.0', ...extra, biz_content: JSON.stringify(biz),
    };
    params.sign = signRequest(params, this.privateKey);
    let res: HttpReply;
    try {
      res = await post(this.gateway, { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        new URLSearchParams(params).toString(), this.account.timeoutMs ?? 10_000);
    } catch (e) {
      return { ok: false, message: `Alipay unreachable: ${(e as Error).message}` };
    }
    if (res.status !== 200) return { ok: false, message: `Alipay answered HTTP ${res.status}` };
    const v = verifyResponse(res.text, method, this.alipayKey);
    if (!v) return { ok: false, message: 'Alipay reply is not a gateway response' };
    // An answer we cannot authenticate is no answer: unknown, never success.
    if (!v.verified) return { ok: false, message: `Alipay reply signature does not verify (${describe(v.data as Reply)})` };
    return { ok: true, r: v.data as Reply };
  }

  /** Answers of trade.pay / precreate that are not 10000 / 10003. */
  private payFailure(r: Reply): TradeStatus {
    const code = String(r.code ?? '');
    const sub = String(r.sub_code ?? '');
    if (code === '40004') {
      if (sub === 'ACQ.TRADE_NOT_EXIST') return { status: 'not_found' };
      if (isDefinitePayFailure(sub)) return { status: 'failed', code: sub, message: describe(r) };
      // ACQ.SYSTEM_ERROR, ACQ.TRADE_HAS_SUCCESS (confirm by query), anything new: we do not know.
      return { status: 'unknown', code: sub || code, message: describe(r) };
    }
    if (GATEWAY_REFUSALS.has(code)) return { status: 'failed', code: sub || code, message: describe(r) };
    // 20000 (service unavailable) and anything unrecognised.
    return { status: 'unknown', code: sub || code || 'NO_CODE', message: describe(r) };
  }

  async createDynamicQr(req: Parameters<Channel['createDynamicQr']>[0]) {
    const out = await this.call('alipay.trade.precreate', {
      out_trade_no: req.outTradeNo, total_amount: toDecimalString(req.amount), subject: req.subject,
      product_code: 'FACE_TO_FACE_PAYMENT', time_expire: alipayTimestamp(req.expiresAt),
    }, { notify_url: req.notifyUrl });
    if (!out.ok) return { status: 'unknown' as const, code: 'UNREACHABLE', message: out.message };
    const r = out.r;
    if (r.code === '10000') {
      if (typeof r.qr_code === 'string' && r.qr_code) return { status: 'waiting_customer' as const, qrCode: r.qr_code };
      return { status: 'unknown' as const, code: '10000', message: 'precreate gave no qr_code' };
    }
    const f = this.payFailure(r);
    // No trade exists before a scan, so "not found" here says nothing certain.
    if (f.status === 'not_found' || f.status === 'waiting_customer') return { status: 'unknown' as const, code: String(r.sub_code ?? r.code ?? 'NO_CODE'), message: describe(r) };
    return f;
  }

  /** Alipay's in-app payment for a one-code stand: the precreate's qr_code opens the cashier in the app. */
  async createInAppPayment(req: Parameters<NonNullable<Channel['createInAppPayment']>>[0]) {
    const { payerId: _payer, ...order } = req;
    const r = await this.createDynamicQr(order);
    if (r.status !== 'waiting_customer') return r;
    return { status: 'waiting_customer' as const, pay: { kind: 'redirect' as const, url: r.qrCode } };
  }

  /**
   * The day's trade bill: `alipay.data.dataservice.bill.downloadurl.query` for the link, then the zip
   * itself. A day without a bill is empty; a bill that cannot be read whole throws (AlipayBillError).
   */
  async statement(req: { date: string }): Promise<StatementLine[]> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(req.date)) throw new SaomaError('invalid_request', 'The statement date is YYYY-MM-DD.');
    const out = await this.call('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: req.date });
    if (!out.ok) throw new SaomaError('channel_unavailable', `Alipay bill for ${req.date}: ${out.message}`);
    const r = out.r;
    if (r.code === '40004' && r.sub_code === 'isp.bill_not_exist') return [];
    if (r.code !== '10000' || typeof r.bill_download_url !== 'string') throw new SaomaError('channel_unavailable', `Alipay bill for ${req.date}: ${describe(r)}`);
    let zip: Uint8Array;
    try {
      const res = await request(r.bill_download_url, { method: 'GET', signal: AbortSignal.timeout(this.account.timeoutMs ?? 30_000) });
      const bytes = new Uint8Array(await res.body.arrayBuffer());
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      zip = bytes;
    } catch (e) {
      throw new SaomaError('channel_unavailable', `Alipay bill for ${req.date} could not be downloaded: ${(e as Error).message}`);
    }
    try {
      return parseBillZip(zip);
    } catch (e) {
      if (e instanceof AlipayBillError) throw new AlipayBillError(`Alipay bill for ${req.date}: ${e.message}`);
      throw e;
    }
  }

  async payWithCode(req: Parameters<Channel['payWithCode']>[0]): Promise<TradeStatus> {
    const out = await this.call('alipay.trade.pay', {
      out_trade_no: req.outTradeNo, scene: 'bar_code', auth_code: req.authCode, subject: req.subject,
      total_amount: toDecimalString(req.amount), product_code: 'FACE_TO_FACE_PAYMENT',
    }, { notify_url: req.notifyUrl });
    if (!out.ok) return { status: 'unknown', code: 'UNREACHABLE', message: out.message };
    const r = out.r;
    if (r.code === '10000') {
      const amount = fen(r.total_amount);
      if (typeof r.trade_no !== 'string' || amount === null) return { status: 'unknown', code: '10000', message: 'pay answer lacks trade_no/total_amount' };
      return { status: 'succeeded', channelTradeNo: r.trade_no, amount };
    }
    if (r.code === '10003') return { status: 'waiting_customer', ...(typeof r.trade_no === 'string' ? { channelTradeNo: r.trade_no } : {}) };
    return this.payFailure(r);
  }

  async query(req: { outTradeNo: string }): Promise<TradeStatus> {
    const out = await this.call('alipay.trade.query', { out_trade_no: req.outTradeNo });
    if (!out.ok) return { status: 'unknown', code: 'UNREACHABLE', message: out.message };
    return mapQuery(out.r);
  }

  async close(req: { outTradeNo: string }): Promise<TradeStatus> {
    const out = await this.call('alipay.trade.close', { out_trade_no: req.outTradeNo });
    if (!out.ok) return { status: 'unknown', code: 'UNREACHABLE', message: out.message };
    const r = out.r;
    if (r.code === '10000') return { status: 'closed' };
    if (r.code === '40004' && r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { status: 'not_found' };
    // Paid (or otherwise not closable): report what the trade is.
    if (r.code === '40004' && r.sub_code === 'ACQ.TRADE_STATUS_ERROR') return this.query(req);
    return { status: 'unknown', code: String(r.sub_code ?? r.code ?? 'NO_CODE'), message: describe(r) };
  }

  /** alipay.trade.cancel: closes an unpaid trade (action=close) or refunds a paid one (action=refund). */
  async reverse(req: { outTradeNo: string }): Promise<ReverseResult> {
    const out = await this.call('alipay.trade.cancel', { out_trade_no: req.outTradeNo });
    if (!out.ok) return { status: 'retry', message: out.message };
    const r = out.r;
    if (r.retry_flag === 'Y') return { status: 'retry', message: `Alipay asks to cancel again (${describe(r)})` };
    if (r.code === '10000') return { status: 'reversed' };
    const sub = String(r.sub_code ?? '');
    if ((r.code === '40004' && DEFINITE_CANCEL_FAILURES.has(sub)) || GATEWAY_REFUSALS.has(String(r.code))) {
      return { status: 'failed', code: sub || String(r.code), message: describe(r) };
    }
    // 20000, ACQ.SYSTEM_ERROR, anything undocumented: cancel is idempotent, so ask again.
    return { status: 'retry', message: describe(r) };
  }

  async refund(req: Parameters<Channel['refund']>[0]): Promise<RefundStatus> {
    const out = await this.call('alipay.trade.refund', {
      out_trade_no: req.outTradeNo, refund_amount: toDecimalString(req.amount), out_request_no: req.outRefundNo,
      ...(req.reason ? { refund_reason: req.reason } : {}),
    });
    if (!out.ok) return { status: 'unknown', code: 'UNREACHABLE', message: out.message };
    const r = out.r;
    if (r.code === '10000') {
      // fund_change=N: an idempotent repeat or not yet done; the refund query decides.
      if (r.fund_change === 'Y') return { status: 'succeeded', channelRefundNo: `${String(r.trade_no ?? '')}/${req.outRefundNo}` };
      const q = await this.queryRefund(req);
      // Accepted a moment ago, so not "never arrived": wait for it.
      return q.status === 'not_found' ? { status: 'pending' } : q;
    }
    const sub = String(r.sub_code ?? '');
    if (r.code === '40004' && DEFINITE_REFUND_FAILURES.has(sub)) return { status: 'failed', code: sub, message: describe(r) };
    if (GATEWAY_REFUSALS.has(String(r.code))) return { status: 'failed', code: sub || String(r.code), message: describe(r) };
    return { status: 'unknown', code: sub || String(r.code ?? 'NO_CODE'), message: describe(r) };
  }

  async queryRefund(req: { outTradeNo: string; outRefundNo: string }): Promise<RefundStatus> {
    const out = await this.call('alipay.trade.fastpay.refund.query', { out_trade_no: req.outTradeNo, out_request_no: req.outRefundNo });
    if (!out.ok) return { status: 'unknown', code: 'UNREACHABLE', message: out.message };
    const r = out.r;
    if (r.code === '10000') {
      if (r.refund_status === 'REFUND_SUCCESS') return { status: 'succeeded', channelRefundNo: `${String(r.trade_no ?? '')}/${req.outRefundNo}` };
      // §1.8: no refund_status = not received or not yet successful. Sending it again under the same
      // out_request_no cannot refund twice (the gateway answers fund_change=N), so it may be re-sent.
      return { status: 'not_found' };
    }
    if (r.code === '40004' && r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { status: 'failed', code: 'ACQ.TRADE_NOT_EXIST', message: describe(r) };
    return { status: 'unknown', code: String(r.sub_code ?? r.code ?? 'NO_CODE'), message: describe(r) };
  }

  /** Async notify: a form-urlencoded POST signed RSA2 over everything but sign and sign_type (§1.9). */
  parseNotification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification {
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(req.body)) params[k] = v;
    if (!verifyNotify(params, this.alipayKey)) throw new ChannelNotificationError('Alipay notification signature does not verify', FAIL_ACK);
    if (params.app_id !== this.account.appId) throw new ChannelNotificationError('Alipay notification names another app_id', FAIL_ACK);
    if (!params.notify_id || !params.out_trade_no) throw new ChannelNotificationError('Alipay notification lacks notify_id or out_trade_no', FAIL_ACK);
    return { notifyId: params.notify_id, outTradeNo: params.out_trade_no, result: mapNotify(params) };
  }

  notificationAck(ok: boolean) {
    return ok ? SUCCESS_ACK : FAIL_ACK;
  }
}

/** trade.query answers onto our states (§1.4). */
export function mapQuery(r: Reply): TradeStatus {
  if (r.code === '10000') return mapTradeStatus(r.trade_status, r.trade_no, r.total_amount, r.refund_fee);
  if (r.code === '40004' && r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { status: 'not_found' };
  return { status: 'unknown', code: String(r.sub_code ?? r.code ?? 'NO_CODE'), message: describe(r) };
}

function mapTradeStatus(status: unknown, tradeNo: unknown, total: unknown, refundFee: unknown): TradeStatus {
  switch (status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED': {
      const amount = fen(total);
      if (typeof tradeNo !== 'string' || amount === null) return { status: 'unknown', code: String(status), message: 'paid trade lacks trade_no/total_amount' };
      return { status: 'succeeded', channelTradeNo: tradeNo, amount };
    }
    case 'WAIT_BUYER_PAY': return { status: 'waiting_customer', ...(typeof tradeNo === 'string' ? { channelTradeNo: tradeNo } : {}) };
    case 'TRADE_CLOSED': {
      // A fully refunded trade is TRADE_CLOSED too: it was paid; refunds are booked separately.
      const refunded = fen(refundFee);
      const amount = fen(total);
      if (refunded !== null && refunded > 0 && typeof tradeNo === 'string' && amount !== null) return { status: 'succeeded', channelTradeNo: tradeNo, amount };
      return { status: 'closed' };
    }
    default: return { status: 'unknown', code: 'TRADE_STATUS', message: `unrecognised trade_status ${String(status)}` };
  }
}

function mapNotify(p: Record<string, string>): TradeStatus {
  if (p.notify_type && p.notify_type !== 'trade_status_sync') return { status: 'unknown', code: 'NOTIFY_TYPE', message: `unrecognised notify_type ${p.notify_type}` };
  return mapTradeStatus(p.trade_status, p.trade_no, p.total_amount, p.refund_fee);
}
