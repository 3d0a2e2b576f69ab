import { createHash } from 'node:crypto';
import {
  ChannelNotificationError, ChannelUnreachable,
  type Channel, type ChannelTiming, type InAppPay, type Notification, type NotificationReply, type RefundStatus, type ReverseResult,
  type StatementLine, type TradeStatus, timingOverrides,
} from '../channel.ts';
import { post, type ClientCertificate, type HttpReply } from '../http.ts';
import { mapTradeState, paid } from './v2-states.ts';
import { buildXml, parseXml, sign, signedParams, verify, type Params, type SignType } from './sign.ts';
import { aeadDecrypt, jsapiMessage, rfc3339Beijing, rsaSign, unixSeconds, v3Nonce, verifyWechatpaySignature } from './v3.ts';
import { mapRefund, mapTransaction, V3_CREATE_DEFINITE_FAIL, V3_REFUND_DEFINITE_FAIL, WechatV3Client, type V3Reply, type WechatV3Credentials } from './v3-client.ts';
import { BillError, parseBill } from './bill.ts';
import { beijingTime } from '../china-time.ts';

export const WECHAT_API = 'https://api.mch.weixin.qq.com';
export const WECHAT_OAUTH = 'https://open.weixin.qq.com';
export const WECHAT_OPEN_API = 'https://api.weixin.qq.com';

export interface WechatAccount {
  /** Default https://api.mch.weixin.qq.com; the emulator's URL in tests. */
  baseUrl?: string;
  appId: string;
  mchId: string;
  /** The API v2 key (32 characters). */
  apiKey: string;
  signType?: SignType;
  /** The merchant API certificate and key (PEM) for mutual TLS on /secapi/* (reverse, refund). */
  certificate?: ClientCertificate;
  /** Only for a gateway whose server certificate a private CA signed (the emulator over HTTPS); never for WeChat's. */
  serverCa?: string;
  /** API v3: when present, dynamic QR, JSAPI, query, close, refunds and notifications go through v3. */
  v3?: WechatV3Credentials;
  /**
   * API v3: where WeChat posts refund results (`notify_url` on refunds): the gateway's notify URL for this
   * merchant, the one its payments carry. Without it refunds are learnt by query alone.
   */
  notifyUrl?: string;
  /** The 公众号 AppSecret: JSAPI's OAuth code → openid exchange. */
  appSecret?: string;
  /** OAuth hosts (open.weixin.qq.com, api.weixin.qq.com); default to `baseUrl` when that is set (the emulator). */
  oauthBaseUrl?: string;
  openApiBaseUrl?: string;
  /** IP reported as spbill_create_ip. */
  clientIp?: string;
  timeoutMs?: number;
  timing?: Partial<ChannelTiming>;
}

const SUCCESS_ACK = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';
const FAIL_ACK = { status: 200, contentType: 'text/xml', body: '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[FAIL]]></return_msg></xml>' };
/** v3: 204 accepts; a 4xx with this body makes WeChat send again. */
const V3_OK_ACK: NotificationReply = { status: 204, contentType: 'application/json', body: '' };
const V3_FAIL_ACK: NotificationReply = { status: 400, contentType: 'application/json', body: '{"code":"FAIL","message":"失败"}' };
const V3_AUTH_FAIL_ACK: NotificationReply = { ...V3_FAIL_ACK, status: 401 };

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
 * WeChat Pay: API v2 (XML, MD5 or HMAC-SHA256) for payment codes (micropay, reverse with the merchant
 * certificate) and, for accounts with only v2 credentials, everything else; API v3 (JSON, RSA, AES-GCM)
 * for the dynamic QR, JSAPI, query, close, refunds and notifications when the account carries v3
 * credentials. Every answer is signature-checked; one that does not verify is no answer (`unknown`).
 */
export class WechatChannel implements Channel {
  readonly name = 'wechat';
  readonly timing: ChannelTiming;
  readonly payerAuth?: Channel['payerAuth'];
  private readonly account: Required<Pick<WechatAccount, 'baseUrl' | 'signType'>> & WechatAccount;
  private readonly v3: WechatV3Client | undefined;

  constructor(account: WechatAccount) {
    this.account = { ...account, baseUrl: (account.baseUrl ?? WECHAT_API).replace(/\/$/, ''), signType: account.signType ?? 'MD5' };
    // WeChat: poll USERPAYING every 5–10 s, give up after 30 s, never reverse within 15 s of micropay.
    this.timing = { queryIntervalMs: 5000, payCodeGiveUpMs: 30_000, minReverseDelayMs: 15_000, ...account.timing };
    this.v3 = account.v3 ? new WechatV3Client(this.account.baseUrl, account.mchId, account.v3, account.timeoutMs ?? 10_000, account.serverCa) : undefined;
    if (account.appSecret) {
      const own = account.baseUrl?.replace(/\/$/, '');
      const oauth = (account.oauthBaseUrl ?? own ?? WECHAT_OAUTH).replace(/\/$/, '');
      const api = (account.openApiBaseUrl ?? own ?? WECHAT_OPEN_API).replace(/\/$/, '');
      this.payerAuth = {
        authorizeUrl: ({ redirectUri, state }) => `${oauth}/connect/oauth2/authorize?${new URLSearchParams({ appid: account.appId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state })}#wechat_redirect`,
        payerFromCode: (code) => this.openidFromCode(api, code),
      };
    }
  }

  /** Which API answers a request: v3 when the account has its credentials. */
  get api(): 'v2' | 'v3' {
    return this.v3 ? 'v3' : 'v2';
  }

  private trust(): { serverCa?: string } {
    return this.account.serverCa ? { serverCa: this.account.serverCa } : {};
  }

  /** One signed v2 call; transport failures and unverifiable replies come back as `UNREACHABLE`/`BAD_SIGNATURE`. */
  private async call(path: string, fields: Params): Promise<Reply> {
    const a = this.account;
    const params = signedParams({ appid: a.appId, mch_id: a.mchId, ...fields }, a.apiKey, a.signType);
    let res: HttpReply;
    try {
      // /secapi/* (reverse, refund) are mutual TLS: WeChat refuses callers without the merchant's certificate.
      const tls = { ...(path.startsWith('/secapi/') && a.certificate ? { clientCertificate: a.certificate } : {}), ...this.trust() };
      res = await post(`${a.baseUrl}${path}`, { 'content-type': 'text/xml; charset=utf-8' }, buildXml(params), a.timeoutMs ?? 10_000, tls);
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
    if (req.amount.currency !== 'CNY') return { status: 'failed' as const, code: 'UNSUPPORTED_CURRENCY', message: 'WeChat Pay domestic takes CNY only' };
    if (this.v3) {
      const r = await this.v3.request('POST', '/v3/pay/transactions/native', this.v3Order(req));
      if (r.kind === 'ok') {
        const url = r.json?.code_url;
        return typeof url === 'string' && url !== '' ? { status: 'waiting_customer' as const, qrCode: url } : { status: 'unknown' as const, code: 'NO_CODE_URL', message: 'native order gave no code_url' };
      }
      return this.v3CreateError(r, req.outTradeNo);
    }
    const r = await this.call('/pay/unifiedorder', {
      body: req.subject.slice(0, 128), out_trade_no: req.outTradeNo, total_fee: String(req.amount.minor),
      spbill_create_ip: this.account.clientIp ?? '127.0.0.1', notify_url: req.notifyUrl, trade_type: 'NATIVE',
      product_id: req.outTradeNo, time_expire: beijingTime(req.expiresAt),
    });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') {
      if (r.code_url) return { status: 'waiting_customer' as const, qrCode: r.code_url };
      return { status: 'unknown' as const, code: 'NO_CODE_URL', message: 'unifiedorder gave no code_url' };
    }
    return this.v2CreateError(r, req.outTradeNo);
  }

  /** JSAPI: an order for the customer (openid) paying inside WeChat, and the parameters its page hands to WeixinJSBridge. */
  async createInAppPayment(req: Parameters<NonNullable<Channel['createInAppPayment']>>[0]): Promise<{ status: 'waiting_customer'; pay: InAppPay } | Exclude<TradeStatus, { status: 'waiting_customer' }>> {
    if (req.amount.currency !== 'CNY') return { status: 'failed', code: 'UNSUPPORTED_CURRENCY', message: 'WeChat Pay domestic takes CNY only' };
    const a = this.account;
    const timeStamp = unixSeconds();
    const nonce = v3Nonce();
    if (this.v3) {
      const r = await this.v3.request('POST', '/v3/pay/transactions/jsapi', { ...this.v3Order(req), payer: { openid: req.payerId } });
      if (r.kind !== 'ok') return this.v3CreateError(r, req.outTradeNo);
      const prepay = r.json?.prepay_id;
      if (typeof prepay !== 'string' || prepay === '') return { status: 'unknown', code: 'NO_PREPAY_ID', message: 'jsapi order gave no prepay_id' };
      const pkg = `prepay_id=${prepay}`;
      return { status: 'waiting_customer', pay: { kind: 'wechat_jsapi', params: { appId: a.appId, timeStamp, nonceStr: nonce, package: pkg, signType: 'RSA', paySign: rsaSign(jsapiMessage(a.appId, timeStamp, nonce, pkg), this.v3.merchantKey) } } };
    }
    const r = await this.call('/pay/unifiedorder', {
      body: req.subject.slice(0, 128), out_trade_no: req.outTradeNo, total_fee: String(req.amount.minor),
      spbill_create_ip: a.clientIp ?? '127.0.0.1', notify_url: req.notifyUrl, trade_type: 'JSAPI', openid: req.payerId,
      time_expire: beijingTime(req.expiresAt),
    });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') {
      if (!r.prepay_id) return { status: 'unknown', code: 'NO_PREPAY_ID', message: 'unifiedorder gave no prepay_id' };
      const params: Params = { appId: a.appId, timeStamp, nonceStr: nonce, package: `prepay_id=${r.prepay_id}`, signType: a.signType };
      return { status: 'waiting_customer', pay: { kind: 'wechat_jsapi', params: { ...params, paySign: sign(params, a.apiKey, a.signType) } } };
    }
    return this.v2CreateError(r, req.outTradeNo);
  }

  private v3Order(req: { outTradeNo: string; amount: { minor: number }; subject: string; expiresAt: Date; notifyUrl: string }): Record<string, unknown> {
    return {
      appid: this.account.appId, mchid: this.account.mchId, description: req.subject.slice(0, 127) || 'Saoma', out_trade_no: req.outTradeNo,
      time_expire: rfc3339Beijing(req.expiresAt), notify_url: req.notifyUrl, amount: { total: req.amount.minor, currency: 'CNY' },
    };
  }

  private async v2CreateError(r: Reply, outTradeNo: string): Promise<Exclude<TradeStatus, { status: 'waiting_customer' }>> {
    if (r.err_code === 'ORDERPAID') {
      const q = await this.query({ outTradeNo });
      return q.status === 'waiting_customer' ? { status: 'unknown', code: 'ORDERPAID', message: 'order paid but query says waiting' } : q;
    }
    if (r.err_code === 'ORDERCLOSED') return { status: 'closed' };
    const m = mapError(r);
    return m.status === 'failed' || m.status === 'unknown' ? m : { status: 'unknown', code: 'UNEXPECTED', message: 'unexpected unifiedorder answer' };
  }

  private async v3CreateError(r: V3Reply, outTradeNo: string): Promise<Exclude<TradeStatus, { status: 'waiting_customer' }>> {
    if (r.kind === 'error') {
      if (r.code === 'ORDERPAID' || r.code === 'ORDER_PAID') {
        const q = await this.query({ outTradeNo });
        return q.status === 'waiting_customer' ? { status: 'unknown', code: r.code, message: 'order paid but query says waiting' } : q;
      }
      if (r.code === 'ORDER_CLOSED' || r.code === 'ORDERCLOSED') return { status: 'closed' };
      if (V3_CREATE_DEFINITE_FAIL.has(r.code)) return { status: 'failed', code: r.code, message: r.message || r.code };
    }
    return v3Unknown(r);
  }

  async payWithCode(req: Parameters<Channel['payWithCode']>[0]): Promise<TradeStatus> {
    if (req.amount.currency !== 'CNY') return { status: 'failed', code: 'UNSUPPORTED_CURRENCY', message: 'WeChat Pay domestic takes CNY only' };
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
    if (this.v3) {
      const r = await this.v3.request('GET', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(req.outTradeNo)}?mchid=${encodeURIComponent(this.account.mchId)}`);
      if (r.kind === 'ok') return r.json ? mapTransaction(r.json, { mchId: this.account.mchId, outTradeNo: req.outTradeNo }) : { status: 'unknown', code: 'EMPTY_REPLY', message: 'query answered without a body' };
      if (r.kind === 'error' && r.code === 'ORDER_NOT_EXIST') return { status: 'not_found' };
      return v3Unknown(r);
    }
    const r = await this.call('/pay/orderquery', { out_trade_no: req.outTradeNo });
    if (r.return_code === 'SUCCESS' && r.result_code === 'SUCCESS') return mapTradeState(r);
    if (r.return_code === 'SUCCESS' && r.err_code === 'ORDERNOTEXIST') return { status: 'not_found' };
    return mapError(r);
  }

  async close(req: { outTradeNo: string }): Promise<TradeStatus> {
    if (this.v3) {
      const r = await this.v3.request('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(req.outTradeNo)}/close`, { mchid: this.account.mchId });
      if (r.kind === 'ok' && r.status === 204) return { status: 'closed' };
      if (r.kind === 'error') {
        if (r.code === 'ORDER_CLOSED' || r.code === 'ORDERCLOSED') return { status: 'closed' };
        if (r.code === 'ORDER_NOT_EXIST') return { status: 'not_found' };
        if (r.code === 'ORDERPAID' || r.code === 'ORDER_PAID') return this.query(req);
      }
      return r.kind === 'ok' ? { status: 'unknown', code: `HTTP_${r.status}`, message: 'close answered other than 204' } : v3Unknown(r);
    }
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
    if (this.v3) {
      const r = await this.v3.request('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: req.outTradeNo, out_refund_no: req.outRefundNo, ...(req.reason ? { reason: req.reason.slice(0, 80) } : {}),
        ...(this.account.notifyUrl ? { notify_url: this.account.notifyUrl } : {}),
        amount: { refund: req.amount.minor, total: req.total.minor, currency: 'CNY' },
      });
      if (r.kind === 'ok') return r.json ? mapRefund(r.json, req.outRefundNo) : { status: 'unknown', code: 'EMPTY_REPLY', message: 'refund answered without a body' };
      if (r.kind === 'error' && V3_REFUND_DEFINITE_FAIL.has(r.code)) return { status: 'failed', code: r.code, message: r.message || r.code };
      return v3Unknown(r);
    }
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
    if (this.v3) {
      const r = await this.v3.request('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(req.outRefundNo)}`);
      if (r.kind === 'ok') return r.json ? mapRefund(r.json, req.outRefundNo) : { status: 'unknown', code: 'EMPTY_REPLY', message: 'refund query answered without a body' };
      if (r.kind === 'error' && (r.code === 'RESOURCE_NOT_EXISTS' || r.code === 'ORDER_NOT_EXIST')) return { status: 'not_found' };
      return v3Unknown(r);
    }
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
    // WeChat never saw this refund: it may be sent again.
    if (r.return_code === 'SUCCESS' && r.err_code === 'REFUNDNOTEXIST') return { status: 'not_found' };
    return { status: 'unknown', code: r.err_code ?? r.return_code, message: r.err_code_des ?? r.return_msg ?? 'refund query failed' };
  }

  /** The day's bill: v3 tradebill (hash-checked download) with v3 credentials, else v2 downloadbill; bill_type ALL. */
  async statement(req: { date: string }): Promise<StatementLine[]> {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(req.date);
    if (!m) throw new RangeError('date must be YYYY-MM-DD');
    if (this.v3) {
      const r = await this.v3.request('GET', `/v3/bill/tradebill?bill_date=${req.date}&bill_type=ALL`);
      if (r.kind === 'error' && r.code === 'NO_STATEMENT_EXIST') return [];
      if (r.kind !== 'ok' || !r.json) throw r.kind === 'unknown' ? new ChannelUnreachable(`tradebill: ${r.message}`) : new BillError(`tradebill refused: ${r.kind === 'error' ? `${r.code} ${r.message}` : `HTTP ${r.status}`}`);
      const { download_url: url, hash_type: hashType, hash_value: hash } = r.json as { download_url?: unknown; hash_type?: unknown; hash_value?: unknown };
      if (typeof url !== 'string' || hashType !== 'SHA1' || typeof hash !== 'string') throw new BillError('tradebill answer lacks download_url or a SHA1 hash');
      const text = await this.v3.download(url);
      // A download cut short or altered on the way does not match the hash WeChat signed.
      if (createHash('sha1').update(text, 'utf8').digest('hex') !== hash.toLowerCase()) throw new BillError('bill file does not match its SHA1 (cut short or altered)');
      return parseBill(text);
    }
    const a = this.account;
    const params = signedParams({ appid: a.appId, mch_id: a.mchId, bill_date: `${m[1]}${m[2]}${m[3]}`, bill_type: 'ALL' }, a.apiKey, a.signType);
    let res: HttpReply;
    try {
      res = await post(`${a.baseUrl}/pay/downloadbill`, { 'content-type': 'text/xml; charset=utf-8' }, buildXml(params), a.timeoutMs ?? 10_000, this.trust());
    } catch (e) {
      throw new ChannelUnreachable(`wechat unreachable: ${(e as Error).message}`);
    }
    if (res.status !== 200) throw new ChannelUnreachable(`wechat answered HTTP ${res.status}`);
    if (res.text.trimStart().startsWith('<xml')) {
      let r: Params;
      try { r = parseXml(res.text); } catch { throw new BillError('downloadbill answered unreadable XML'); }
      // A day without trades has no bill: an empty statement, not an error.
      if (r.return_msg === 'No Bill Exist' || r.error_code === '20002') return [];
      throw new BillError(`downloadbill refused: ${r.return_msg ?? r.return_code ?? 'unknown'}`);
    }
    return parseBill(res.text);
  }

  private async openidFromCode(apiBase: string, code: string): Promise<string> {
    const q = new URLSearchParams({ appid: this.account.appId, secret: this.account.appSecret ?? '', code, grant_type: 'authorization_code' });
    let res: HttpReply;
    try {
      res = await post(`${apiBase}/sns/oauth2/access_token?${q}`, { accept: 'application/json' }, '', this.account.timeoutMs ?? 10_000, { method: 'GET', ...this.trust() });
    } catch (e) {
      throw new ChannelUnreachable(`wechat oauth unreachable: ${(e as Error).message}`);
    }
    let body: { openid?: unknown; errcode?: unknown; errmsg?: unknown };
    try { body = JSON.parse(res.text) as typeof body; } catch { throw new ChannelUnreachable(`wechat oauth answered HTTP ${res.status} without JSON`); }
    if (typeof body.openid === 'string' && body.openid !== '' && !body.errcode) return body.openid;
    throw new Error(`wechat oauth refused the code: ${String(body.errcode)} ${String(body.errmsg ?? '')}`.trim());
  }

  parseNotification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification {
    if (req.headers['wechatpay-signature'] !== undefined || req.headers['Wechatpay-Signature'] !== undefined) return this.parseV3Notification(req);
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

  /** v3: signature (platform key by serial, ±300 s, no SIGNTEST), then the AES-GCM resource, then the Transaction. */
  private parseV3Notification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification {
    if (!this.v3) throw new ChannelNotificationError('a v3 notification reached an account without v3 credentials', V3_AUTH_FAIL_ACK);
    if (req.body.length > 100_000) throw new ChannelNotificationError('notification too large', V3_FAIL_ACK);
    const v = verifyWechatpaySignature(req.headers, req.body, this.v3.platformKeys);
    if (!v.ok) throw new ChannelNotificationError(`notification signature: ${v.reason}`, V3_AUTH_FAIL_ACK);
    let n: { id?: unknown; event_type?: unknown; resource?: { algorithm?: unknown; ciphertext?: unknown; nonce?: unknown; associated_data?: unknown; original_type?: unknown } };
    try { n = JSON.parse(req.body) as typeof n; } catch { throw new ChannelNotificationError('notification is not JSON', V3_FAIL_ACK); }
    if (!n || typeof n !== 'object') throw new ChannelNotificationError('notification is not a JSON object', V3_FAIL_ACK);
    const r = n.resource;
    if (typeof n.id !== 'string' || typeof n.event_type !== 'string' || !r || r.algorithm !== 'AEAD_AES_256_GCM' || typeof r.ciphertext !== 'string' || typeof r.nonce !== 'string') {
      throw new ChannelNotificationError('notification lacks id, event_type or an AEAD_AES_256_GCM resource', V3_FAIL_ACK);
    }
    const isRefund = n.event_type.startsWith('REFUND.');
    if (isRefund ? r.original_type !== undefined && r.original_type !== 'refund' : !n.event_type.startsWith('TRANSACTION.') || (r.original_type !== undefined && r.original_type !== 'transaction')) {
      throw new ChannelNotificationError(`notification event ${n.event_type} (${String(r.original_type)}) is neither a transaction nor a refund result`, V3_FAIL_ACK);
    }
    let t: Record<string, unknown>;
    try {
      t = JSON.parse(aeadDecrypt(this.v3.creds.apiV3Key, r.nonce, typeof r.associated_data === 'string' ? r.associated_data : '', r.ciphertext)) as Record<string, unknown>;
    } catch {
      throw new ChannelNotificationError('notification resource does not decrypt with the APIv3 key', V3_FAIL_ACK);
    }
    if (isRefund) {
      // REFUND.SUCCESS / ABNORMAL / CLOSED: only a reason to query that refund now; the query decides.
      if (!t || typeof t !== 'object' || t.mchid !== this.account.mchId || typeof t.out_trade_no !== 'string' || t.out_trade_no === ''
        || typeof t.out_refund_no !== 'string' || t.out_refund_no === '' || typeof t.refund_status !== 'string') {
        throw new ChannelNotificationError('refund notification names another merchant, or no order, refund or status', V3_FAIL_ACK);
      }
      const rid = createHash('sha256').update(`${n.id}|${t.refund_status}`).digest('hex').slice(0, 40);
      return { kind: 'refund', notifyId: `v3-${rid}`, outTradeNo: t.out_trade_no, outRefundNo: t.out_refund_no };
    }
    if (!t || typeof t !== 'object' || t.mchid !== this.account.mchId || t.appid !== this.account.appId || typeof t.out_trade_no !== 'string' || t.out_trade_no === '') {
      throw new ChannelNotificationError('notification names another merchant or no order', V3_FAIL_ACK);
    }
    const result = mapTransaction(t, { mchId: this.account.mchId });
    const id = createHash('sha256').update(`${n.id}|${String(t.trade_state)}`).digest('hex').slice(0, 40);
    return { notifyId: `v3-${id}`, outTradeNo: t.out_trade_no, result };
  }

  notificationAck(ok: boolean): NotificationReply {
    if (this.v3) return ok ? V3_OK_ACK : V3_FAIL_ACK;
    return ok ? { status: 200, contentType: 'text/xml', body: SUCCESS_ACK } : FAIL_ACK;
  }
}

/** A v3 answer that is not one we can act on: `unknown` (query next), never success. */
function v3Unknown(r: V3Reply): { status: 'unknown'; code: string; message: string } {
  if (r.kind === 'ok') return { status: 'unknown', code: `HTTP_${r.status}`, message: 'unexpected v3 answer' };
  return { status: 'unknown', code: r.code, message: r.message || r.code };
}


function mapError(r: Reply): TradeStatus {
  if (r.return_code !== 'SUCCESS') return { status: 'unknown', code: r.return_code, message: r.return_msg ?? r.return_code };
  return { status: 'unknown', code: r.err_code ?? 'FAIL', message: r.err_code_des ?? r.err_code ?? 'unrecognised answer' };
}


/**
 * A merchant's channel account as adapter options. Credentials:
 * - v2: `appId`, `mchId`, `apiKey`, `signType` (MD5 | HMAC-SHA256), `certificate` + `certificateKey` (PEM, the
 *   merchant API certificate apiclient_cert.pem / apiclient_key.pem, for mutual TLS on reverse and refund;
 *   `serverCa` only for a gateway whose server certificate a private CA signed, e.g. the emulator over HTTPS).
 * - v3 (all five, or v3 is off): `apiV3Key`, `merchantSerialNo` (the API certificate's serial), the merchant
 *   private key `merchantPrivateKey` (defaults to `certificateKey`: it is the same apiclient_key.pem),
 *   `wechatpayPublicKey` (PEM: the WeChat Pay public key or a platform certificate) and `wechatpayPublicKeyId`
 *   (its `PUB_KEY_ID_…` or the certificate's serial).
 * - JSAPI: `appSecret` (the 公众号's AppSecret) turns on the OAuth openid exchange.
 * - With v3 on, `notifyUrl` (refunds' `notify_url`) is the gateway's notify route for the merchant,
 *   `${publicUrl}/v1/channels/wechat/notify/<merchantId>`, derived like UnionPay's backUrl (the registry passes both).
 * - `timeoutMs` bounds each call. `minReverseDelayMs` overrides WeChat's 15 s "no reverse right after
 *   micropay" rule: a test-time knob only, so suites need not wait 15 s.
 */
export function wechatAccountFrom(
  a: { merchantId?: string; baseUrl: string | null; credentials: Record<string, string> },
  config: { queryIntervalMs: number | null; payCodeGiveUpMs: number | null; publicUrl?: string },
): WechatAccount {
  const c = a.credentials;
  const timing = timingOverrides(config);
  const signType: SignType = c.signType === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'MD5';
  const minReverse = c.minReverseDelayMs !== undefined && /^\d{1,7}$/.test(c.minReverseDelayMs) ? Number(c.minReverseDelayMs) : 15_000;
  const timeoutMs = c.timeoutMs !== undefined && /^\d{3,6}$/.test(c.timeoutMs) ? Number(c.timeoutMs) : undefined;
  const merchantKey = c.merchantPrivateKey ?? c.certificateKey;
  const v3 = c.apiV3Key && merchantKey && c.merchantSerialNo && c.wechatpayPublicKey && c.wechatpayPublicKeyId
    ? { apiV3Key: c.apiV3Key, privateKey: merchantKey, serialNo: c.merchantSerialNo, platformKeys: { [c.wechatpayPublicKeyId]: c.wechatpayPublicKey } }
    : undefined;
  return {
    ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
    appId: c.appId ?? '', mchId: c.mchId ?? '', apiKey: c.apiKey ?? '', signType,
    ...(c.certificate && c.certificateKey ? { certificate: { cert: c.certificate, key: c.certificateKey } } : {}),
    ...(c.serverCa ? { serverCa: c.serverCa } : {}),
    ...(v3 ? { v3 } : {}),
    // The gateway's notify route for this merchant (as PaymentService.notifyUrl builds it): v3 refunds name it.
    ...(v3 && config.publicUrl && a.merchantId ? { notifyUrl: `${config.publicUrl}/v1/channels/wechat/notify/${a.merchantId}` } : {}),
    ...(c.appSecret ? { appSecret: c.appSecret } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    timing: { ...timing, payCodeGiveUpMs: Math.max(timing.payCodeGiveUpMs ?? 30_000, minReverse), minReverseDelayMs: minReverse },
  };
}

/** v2 `time_expire` and friends are Beijing time. */
export { beijingTime };
