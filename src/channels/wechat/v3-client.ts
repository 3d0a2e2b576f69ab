import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { post, type HttpReply } from '../http.ts';
import { ChannelUnreachable, type RefundStatus, type TradeStatus } from '../channel.ts';
import { authorization, errorBody, verifyWechatpaySignature } from './v3.ts';

/** A merchant's API v3 credentials. */
export interface WechatV3Credentials {
  /** The APIv3 key (32 characters) that encrypts notification resources. */
  apiV3Key: string;
  /** The merchant API private key (apiclient_key.pem), PEM. */
  privateKey: string;
  /** The merchant API certificate's serial number (hex). */
  serialNo: string;
  /** WeChat Pay's keys by `Wechatpay-Serial`: the public key's `PUB_KEY_ID_…` or a platform certificate's serial → PEM (public key or certificate). */
  platformKeys: Record<string, string>;
}

export type V3Reply =
  | { kind: 'ok'; status: number; json: Record<string, unknown> | null }
  | { kind: 'error'; status: number; code: string; message: string }
  /** No verifiable answer: transport failure, a proxy's 5xx, or a signature that does not verify. */
  | { kind: 'unknown'; code: string; message: string };

/**
 * Signed calls to API v3. Every answer, errors and 204s included, must carry WeChat's signature; one that
 * does not verify is no answer at all (`unknown`), whatever it says.
 */
export class WechatV3Client {
  private readonly privateKey: KeyObject;
  private readonly keys: Map<string, KeyObject>;

  constructor(
    private readonly baseUrl: string, private readonly mchId: string, readonly creds: WechatV3Credentials, private readonly timeoutMs: number,
    private readonly serverCa?: string,
  ) {
    this.privateKey = createPrivateKey(creds.privateKey);
    this.keys = new Map(Object.entries(creds.platformKeys).map(([id, pem]) => [id, createPublicKey(pem)]));
  }

  get merchantKey(): KeyObject {
    return this.privateKey;
  }

  get platformKeys(): ReadonlyMap<string, KeyObject> {
    return this.keys;
  }

  /**
   * A file download (bill): the request is signed like any other, the answer is not (WeChat exempts
   * downloads), so the caller checks the file against the hash from the signed answer that named it.
   */
  async download(url: string): Promise<string> {
    const u = new URL(url);
    const headers = {
      accept: '*/*', 'user-agent': 'saoma-wechatpay-v3',
      authorization: authorization({ mchId: this.mchId, serialNo: this.creds.serialNo, privateKey: this.privateKey, method: 'GET', url: `${u.pathname}${u.search}`, body: '' }),
    };
    let res: HttpReply;
    try {
      res = await post(url, headers, '', this.timeoutMs, { method: 'GET', ...(this.serverCa ? { serverCa: this.serverCa } : {}) });
    } catch (e) {
      throw new ChannelUnreachable(`wechat download unreachable: ${(e as Error).message}`);
    }
    if (res.status !== 200) throw new ChannelUnreachable(`wechat download answered HTTP ${res.status}`);
    return res.text;
  }

  async request(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<V3Reply> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const url = `${this.baseUrl}${path}`;
    // The signature covers the path as the server sees it, including any prefix in the base URL.
    const u = new URL(url);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'saoma-wechatpay-v3',
      authorization: authorization({ mchId: this.mchId, serialNo: this.creds.serialNo, privateKey: this.privateKey, method, url: `${u.pathname}${u.search}`, body: text }),
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    };
    let res: HttpReply;
    try {
      res = await post(url, headers, text, this.timeoutMs, { method, ...(this.serverCa ? { serverCa: this.serverCa } : {}) });
    } catch (e) {
      return { kind: 'unknown', code: 'UNREACHABLE', message: `wechat unreachable: ${(e as Error).message}` };
    }
    const v = verifyWechatpaySignature(res.headers, res.text, this.keys);
    if (!v.ok) {
      // A gateway's own 5xx is not signed; neither is it an answer.
      return { kind: 'unknown', code: res.status >= 500 && !res.headers['wechatpay-signature'] ? 'UNREACHABLE' : 'BAD_SIGNATURE', message: `wechat reply (HTTP ${res.status}) not verifiable: ${v.reason}` };
    }
    if (res.status >= 200 && res.status < 300) {
      if (res.text === '') return { kind: 'ok', status: res.status, json: null };
      try {
        const json = JSON.parse(res.text) as unknown;
        if (json && typeof json === 'object' && !Array.isArray(json)) return { kind: 'ok', status: res.status, json: json as Record<string, unknown> };
      } catch { /* answered below */ }
      return { kind: 'unknown', code: 'BAD_REPLY', message: 'wechat reply is not a JSON object' };
    }
    const e = errorBody(res.text);
    if (!e) return { kind: 'unknown', code: `HTTP_${res.status}`, message: 'wechat error without {code, message}' };
    return { kind: 'error', status: res.status, code: e.code, message: e.message };
  }
}

/** Errors after which no order exists and nothing can be paid. */
export const V3_CREATE_DEFINITE_FAIL = new Set([
  'PARAM_ERROR', 'INVALID_REQUEST', 'SIGN_ERROR', 'NO_AUTH', 'APPID_MCHID_NOT_MATCH', 'MCH_NOT_EXISTS', 'OUT_TRADE_NO_USED',
  'RULE_LIMIT', 'TRADE_ERROR', 'ACCOUNTERROR', 'OPENID_MISMATCH',
]);

/** Refund errors after which nothing was refunded. */
export const V3_REFUND_DEFINITE_FAIL = new Set([
  'PARAM_ERROR', 'INVALID_REQUEST', 'SIGN_ERROR', 'NO_AUTH', 'MCH_NOT_EXISTS', 'NOT_ENOUGH', 'USER_ACCOUNT_ABNORMAL',
  'RESOURCE_NOT_EXISTS', 'ORDER_NOT_EXIST',
]);

/** A v3 Transaction onto our states, after checking it is ours; anything unrecognised is `unknown`. */
export function mapTransaction(t: Record<string, unknown>, expect: { mchId: string; outTradeNo?: string }): TradeStatus {
  if (t.mchid !== expect.mchId || (expect.outTradeNo !== undefined && t.out_trade_no !== expect.outTradeNo)) {
    return { status: 'unknown', code: 'NOT_OUR_TRADE', message: 'transaction names another merchant or order' };
  }
  const state = t.trade_state;
  switch (state) {
    case 'SUCCESS':
    case 'REFUND': {
      const total = (t.amount as { total?: unknown } | undefined)?.total;
      if (!Number.isSafeInteger(total) || (total as number) <= 0 || typeof t.transaction_id !== 'string' || t.transaction_id === '') {
        return { status: 'unknown', code: 'BAD_PAID_REPLY', message: 'paid transaction without transaction_id or integer amount.total' };
      }
      return { status: 'succeeded', channelTradeNo: t.transaction_id, amount: total as number };
    }
    case 'NOTPAY':
    case 'USERPAYING': return { status: 'waiting_customer', ...(typeof t.transaction_id === 'string' && t.transaction_id ? { channelTradeNo: t.transaction_id } : {}) };
    case 'CLOSED': return { status: 'closed' };
    case 'REVOKED': return { status: 'reversed' };
    case 'PAYERROR': return { status: 'failed', code: 'PAYERROR', message: typeof t.trade_state_desc === 'string' ? t.trade_state_desc : 'payment failed' };
    default: return { status: 'unknown', code: String(state), message: `unrecognised trade_state ${String(state)}` };
  }
}

/** A v3 refund object onto our refund states. */
export function mapRefund(r: Record<string, unknown>, outRefundNo: string): RefundStatus {
  if (r.out_refund_no !== outRefundNo) return { status: 'unknown', code: 'NOT_OUR_REFUND', message: 'refund reply names another refund' };
  switch (r.status) {
    case 'SUCCESS': return { status: 'succeeded', channelRefundNo: typeof r.refund_id === 'string' ? r.refund_id : '' };
    case 'PROCESSING': return { status: 'pending' };
    // ABNORMAL: the money could not reach the customer's card; like v2's CHANGE it needs a person, not a retry.
    case 'CLOSED':
    case 'ABNORMAL': return { status: 'failed', code: String(r.status), message: 'wechat refund closed or abnormal' };
    default: return { status: 'unknown', code: String(r.status), message: `unrecognised refund status ${String(r.status)}` };
  }
}
