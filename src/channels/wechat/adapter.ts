import {
  ChannelNotificationError,
  type Channel, type ChannelTiming, type Notification, type RefundStatus, type ReverseResult, type TradeStatus,
} from '../channel.ts';
import { post, type HttpReply } from '../http.ts';
import { buildXml, parseXml, signedParams, verify, type Params, type SignType } from './sign.ts';

export const WECHAT_API = 'https://api.mch.weixin.qq.com';

export interface WechatAccount {
  /** Default https://api.mch.weixin.qq.com; the emulator's URL in tests. */
  baseUrl?: string;
  appId: string;
  mchId: string;
  /** The API v2 key (32 characters). */
  apiKey: string;
  signType?: SignType;
  /** The merchant API certificate (PEM) for /secapi/* (reverse, refund). Not needed against the emulator. */
  certificate?: { cert: string; key: string };
  /** IP reported as spbill_create_ip. */
  clientIp?: string;
  timeoutMs?: number;
  timing?: Partial<ChannelTiming>;
}

const SUCCESS_ACK = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';
const FAIL_ACK = { status: 200, contentType: 'text/xml', body: '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[FAIL]]></return_msg></xml>' };

type Reply = Params & { return_code: string };
const UNREACHABLE = (msg: string): Reply => ({ return_code: 'UNREACHABLE', return_msg: msg });

/** micropay err_codes that say for certain no money moved (WeChat's own table: "definite fail"). */
const PAY_DEFINITE_FAIL = new Set([
  'PARAM_ERROR', 'NOAUTH', 'AUTHCODEEXPIRE', 'NOTENOUGH', 'NOTSUPORTCARD', 'AUTH_CODE_ERROR', 'AUTH_CODE_INVALID',
  'XML_FORMAT_ERROR', 'REQUIRE_POST_METHOD', 'SIGNERROR', 'LACK_PARAMS', 'NOT_UTF8', 'BUYER_MISMATCH',
  'APPID_NOT_EXIST', 'MCHID_NOT_EXIST', 'APPID_MCHID_NOT_MATCH', 'INVALID_REQUEST', 'TRADE_ERROR', 'POST_DATA_EMPTY',
]);

/** refund err_codes after which nothing was refunded. */
const REFUND_DEFINITE_FAIL = new Set([
  'PARAM_ERROR', 'ORDERNOTEXIST', 'TRADE_STATE_ERROR', 'USER_ACCOUNT_ABNORMAL', 'NOTENOUGH', 'ERROR', 'INVALID_TRANSACTIONID',
  'APPID_NOT_EXIST', 'MCHID_NOT_EXIST', 'APPID_MCHID_NOT_MATCH', 'SIGNERROR', 'XML_FORMAT_ERROR', 'REQUIRE_POST_METHOD',
  'POST_DATA_EMPTY', 'NOT_UTF8', 'LACK_PARAMS', 'INVALID_REQUEST',
]);

/**
 * WeChat Pay API v2 (XML, MD5 or HMAC-SHA256): micropay for payment codes, unifiedorder NATIVE for the
 * dynamic QR, orderquery, reverse, closeorder, refund, refundquery, and the payment notification.
 * Every answer is signature-checked; one that does not verify is no answer (`unknown`).
 */
export class WechatChannel implements Channel {
  readonly name = 'wechat';
  readonly timing: ChannelTiming;
  private readonly account: Required<Pick<WechatAccount, 'baseUrl' | 'signType'>> & WechatAccount;

  constructor(account: WechatAccount) {
    this.account = { ...account, baseUrl: (account.baseUrl ?? WECHAT_API).replace(/\/$/, ''), signType: account.signType ?? 'MD5' };
    // WeChat: poll USERPAYING every 5–10 s, give up after 30 s, never reverse within 15 s of micropay.
    this.timing = { queryIntervalMs: 5000, payCodeGiveUpMs: 30_000, minReverseDelayMs: 15_000, ...account.timing };
  }

  /** One signed call; transport failures and unverifiable replies come back as `UNREACHABLE`/`BAD_SIGNATURE`. */
  private async call(path: string, fields: Params): Promise<Reply> {
    const a = this.account;
    const params = signedParams({ appid: a.appId, mch_id: a.mchId, ...fields }, a.apiKey, a.signType);
    let res: HttpReply;
    try {
      // TODO(production): /secapi/* needs mutual TLS with a.certificate; http.ts has no client-cert agent yet.
      res = await post(`${a.baseUrl}${path}`, { 'content-type': 'text/xml; charset=utf-8' }, buildXml(params), a.timeoutMs ?? 10_000);
    } catch (e) {
      return UNREACHABLE(`wechat unreachable: ${(e as Error).message}`);
    }
    if (res.status < 200 || res.status >= 300) return UNREACHABLE(`wechat answered HTTP ${res.status}`);
    let r: Params;
    try {
      r = parseXml(res.text);
    } catch (e) {
      return UNREACHABLE(`wechat reply is not readable XML: ${(e as Error).message}`);
    }
    if (r.return_code !== 'SUCCESS') {
      // Communication-level failure: WeChat does not sign these. Carry it as a code, never as an answer.
      return { ...r, return_code: r.return_code === 'FAIL' ? 'FAIL' : 'UNREACHABLE', return_msg: r.return_msg ?? '' };
    }
    if (!verify(r, a.apiKey, a.signType) || r.mch_id !== a.mchId || (r.appid !== undefined && r.appid !== a.appId)) {
      return { return_code: 'BAD_SIGNATURE', return_msg: 'wechat reply signature does not verify or names another merchant' };
    }
    return r as Reply;
  }

  async createDynamicQr(req: Parameters<Channel['createDynamicQr']>[0]) {
    if (req.amount.currency !== 'CNY') return { status: 'failed' as const, code: 'UNSUPPORTED_CURRENCY', message: 'WeChat Pay v2 domestic takes CNY only' };
    const r = await this.call('/pay/unifiedorder', {
      body: req.subject.slice(0, 128), out_trade_no: req.outTradeNo, total_fee: String(req.amount.minor),
      spbill_create_ip: this.account.clientIp ?? '127.0.0.1', notify_url: req.notifyUrl, trade_type: 'NATIVE',
      product_id: req.outTradeNo, time_expire: beijingTime(req.expiresAt),
    });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') {
      if (r.code_url) return { status: 'waiting_customer' as const, qrCode: r.code_url };
      return { status: 'unknown' as const, code: 'NO_CODE_URL', message: 'unifiedorder gave no code_url' };
    }
    if (r.err_code === 'ORDERPAID') {
      const q = await this.query({ outTradeNo: req.outTradeNo });
      return q.status === 'waiting_customer' ? { status: 'unknown' as const, code: 'ORDERPAID', message: 'order paid but query says waiting' } : q;
    }
    if (r.err_code === 'ORDERCLOSED') return { status: 'closed' as const };
    const m = mapError(r);
    return m.status === 'failed' || m.status === 'unknown' ? m : { status: 'unknown' as const, code: 'UNEXPECTED', message: 'unexpected unifiedorder answer' };
  }

  async payWithCode(req: Parameters<Channel['payWithCode']>[0]): Promise<TradeStatus> {
    if (req.amount.currency !== 'CNY') return { status: 'failed', code: 'UNSUPPORTED_CURRENCY', message: 'WeChat Pay v2 domestic takes CNY only' };
    // micropay has no notify_url: its outcome is learnt from this reply or from orderquery.
    const r = await this.call('/pay/micropay', {
      body: req.subject.slice(0, 128), out_trade_no: req.outTradeNo, total_fee: String(req.amount.minor),
      spbill_create_ip: this.account.clientIp ?? '127.0.0.1', auth_code: req.authCode,
    });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') return paid(r);
    switch (r.err_code) {
      case 'USERPAYING': return { status: 'waiting_customer' };
      case 'ORDERPAID': return this.query({ outTradeNo: req.outTradeNo });
      case 'ORDERCLOSED': return { status: 'closed' };
      case 'ORDERREVERSED': return { status: 'reversed' };
      default: break;
    }
    if (r.return_code === 'SUCCESS' && r.err_code && PAY_DEFINITE_FAIL.has(r.err_code)) {
      return { status: 'failed', code: r.err_code, message: r.err_code_des ?? r.err_code };
    }
    return mapError(r);
  }

  async query(req: { outTradeNo: string }): Promise<TradeStatus> {
    const r = await this.call('/pay/orderquery', { out_trade_no: req.outTradeNo });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') return mapTradeState(r);
    if (r.return_code === 'SUCCESS' && r.err_code === 'ORDERNOTEXIST') return { status: 'not_found' };
    return mapError(r);
  }

  async close(req: { outTradeNo: string }): Promise<TradeStatus> {
    const r = await this.call('/pay/closeorder', { out_trade_no: req.outTradeNo });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') return { status: 'closed' };
    if (r.return_code === 'SUCCESS') {
      switch (r.err_code) {
        case 'ORDERCLOSED': return { status: 'closed' };
        case 'ORDERNOTEXIST': return { status: 'not_found' };
        case 'ORDERPAID': return this.query(req);
        default: break;
      }
    }
    return mapError(r);
  }

  async reverse(req: { outTradeNo: string }): Promise<ReverseResult> {
    const r = await this.call('/secapi/pay/reverse', { out_trade_no: req.outTradeNo });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS' && r.recall !== 'Y') return { status: 'reversed' };
    if (r.recall === 'Y') return { status: 'retry', message: 'wechat asks to call reverse again (recall=Y)' };
    if (r.return_code !== 'SUCCESS' || r.err_code === 'SYSTEMERROR' || r.err_code === 'USERPAYING' || r.err_code === 'BANKERROR' || r.err_code === 'FREQUENCY_LIMITED') {
      return { status: 'retry', message: r.err_code_des ?? r.return_msg ?? r.err_code ?? r.return_code };
    }
    return { status: 'failed', code: r.err_code ?? 'FAIL', message: r.err_code_des ?? 'reverse refused' };
  }

  async refund(req: Parameters<Channel['refund']>[0]): Promise<RefundStatus> {
    const r = await this.call('/secapi/pay/refund', {
      out_trade_no: req.outTradeNo, out_refund_no: req.outRefundNo, total_fee: String(req.total.minor),
      refund_fee: String(req.amount.minor), ...(req.reason ? { refund_desc: req.reason.slice(0, 80) } : {}),
    });
    // SUCCESS here means "refund application accepted"; refundquery says when the money went back.
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') return { status: 'pending' };
    if (r.return_code === 'SUCCESS' && r.err_code && REFUND_DEFINITE_FAIL.has(r.err_code)) {
      return { status: 'failed', code: r.err_code, message: r.err_code_des ?? r.err_code };
    }
    return { status: 'unknown', code: r.err_code ?? r.return_code, message: r.err_code_des ?? r.return_msg ?? 'refund outcome unknown' };
  }

  async queryRefund(req: { outTradeNo: string; outRefundNo: string }): Promise<RefundStatus> {
    const r = await this.call('/pay/refundquery', { out_trade_no: req.outTradeNo, out_refund_no: req.outRefundNo });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') {
      const count = Number(r.refund_count ?? '0');
      for (let n = 0; n < Math.min(count, 100); n++) {
        if (r[`out_refund_no_${n}`] !== req.outRefundNo) continue;
        switch (r[`refund_status_${n}`]) {
          case 'SUCCESS': return { status: 'succeeded', channelRefundNo: r[`refund_id_${n}`] ?? '' };
          case 'PROCESSING': return { status: 'pending' };
          case 'REFUNDCLOSE':
          case 'CHANGE': return { status: 'failed', code: r[`refund_status_${n}`]!, message: 'wechat refund closed or abnormal' };
          default: return { status: 'unknown', code: String(r[`refund_status_${n}`]), message: 'unrecognised refund status' };
        }
      }
      return { status: 'unknown', code: 'NOT_IN_REPLY', message: 'refundquery did not list this refund' };
    }
    if (r.return_code === 'SUCCESS' && r.err_code === 'REFUNDNOTEXIST') return { status: 'failed', code: 'REFUNDNOTEXIST', message: 'wechat has no such refund' };
    return { status: 'unknown', code: r.err_code ?? r.return_code, message: r.err_code_des ?? r.return_msg ?? 'refund query failed' };
  }

  parseNotification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification {
    let n: Params;
    try {
      n = parseXml(req.body, 100_000);
    } catch {
      throw new ChannelNotificationError('notification is not readable XML', FAIL_ACK);
    }
    if (n.return_code !== 'SUCCESS') throw new ChannelNotificationError('notification return_code is not SUCCESS', FAIL_ACK);
    if (!verify(n, this.account.apiKey, this.account.signType)) throw new ChannelNotificationError('notification signature does not verify', FAIL_ACK);
    if (n.mch_id !== this.account.mchId || n.appid !== this.account.appId || !n.out_trade_no) {
      throw new ChannelNotificationError('notification is missing fields or names another merchant', FAIL_ACK);
    }
    const result: TradeStatus = n.result_code === 'SUCCESS'
      ? paid(n)
      : { status: 'unknown', code: n.err_code ?? 'FAIL', message: n.err_code_des ?? 'notification reports a failure' };
    return { notifyId: `${n.transaction_id ?? n.out_trade_no}-${n.result_code ?? ''}`, outTradeNo: n.out_trade_no, result };
  }

  notificationAck(ok: boolean) {
    return ok ? { status: 200, contentType: 'text/xml', body: SUCCESS_ACK } : FAIL_ACK;
  }
}

/** A paid trade from micropay, orderquery or the notification; a missing or malformed amount is not success. */
function paid(r: Params): TradeStatus {
  const fee = r.total_fee ?? '';
  if (!/^\d{1,13}$/.test(fee) || !r.transaction_id) return { status: 'unknown', code: 'BAD_PAID_REPLY', message: 'paid reply without transaction_id or integer total_fee' };
  return { status: 'succeeded', channelTradeNo: r.transaction_id, amount: Number(fee) };
}

/** orderquery trade_state onto our states; anything unrecognised is `unknown`. */
export function mapTradeState(r: Params): TradeStatus {
  switch (r.trade_state) {
    case 'SUCCESS':
    case 'REFUND': return paid(r);
    case 'NOTPAY':
    case 'USERPAYING': return { status: 'waiting_customer', ...(r.transaction_id ? { channelTradeNo: r.transaction_id } : {}) };
    case 'CLOSED': return { status: 'closed' };
    case 'REVOKED': return { status: 'reversed' };
    case 'PAYERROR': return { status: 'failed', code: 'PAYERROR', message: r.trade_state_desc ?? 'payment failed' };
    default: return { status: 'unknown', code: String(r.trade_state), message: `unrecognised trade_state ${String(r.trade_state)}` };
  }
}

/** Errors that are not the call's own definite outcome: unknown (query next), never success. */
function mapError(r: Reply): TradeStatus {
  if (r.return_code !== 'SUCCESS') return { status: 'unknown', code: r.return_code, message: r.return_msg ?? r.return_code };
  return { status: 'unknown', code: r.err_code ?? 'FAIL', message: r.err_code_des ?? r.err_code ?? 'unrecognised answer' };
}

/** yyyyMMddHHmmss in Beijing time (UTC+8, no DST), as v2 time_expire wants. */
export function beijingTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * A merchant's channel account (credentials appId, mchId, apiKey, signType, optional certificate +
 * certificateKey as PEM) as adapter options. `minReverseDelayMs` in the credentials overrides WeChat's
 * 15 s "no reverse right after micropay" rule: a test-time knob only, so suites need not wait 15 s.
 */
export function wechatAccountFrom(
  a: { baseUrl: string | null; credentials: Record<string, string> },
  config: { queryIntervalMs: number; payCodeGiveUpMs: number },
): WechatAccount {
  const c = a.credentials;
  const signType: SignType = c.signType === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'MD5';
  const minReverse = c.minReverseDelayMs !== undefined && /^\d{1,7}$/.test(c.minReverseDelayMs) ? Number(c.minReverseDelayMs) : 15_000;
  return {
    ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
    appId: c.appId ?? '', mchId: c.mchId ?? '', apiKey: c.apiKey ?? '', signType,
    ...(c.certificate && c.certificateKey ? { certificate: { cert: c.certificate, key: c.certificateKey } } : {}),
    timing: { queryIntervalMs: config.queryIntervalMs, payCodeGiveUpMs: Math.max(config.payCodeGiveUpMs, minReverse), minReverseDelayMs: minReverse },
  };
}
