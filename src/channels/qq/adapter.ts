import { createHash } from 'node:crypto';
import {
  ChannelNotificationError,
  type Channel, type ChannelTiming, type Notification, type RefundStatus, type ReverseResult, type StatementLine, type TradeStatus, timingOverrides,
} from '../channel.ts';
import { post, type ClientCertificate, type HttpReply } from '../http.ts';
import { buildXml, parseXml, signedParams, verify, XmlError, type Params, type SignType } from '../wechat/sign.ts';
import { mapTradeState, paid } from '../wechat/v2-states.ts';
import { parseStatement } from './statement.ts';
import { beijingTime } from '../china-time.ts';

/** Everything but reverse and refund. */
export const QPAY_API = 'https://qpay.qq.com';
/** Reverse and refund, behind mutual TLS with the merchant's API certificate. */
export const QPAY_SECURE_API = 'https://api.qpay.qq.com';

export const QPAY_PATHS = {
  micropay: '/cgi-bin/pay/qpay_micro_pay.cgi',
  unifiedOrder: '/cgi-bin/pay/qpay_unified_order.cgi',
  orderQuery: '/cgi-bin/pay/qpay_order_query.cgi',
  closeOrder: '/cgi-bin/pay/qpay_close_order.cgi',
  reverse: '/cgi-bin/pay/qpay_reverse.cgi',
  refund: '/cgi-bin/pay/qpay_refund.cgi',
  refundQuery: '/cgi-bin/pay/qpay_refund_query.cgi',
  statement: '/cgi-bin/sp_download/qpay_mch_statement_down.cgi',
} as const;

const SECURE_PATHS: ReadonlySet<string> = new Set([QPAY_PATHS.reverse, QPAY_PATHS.refund]);

export interface QqAccount {
  /**
   * Replaces both hosts (qpay.qq.com and api.qpay.qq.com) with one: the emulator serves every path.
   * Left out against the real wallet.
   */
  baseUrl?: string;
  mchId: string;
  /** The API key set in the QQ Wallet merchant console (32 characters). */
  apiKey: string;
  signType?: SignType;
  /** The operator account and its password (plain; sent as its MD5) that reverse and refund require. */
  opUserId: string;
  opUserPassword: string;
  /** The merchant API certificate (PEM) for api.qpay.qq.com; the emulator on loopback does not ask for it. */
  certificate?: ClientCertificate;
  /** QQ's appid, only when the merchant has one bound (JSAPI); micropay and NATIVE work without it. */
  appId?: string;
  /** `device_info` on micropay (gopay and the official demo always send one). */
  deviceInfo?: string;
  /** IP reported as spbill_create_ip. */
  clientIp?: string;
  timeoutMs?: number;
  timing?: Partial<ChannelTiming>;
}

const SUCCESS_ACK = '<xml><return_code>SUCCESS</return_code></xml>';
const FAIL_ACK = { status: 200, contentType: 'text/xml', body: '<xml><return_code>FAIL</return_code><return_msg>FAIL</return_msg></xml>' };

type Reply = Params & { return_code: string };
const UNREACHABLE = (msg: string): Reply => ({ return_code: 'UNREACHABLE', return_msg: msg });

/**
 * micropay err_codes that say for certain no money moved. QQ publishes WeChat v2's table under the same
 * names (research §5: "practically a clone of WeChat v2"); anything not listed is `unknown`.
 */
export const PAY_DEFINITE_FAIL: ReadonlySet<string> = new Set([
  'PARAM_ERROR', 'NOAUTH', 'AUTHCODEEXPIRE', 'NOTENOUGH', 'NOTSUPORTCARD', 'AUTH_CODE_ERROR', 'AUTH_CODE_INVALID',
  'XML_FORMAT_ERROR', 'REQUIRE_POST_METHOD', 'SIGNERROR', 'LACK_PARAMS', 'NOT_UTF8', 'BUYER_MISMATCH',
  'APPID_NOT_EXIST', 'MCHID_NOT_EXIST', 'APPID_MCHID_NOT_MATCH', 'INVALID_REQUEST', 'TRADE_ERROR', 'POST_DATA_EMPTY',
]);

/** refund err_codes after which nothing was refunded. */
export const REFUND_DEFINITE_FAIL: ReadonlySet<string> = new Set([
  'PARAM_ERROR', 'ORDERNOTEXIST', 'TRADE_STATE_ERROR', 'USER_ACCOUNT_ABNORMAL', 'NOTENOUGH', 'ERROR', 'INVALID_TRANSACTIONID',
  'MCHID_NOT_EXIST', 'SIGNERROR', 'XML_FORMAT_ERROR', 'REQUIRE_POST_METHOD', 'POST_DATA_EMPTY', 'NOT_UTF8', 'LACK_PARAMS',
  'INVALID_REQUEST', 'OPUSER_ERROR',
]);

/** reverse err_codes after which calling again cannot help (anything unlisted is retried). */
export const REVERSE_DEFINITE_FAIL: ReadonlySet<string> = new Set([
  'PARAM_ERROR', 'REVERSE_EXPIRE', 'INVALID_TRANSACTIONID', 'SIGNERROR', 'LACK_PARAMS', 'MCHID_NOT_EXIST', 'OPUSER_ERROR',
  'TRADE_STATE_ERROR',
]);

/**
 * QQ Wallet (Tenpay qpay), the WeChat v2 protocol on other hosts: micropay for payment codes, unified order
 * NATIVE for the dynamic QR, order query, close, reverse and refund (api.qpay.qq.com, mutual TLS, operator
 * id + password MD5), refund query, the bill file, and the payment notification. Every answer is
 * signature-checked; one that does not verify is no answer (`unknown`).
 */
export class QqChannel implements Channel {
  readonly name = 'qq';
  readonly timing: ChannelTiming;
  private readonly account: QqAccount & { signType: SignType; opUserPasswd: string };
  private readonly hosts: { plain: string; secure: string };

  constructor(account: QqAccount) {
    this.account = { ...account, signType: account.signType ?? 'MD5', opUserPasswd: opUserPasswd(account.opUserPassword) };
    const base = account.baseUrl?.replace(/\/$/, '');
    this.hosts = { plain: base ?? QPAY_API, secure: base ?? QPAY_SECURE_API };
    // qpay copies WeChat's micropay advice: poll USERPAYING every 5 s, give up after 30 s, and never reverse
    // within 15 s of micropay (research §2.1 for the numbers; QQ's own page repeats them, unconfirmed).
    this.timing = { queryIntervalMs: 5000, payCodeGiveUpMs: 30_000, minReverseDelayMs: 15_000, ...account.timing };
  }

  private url(path: string): string {
    return `${SECURE_PATHS.has(path) ? this.hosts.secure : this.hosts.plain}${path}`;
  }

  private async send(path: string, fields: Params): Promise<{ ok: true; res: HttpReply } | { ok: false; reply: Reply }> {
    const a = this.account;
    const params = signedParams({ ...(a.appId ? { appid: a.appId } : {}), mch_id: a.mchId, ...fields }, a.apiKey, a.signType);
    try {
      const res = await post(this.url(path), { 'content-type': 'text/xml; charset=utf-8' }, buildXml(params), a.timeoutMs ?? 10_000,
        SECURE_PATHS.has(path) && a.certificate ? { clientCertificate: a.certificate } : {});
      return { ok: true, res };
    } catch (e) {
      return { ok: false, reply: UNREACHABLE(`qq unreachable: ${(e as Error).message}`) };
    }
  }

  /** One signed call; transport failures and unverifiable replies come back as `UNREACHABLE`/`BAD_SIGNATURE`. */
  private async call(path: string, fields: Params): Promise<Reply> {
    const sent = await this.send(path, fields);
    if (!sent.ok) return sent.reply;
    const http = sent.res;
    if (http.status < 200 || http.status >= 300) return UNREACHABLE(`qq answered HTTP ${http.status}`);
    let r: Params;
    try {
      r = parseXml(http.text);
    } catch (e) {
      return UNREACHABLE(`qq reply is not readable XML: ${(e as Error).message}`);
    }
    return this.checkReply(r);
  }

  private checkReply(r: Params): Reply {
    const a = this.account;
    if (r.return_code !== 'SUCCESS') {
      // Communication-level failure (bad signature, malformed request, …): unsigned, so a code, never an answer.
      return { ...r, return_code: r.return_code === 'FAIL' ? 'FAIL' : 'UNREACHABLE', return_msg: r.return_msg ?? r.retmsg ?? '' };
    }
    if (!verify(r, a.apiKey, a.signType) || r.mch_id !== a.mchId) {
      return { return_code: 'BAD_SIGNATURE', return_msg: 'qq reply signature does not verify or names another merchant' };
    }
    return r as Reply;
  }

  async createDynamicQr(req: Parameters<Channel['createDynamicQr']>[0]) {
    if (req.amount.currency !== 'CNY') return { status: 'failed' as const, code: 'UNSUPPORTED_CURRENCY', message: 'QQ Wallet takes CNY only' };
    const r = await this.call(QPAY_PATHS.unifiedOrder, {
      body: req.subject.slice(0, 128), out_trade_no: req.outTradeNo, fee_type: 'CNY', total_fee: String(req.amount.minor),
      spbill_create_ip: this.account.clientIp ?? '127.0.0.1', notify_url: req.notifyUrl, trade_type: 'NATIVE',
      time_expire: beijingTime(req.expiresAt),
    });
    if (succeeded(r)) {
      if (r.code_url) return { status: 'waiting_customer' as const, qrCode: r.code_url };
      return { status: 'unknown' as const, code: 'NO_CODE_URL', message: 'qpay_unified_order gave no code_url' };
    }
    if (r.err_code === 'ORDERPAID') {
      const q = await this.query({ outTradeNo: req.outTradeNo });
      return q.status === 'waiting_customer' ? { status: 'unknown' as const, code: 'ORDERPAID', message: 'order paid but query says waiting' } : q;
    }
    if (r.return_code === 'SUCCESS' && r.err_code === 'ORDERCLOSED') return { status: 'closed' as const };
    if (r.return_code === 'SUCCESS' && r.err_code && PAY_DEFINITE_FAIL.has(r.err_code)) {
      return { status: 'failed' as const, code: r.err_code, message: r.err_code_des ?? r.err_code };
    }
    return unknownFrom(r);
  }

  async payWithCode(req: Parameters<Channel['payWithCode']>[0]): Promise<TradeStatus> {
    if (req.amount.currency !== 'CNY') return { status: 'failed', code: 'UNSUPPORTED_CURRENCY', message: 'QQ Wallet takes CNY only' };
    const r = await this.call(QPAY_PATHS.micropay, {
      body: req.subject.slice(0, 128), out_trade_no: req.outTradeNo, fee_type: 'CNY', total_fee: String(req.amount.minor),
      spbill_create_ip: this.account.clientIp ?? '127.0.0.1', device_info: this.account.deviceInfo ?? 'SAOMA-POS',
      trade_type: 'MICROPAY', auth_code: req.authCode,
    });
    return mapPayReply(r, () => this.query({ outTradeNo: req.outTradeNo }));
  }

  async query(req: { outTradeNo: string }): Promise<TradeStatus> {
    const r = await this.call(QPAY_PATHS.orderQuery, { out_trade_no: req.outTradeNo });
    if (succeeded(r)) return mapTradeState(r);
    if (r.return_code === 'SUCCESS' && r.err_code === 'ORDERNOTEXIST') return { status: 'not_found' };
    return unknownFrom(r);
  }

  async close(req: { outTradeNo: string }): Promise<TradeStatus> {
    const r = await this.call(QPAY_PATHS.closeOrder, { out_trade_no: req.outTradeNo });
    if (succeeded(r)) return { status: 'closed' };
    if (r.return_code === 'SUCCESS') {
      switch (r.err_code) {
        case 'ORDERCLOSED': return { status: 'closed' };
        case 'ORDERNOTEXIST': return { status: 'not_found' };
        case 'ORDERPAID': return this.query(req);
        default: break;
      }
    }
    return unknownFrom(r);
  }

  async reverse(req: { outTradeNo: string }): Promise<ReverseResult> {
    const a = this.account;
    const r = await this.call(QPAY_PATHS.reverse, { out_trade_no: req.outTradeNo, op_user_id: a.opUserId, op_user_passwd: a.opUserPasswd });
    return mapReverseReply(r);
  }

  async refund(req: Parameters<Channel['refund']>[0]): Promise<RefundStatus> {
    const a = this.account;
    const r = await this.call(QPAY_PATHS.refund, {
      out_trade_no: req.outTradeNo, out_refund_no: req.outRefundNo, refund_fee: String(req.amount.minor),
      op_user_id: a.opUserId, op_user_passwd: a.opUserPasswd,
    });
    // SUCCESS means "refund application accepted"; the refund query says when the money went back.
    if (succeeded(r)) return { status: 'pending' };
    if (r.return_code === 'SUCCESS' && r.err_code && REFUND_DEFINITE_FAIL.has(r.err_code)) {
      return { status: 'failed', code: r.err_code, message: r.err_code_des ?? r.err_code };
    }
    return { status: 'unknown', code: codeOf(r), message: messageOf(r, 'refund outcome unknown') };
  }

  async queryRefund(req: { outTradeNo: string; outRefundNo: string }): Promise<RefundStatus> {
    const r = await this.call(QPAY_PATHS.refundQuery, { out_trade_no: req.outTradeNo, out_refund_no: req.outRefundNo });
    return mapRefundQuery(r, req.outRefundNo);
  }

  /** The day's transaction bill (`bill_type=ALL`), parsed; a short, malformed or inconsistent file throws. */
  async statement(req: { date: string }): Promise<StatementLine[]> {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(req.date);
    if (!m) throw new Error(`statement date must be YYYY-MM-DD, not ${JSON.stringify(req.date)}`);
    const sent = await this.send(QPAY_PATHS.statement, { bill_date: `${m[1]}${m[2]}${m[3]}`, bill_type: 'ALL' });
    if (!sent.ok) throw new Error(sent.reply.return_msg ?? 'qq unreachable');
    const http = sent.res;
    if (http.status < 200 || http.status >= 300) throw new Error(`qq answered HTTP ${http.status} for the bill`);
    // Errors (no bill for that day, bad signature) come back as XML; the bill itself is plain text.
    if (http.text.trimStart().startsWith('<xml')) {
      let r: Params;
      try { r = parseXml(http.text); } catch (e) { throw new Error(`qq bill error reply is not readable: ${(e as XmlError).message}`); }
      if (r.err_code === 'NO_BILL_EXIST' || r.retcode === '88010001') return [];
      throw new Error(`qq refused the bill: ${r.return_msg ?? r.retmsg ?? r.err_code_des ?? r.err_code ?? 'unknown error'}`);
    }
    return parseStatement(http.text);
  }

  parseNotification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification {
    let n: Params;
    try {
      n = parseXml(req.body, 100_000);
    } catch {
      throw new ChannelNotificationError('notification is not readable XML', FAIL_ACK);
    }
    if (!verify(n, this.account.apiKey, this.account.signType)) throw new ChannelNotificationError('notification signature does not verify', FAIL_ACK);
    if (n.mch_id !== this.account.mchId || !n.out_trade_no || !n.trade_state) {
      throw new ChannelNotificationError('notification is missing fields or names another merchant', FAIL_ACK);
    }
    return { notifyId: `${n.transaction_id ?? n.out_trade_no}-${n.trade_state}`, outTradeNo: n.out_trade_no, result: mapTradeState(n) };
  }

  notificationAck(ok: boolean) {
    return ok ? { status: 200, contentType: 'text/xml', body: SUCCESS_ACK } : FAIL_ACK;
  }
}

/** The reply is the call's own success: communication OK, signed, `retcode` 0 when present, `result_code` SUCCESS. */
function succeeded(r: Reply): boolean {
  return r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS' && (r.retcode === undefined || r.retcode === '0');
}

function codeOf(r: Reply): string {
  if (r.return_code !== 'SUCCESS') return r.return_code;
  return r.err_code ?? (r.retcode && r.retcode !== '0' ? `RETCODE_${r.retcode}` : r.result_code ?? 'FAIL');
}

function messageOf(r: Reply, fallback: string): string {
  return r.err_code_des ?? r.retmsg ?? r.return_msg ?? fallback;
}

function unknownFrom(r: Reply): TradeStatus & { status: 'unknown' } {
  return { status: 'unknown', code: codeOf(r), message: messageOf(r, 'unrecognised answer') };
}

/** micropay's reply onto our states; `ORDERPAID` asks the wallet what the earlier call did. */
export async function mapPayReply(r: Reply, query: () => Promise<TradeStatus>): Promise<TradeStatus> {
  if (succeeded(r)) return paid(r);
  if (r.return_code === 'SUCCESS') {
    switch (r.err_code) {
      case 'USERPAYING': return { status: 'waiting_customer' };
      case 'ORDERPAID': return query();
      case 'ORDERCLOSED': return { status: 'closed' };
      case 'ORDERREVERSED': return { status: 'reversed' };
      default: break;
    }
    if (r.err_code && PAY_DEFINITE_FAIL.has(r.err_code)) return { status: 'failed', code: r.err_code, message: r.err_code_des ?? r.err_code };
  }
  // SYSTEMERROR, BANKERROR, no reply, a reply we cannot verify, a code nobody documented: query, then reverse.
  return unknownFrom(r);
}

/** reverse: done only on success with `recall` not Y; a definite refusal is failed; everything else is retried. */
export function mapReverseReply(r: Reply): ReverseResult {
  if (succeeded(r) && r.recall !== 'Y') return { status: 'reversed' };
  if (r.return_code === 'SUCCESS' && r.recall === 'Y') return { status: 'retry', message: 'qq asks to call reverse again (recall=Y)' };
  if (r.return_code === 'SUCCESS' && r.err_code && REVERSE_DEFINITE_FAIL.has(r.err_code)) {
    return { status: 'failed', code: r.err_code, message: r.err_code_des ?? 'reverse refused' };
  }
  return { status: 'retry', message: `${codeOf(r)}: ${messageOf(r, 'reverse outcome unknown')}` };
}

export function mapRefundQuery(r: Reply, outRefundNo: string): RefundStatus {
  if (succeeded(r)) {
    const count = Number(r.refund_count ?? '0');
    for (let n = 0; n < Math.min(Number.isInteger(count) ? count : 0, 100); n++) {
      if (r[`out_refund_no_${n}`] !== outRefundNo) continue;
      const status = r[`refund_status_${n}`];
      switch (status) {
        case 'SUCCESS': return { status: 'succeeded', channelRefundNo: r[`refund_id_${n}`] ?? '' };
        case 'PROCESSING': return { status: 'pending' };
        case 'FAIL':
        case 'CHANGE': return { status: 'failed', code: status, message: 'qq refund failed or went to manual handling' };
        default: return { status: 'unknown', code: String(status), message: `unrecognised refund_status ${String(status)}` };
      }
    }
    return { status: 'unknown', code: 'NOT_IN_REPLY', message: 'refund query did not list this refund' };
  }
  if (r.return_code === 'SUCCESS' && r.err_code === 'REFUNDNOTEXIST') return { status: 'not_found' };
  return { status: 'unknown', code: codeOf(r), message: messageOf(r, 'refund query failed') };
}


/** The operator password as qpay wants it: MD5, lowercase hex (PHP md5() in the official demo). */
export function opUserPasswd(password: string): string {
  return createHash('md5').update(password, 'utf8').digest('hex');
}


/**
 * A merchant's channel account (credentials mchId, apiKey, signType, opUserId, opUserPassword, optional
 * appId, certificate + certificateKey as PEM) as adapter options. `minReverseDelayMs` and `timeoutMs` in the
 * credentials are test-time knobs (suites need not wait 15 s or 10 s); production accounts leave them out.
 */
export function qqAccountFrom(
  a: { baseUrl: string | null; credentials: Record<string, string> },
  config: { queryIntervalMs: number | null; payCodeGiveUpMs: number | null },
): QqAccount {
  const c = a.credentials;
  const timing = timingOverrides(config);
  const num = (v: string | undefined) => (v !== undefined && /^\d{1,7}$/.test(v) ? Number(v) : undefined);
  const minReverse = num(c.minReverseDelayMs) ?? 15_000;
  const timeoutMs = num(c.timeoutMs);
  return {
    ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
    mchId: c.mchId ?? '', apiKey: c.apiKey ?? '', signType: c.signType === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'MD5',
    opUserId: c.opUserId ?? '', opUserPassword: c.opUserPassword ?? '',
    ...(c.appId ? { appId: c.appId } : {}),
    ...(c.deviceInfo ? { deviceInfo: c.deviceInfo } : {}),
    ...(c.certificate && c.certificateKey ? { certificate: { cert: c.certificate, key: c.certificateKey } } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    timing: { ...timing, payCodeGiveUpMs: Math.max(timing.payCodeGiveUpMs ?? 30_000, minReverse), minReverseDelayMs: minReverse },
  };
}

export { beijingTime };
