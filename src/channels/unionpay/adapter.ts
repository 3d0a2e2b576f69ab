import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { SaomaError } from '../../core/errors.ts';
import {
  ChannelNotificationError,
  type Channel, type ChannelTiming, type Notification, type RefundRef, type RefundStatus, type ReverseResult, type StatementLine, type TradeRef, type TradeStatus,
  timingOverrides,
} from '../channel.ts';
import { post, type HttpReply } from '../http.ts';
import { readBill, toStatementLine } from './bill.ts';
import { beijingTime, cancelOrderIdFor, cancelTxnTime, orderIdFor, parseBeijingTime, refundOrderIdFor } from './orders.ts';
import { certIdOf, formDecode, formEncode, parseReply, sign, trustAnchors, UNIONPAY_SIGNER, verifyReply, type Params, type TrustAnchors } from './sign.ts';

export const UNIONPAY_GATEWAY = 'https://gateway.95516.com';
export const UNIONPAY_FILE_URL = 'https://filedownload.95516.com/';

export interface UnionpayAccount {
  /** Default https://gateway.95516.com (test: https://gateway.test.95516.com); the emulator's URL in tests. */
  baseUrl?: string;
  /** File transfer (bill) endpoint; defaults to UnionPay's, or `${baseUrl}/filedownload` when baseUrl is set. */
  fileUrl?: string;
  merId: string;
  /** The merchant signing certificate and its private key (PEM), from UnionPay's `acp_sign.pfx`. */
  signCert: string;
  signKey: string;
  /** UnionPay's root and middle certificates (PEM): the chain that vouches for its response-signing cert. */
  rootCert: string;
  middleCert: string;
  /** The owner named in UnionPay's signing certificate CN (`041@Z12@<owner>@…`). */
  signer?: string;
  /** Where UnionPay posts results of refunds and cancels (trades use the notifyUrl they are given). */
  backUrl: string;
  /** After a QR's payTimeout, how long before we call it closed (clock skew between us and UnionPay). */
  qrCloseGraceMs?: number;
  timeoutMs?: number;
  timing?: Partial<ChannelTiming>;
}

type Reply =
  | { ok: true; p: Params }
  | { ok: false; code: 'UNREACHABLE' | 'BAD_SIGNATURE' | 'BAD_REPLY'; message: string };

/** "Result unknown: query it" (ACP: 03 交易通讯超时, 04 交易状态未明, 05 交易已受理). */
const IN_DOUBT = new Set(['03', '04', '05']);

/**
 * Codes after which the transaction definitely did not happen. ACP's rule is "00 success; 03/04/05
 * query; anything else failed", but a code we have never seen is treated as unknown (query, then
 * reverse), never as a failure we could let the customer walk away on. [U] list from the ACP 应答码 table.
 */
const DEFINITE_FAIL = new Set([
  '01', '02', '06', '10', '11', '13', '14', '30', '31', '32', '33', '35', '36', '37', '38', '39', '40', '41', '42', '60', '61',
  '62', '63', '64', '65', '66', '67', '68', '69', '70', '71', '72', '73', '74', '75', '77', '78', '79',
]);

const ACK_OK = { status: 200, contentType: 'text/plain', body: 'ok' };
const ACK_REFUSED = { status: 400, contentType: 'text/plain', body: 'refused' };

/**
 * One UnionPay transaction as ACP names it: `orderId` + `txnTime`, both derived from what the payment row
 * holds (see orders.ts), so every instance of the gateway names it the same way.
 */
interface Txn {
  orderId: string;
  txnTime: string;
}

/**
 * UnionPay ACP 5.1.0 二维码支付: consume by the customer's payment code (01/06), the merchant's QR
 * (01/07 → `qrCode`), query (00/00, judged by `origRespCode`), cancel (31/00), refund (04/00), the
 * backUrl notification, and the bill by file transfer (76). Every reply must verify against the
 * certificate it carries, and that certificate must chain to UnionPay's root; otherwise it is no answer.
 */
export class UnionpayChannel implements Channel {
  readonly name = 'unionpay';
  readonly timing: ChannelTiming;
  private readonly a: UnionpayAccount;
  private readonly base: string;
  private readonly fileUrl: string;
  private readonly key: KeyObject;
  private readonly certId: string;
  private readonly anchors: TrustAnchors;

  constructor(account: UnionpayAccount) {
    if (!account.merId || !account.signCert || !account.signKey || !account.rootCert || !account.middleCert) {
      throw new SaomaError('channel_unavailable', 'This merchant\'s unionpay account lacks credentials merId, signCert, signKey, rootCert and middleCert.');
    }
    this.a = account;
    this.base = (account.baseUrl ?? UNIONPAY_GATEWAY).replace(/\/$/, '');
    this.fileUrl = account.fileUrl ?? (account.baseUrl ? `${this.base}/filedownload` : UNIONPAY_FILE_URL);
    try {
      this.key = createPrivateKey(account.signKey);
      this.certId = certIdOf(account.signCert);
      const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('base64');
      // UnionPay checks our signature with the certificate registered under certId: a key from another .pfx would fail every call.
      if (spki(createPublicKey(this.key)) !== spki(new X509Certificate(account.signCert).publicKey)) throw new Error('signKey is not the key of signCert');
      this.anchors = trustAnchors(account.rootCert, account.middleCert, account.signer ?? UNIONPAY_SIGNER);
    } catch (e) {
      throw new SaomaError('channel_unavailable', `This merchant's unionpay certificates or key cannot be read: ${(e as Error).message}`);
    }
    this.timing = { queryIntervalMs: 2000, payCodeGiveUpMs: 45_000, minReverseDelayMs: 0, ...account.timing };
  }

  private common(fields: Params): Params {
    return {
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', certId: this.certId, bizType: '000000', channelType: '08', accessType: '0',
      merId: this.a.merId, ...fields,
    };
  }

  /** One signed call; replies come back only when their signature and certificate check out. */
  private async call(url: string, fields: Params): Promise<Reply> {
    const params = this.common(fields);
    params.signature = sign(params, this.key);
    let res: HttpReply;
    try {
      res = await post(url, { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, formEncode(params), this.a.timeoutMs ?? 10_000);
    } catch (e) {
      return { ok: false, code: 'UNREACHABLE', message: `unionpay unreachable: ${(e as Error).message}` };
    }
    if (res.status !== 200) return { ok: false, code: 'UNREACHABLE', message: `unionpay answered HTTP ${res.status}` };
    const p = parseReply(res.text.trim());
    if (!p.respCode) return { ok: false, code: 'BAD_REPLY', message: 'unionpay reply has no respCode' };
    if (!verifyReply(p, this.anchors)) return { ok: false, code: 'BAD_SIGNATURE', message: 'unionpay reply signature or certificate does not verify' };
    if ((p.merId !== undefined && p.merId !== this.a.merId) || (p.orderId !== undefined && fields.orderId !== undefined && p.orderId !== fields.orderId)) {
      return { ok: false, code: 'BAD_REPLY', message: 'unionpay reply names another merchant or order' };
    }
    return { ok: true, p };
  }

  private reserved(outTradeNo: string, orderId: string): Params {
    // Echoed back in replies, notifications and the bill: how a hashed orderId is read back as our trade number.
    return orderId === outTradeNo ? {} : { reqReserved: outTradeNo };
  }

  /** The trade itself (consume or merchant-QR order): first sent when the payment row was created. */
  private original(ref: { outTradeNo: string; createdAt: Date }): Txn {
    return { orderId: orderIdFor(ref.outTradeNo), txnTime: beijingTime(ref.createdAt) };
  }

  /** The trade's cancel (消费撤销): its own orderId, and a txnTime every retry and every instance derives alike. */
  private cancelOf(ref: TradeRef): Txn {
    return { orderId: cancelOrderIdFor(ref.outTradeNo), txnTime: cancelTxnTime(ref.createdAt) };
  }

  /** A refund: its own orderId, sent at the refund row's creation. */
  private refundOf(ref: RefundRef): Txn {
    return { orderId: refundOrderIdFor(ref.outRefundNo), txnTime: beijingTime(ref.requestedAt) };
  }

  /** 00/00 for one of our transactions: what UnionPay says about it now, and the amount it names (`txnAmt`). */
  private async queryOrder(t: Txn): Promise<{ state: TradeStatus; txnAmt: number | null }> {
    const r = await this.call(`${this.base}/gateway/api/queryTrans.do`, { txnType: '00', txnSubType: '00', orderId: t.orderId, txnTime: t.txnTime });
    if (!r.ok) return { state: { status: 'unknown', code: r.code, message: r.message }, txnAmt: null };
    const p = r.p;
    const txnAmt = /^\d{1,13}$/.test(p.txnAmt ?? '') ? Number(p.txnAmt) : null;
    const state = ((): TradeStatus => {
      if (p.respCode === '34') return { status: 'not_found' };
      if (p.respCode !== '00') return { status: 'unknown', code: p.respCode!, message: p.respMsg ?? 'query failed' };
      const orig = p.origRespCode ?? '';
      if (orig === '00') {
        if (txnAmt === null || !p.queryId) return { status: 'unknown', code: 'BAD_PAID_REPLY', message: 'paid reply without queryId or integer txnAmt' };
        // The queryId is what we report as channelTradeNo: the payment row keeps it, and a cancel or refund names it as origQryId.
        return { status: 'succeeded', channelTradeNo: p.queryId, amount: txnAmt };
      }
      if (IN_DOUBT.has(orig)) return { status: 'waiting_customer', ...(p.queryId ? { channelTradeNo: p.queryId } : {}) };
      if (DEFINITE_FAIL.has(orig)) return { status: 'failed', code: orig, message: p.origRespMsg ?? 'transaction failed' };
      return { status: 'unknown', code: orig || 'NO_ORIG_RESP_CODE', message: p.origRespMsg ?? `unrecognised origRespCode ${orig}` };
    })();
    return { state, txnAmt };
  }

  async payWithCode(req: Parameters<Channel['payWithCode']>[0]): Promise<TradeStatus> {
    if (req.amount.currency !== 'CNY') return { status: 'failed', code: 'UNSUPPORTED_CURRENCY', message: 'UnionPay ACP QR takes CNY only' };
    const t = this.original(req);
    const r = await this.call(`${this.base}/gateway/api/backTransReq.do`, {
      txnType: '01', txnSubType: '06', orderId: t.orderId, txnTime: t.txnTime, txnAmt: String(req.amount.minor), currencyCode: '156',
      qrNo: req.authCode, backUrl: req.notifyUrl, ...this.reserved(req.outTradeNo, t.orderId),
    });
    if (!r.ok) return { status: 'unknown', code: r.code, message: r.message };
    const code = r.p.respCode!;
    if (code === '00' || code === '12') {
      // 00 means accepted; the outcome is what a query (or the notification) says. 12: sent before.
      const q = (await this.queryOrder(t)).state;
      if (q.status === 'succeeded' || q.status === 'failed') return q;
      // 12 and nothing under our txnTime: the orderId was used for some other send. Not ours to call paid or failed.
      if (code === '12' && q.status === 'not_found') return { status: 'unknown', code, message: r.p.respMsg ?? 'duplicate orderId, not found under this txnTime' };
      return { status: 'waiting_customer', ...(r.p.queryId ? { channelTradeNo: r.p.queryId } : {}) };
    }
    if (IN_DOUBT.has(code)) return { status: 'unknown', code, message: r.p.respMsg ?? 'result unknown; query' };
    if (DEFINITE_FAIL.has(code)) return { status: 'failed', code, message: r.p.respMsg ?? 'declined' };
    return { status: 'unknown', code, message: r.p.respMsg ?? `unrecognised respCode ${code}` };
  }

  async createDynamicQr(req: Parameters<Channel['createDynamicQr']>[0]) {
    if (req.amount.currency !== 'CNY') return { status: 'failed' as const, code: 'UNSUPPORTED_CURRENCY', message: 'UnionPay ACP QR takes CNY only' };
    const t = this.original(req);
    const r = await this.call(`${this.base}/gateway/api/backTransReq.do`, {
      txnType: '01', txnSubType: '07', orderId: t.orderId, txnTime: t.txnTime, txnAmt: String(req.amount.minor), currencyCode: '156',
      backUrl: req.notifyUrl, payTimeout: beijingTime(req.expiresAt), ...this.reserved(req.outTradeNo, t.orderId),
    });
    if (!r.ok) return { status: 'unknown' as const, code: r.code, message: r.message };
    const code = r.p.respCode!;
    if (code === '00') {
      if (r.p.qrCode && /^https?:\/\//.test(r.p.qrCode)) return { status: 'waiting_customer' as const, qrCode: r.p.qrCode };
      return { status: 'unknown' as const, code: 'NO_QR_CODE', message: 'UnionPay accepted the order but sent no qrCode' };
    }
    if (DEFINITE_FAIL.has(code)) return { status: 'failed' as const, code, message: r.p.respMsg ?? 'refused' };
    return { status: 'unknown' as const, code, message: r.p.respMsg ?? `unrecognised respCode ${code}` };
  }

  /** The one-code stand sends the UnionPay app to the merchant QR's own URL. */
  async createInAppPayment(req: Parameters<NonNullable<Channel['createInAppPayment']>>[0]) {
    const r = await this.createDynamicQr(req);
    if (r.status === 'waiting_customer') return { status: 'waiting_customer' as const, pay: { kind: 'redirect' as const, url: r.qrCode } };
    return r;
  }

  /** A trade with an expiry is a merchant QR (customer-presented); one without is a payment-code consume. */
  async query(req: TradeRef): Promise<TradeStatus> {
    const q = (await this.queryOrder(this.original(req))).state;
    return req.expiresAt === null ? q : this.qrState(req.expiresAt, q);
  }

  /**
   * A merchant QR has no consume at UnionPay until someone pays it (query: 34), and no close API: it is
   * waiting until its payTimeout (plus grace for clock skew), then closed for good.
   */
  private qrState(expiresAt: Date, q: TradeStatus): TradeStatus {
    if (q.status !== 'not_found' && q.status !== 'failed') return q;
    // The payTimeout we sent, to the second.
    const deadline = (parseBeijingTime(beijingTime(expiresAt)) ?? 0) + (this.a.qrCloseGraceMs ?? 60_000);
    return Date.now() >= deadline ? { status: 'closed' } : { status: 'waiting_customer' };
  }

  async close(req: TradeRef): Promise<TradeStatus> {
    return this.query(req);
  }

  async reverse(req: TradeRef): Promise<ReverseResult> {
    const cancel = this.cancelOf(req);
    // A cancel sent before (by this or another instance, before a crash or a lost reply) answers under the same orderId + txnTime.
    const earlier = (await this.queryOrder(cancel)).state;
    if (earlier.status === 'succeeded') return { status: 'reversed' };
    if (earlier.status === 'failed') return { status: 'failed', code: earlier.code, message: `cancel refused: ${earlier.message}` };
    if (earlier.status !== 'not_found') return { status: 'retry', message: 'the cancel is still in doubt at UnionPay' };
    const { state: q, txnAmt } = await this.queryOrder(this.original(req));
    if (q.status === 'not_found' || q.status === 'failed' || q.status === 'closed' || q.status === 'reversed') return { status: 'reversed' };
    if (q.status === 'unknown') return { status: 'retry', message: `cannot tell the trade's state: ${q.message}` };
    const origQryId = q.channelTradeNo ?? req.channelTradeNo;
    if (!origQryId) return { status: 'retry', message: 'UnionPay has not given the trade a queryId yet' };
    if (txnAmt === null) return { status: 'retry', message: 'UnionPay\'s query did not name the trade\'s amount' };
    const r = await this.call(`${this.base}/gateway/api/backTransReq.do`, {
      txnType: '31', txnSubType: '00', orderId: cancel.orderId, txnTime: cancel.txnTime, txnAmt: String(txnAmt), currencyCode: '156',
      origQryId, backUrl: this.a.backUrl, reqReserved: req.outTradeNo,
    });
    if (!r.ok) return { status: 'retry', message: r.message };
    const code = r.p.respCode!;
    if (code === '00' || code === '12') {
      const done = (await this.queryOrder(cancel)).state;
      return done.status === 'succeeded' ? { status: 'reversed' } : { status: 'retry', message: 'cancel accepted, not yet confirmed' };
    }
    if (DEFINITE_FAIL.has(code)) return { status: 'failed', code, message: r.p.respMsg ?? 'cancel refused' };
    return { status: 'retry', message: r.p.respMsg ?? `cancel answered ${code}` };
  }

  async refund(req: Parameters<Channel['refund']>[0]): Promise<RefundStatus> {
    let origQryId = req.channelTradeNo;
    if (!origQryId) {
      const q = (await this.queryOrder(this.original(req))).state;
      if (q.status !== 'succeeded') return { status: 'unknown', code: 'ORIGINAL_NOT_CONFIRMED', message: `the original trade is ${q.status} at UnionPay` };
      origQryId = q.channelTradeNo;
    }
    const t = this.refundOf(req);
    const r = await this.call(`${this.base}/gateway/api/backTransReq.do`, {
      txnType: '04', txnSubType: '00', orderId: t.orderId, txnTime: t.txnTime, txnAmt: String(req.amount.minor), currencyCode: '156',
      origQryId, backUrl: this.a.backUrl, reqReserved: refundReserved(req.outTradeNo, req.outRefundNo),
    });
    if (!r.ok) return { status: 'unknown', code: r.code, message: r.message };
    const code = r.p.respCode!;
    if (code === '00' || code === '12') {
      const q = await this.queryRefund(req);
      return q.status === 'not_found' || q.status === 'unknown' ? { status: 'pending' } : q;
    }
    if (IN_DOUBT.has(code)) return { status: 'unknown', code, message: r.p.respMsg ?? 'refund result unknown' };
    if (DEFINITE_FAIL.has(code)) return { status: 'failed', code, message: r.p.respMsg ?? 'refund refused' };
    return { status: 'unknown', code, message: r.p.respMsg ?? `unrecognised respCode ${code}` };
  }

  async queryRefund(req: RefundRef): Promise<RefundStatus> {
    const q = (await this.queryOrder(this.refundOf(req))).state;
    switch (q.status) {
      case 'succeeded': return { status: 'succeeded', channelRefundNo: q.channelTradeNo };
      case 'waiting_customer': return { status: 'pending' };
      case 'not_found': return { status: 'not_found' };
      case 'failed': return { status: 'failed', code: q.code, message: q.message };
      case 'unknown': return { status: 'unknown', code: q.code, message: q.message };
      default: return { status: 'unknown', code: q.status, message: `unexpected refund state ${q.status}` };
    }
  }

  parseNotification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification {
    if (req.body.length > 100_000) throw new ChannelNotificationError('notification too large', ACK_REFUSED);
    const n = formDecode(req.body);
    if (!verifyReply(n, this.anchors)) throw new ChannelNotificationError('notification signature or certificate does not verify', ACK_REFUSED);
    if (n.merId !== this.a.merId || !n.orderId || !n.respCode) throw new ChannelNotificationError('notification names another merchant or lacks fields', ACK_REFUSED);
    if (n.txnType === '04') {
      // A refund's result: a reason to query that refund now (the query decides). Its reqReserved names it
      // (`<trade no>/<refund no>`), and its orderId must be the one that refund number gives.
      const reserved = readReserved(n.reqReserved ?? null);
      if (reserved.outTradeNo && reserved.outRefundNo && refundOrderIdFor(reserved.outRefundNo) === n.orderId) {
        return { kind: 'refund', notifyId: `${n.queryId ?? n.orderId}-${n.respCode}`, outTradeNo: reserved.outTradeNo, outRefundNo: reserved.outRefundNo };
      }
      throw new ChannelNotificationError(`refund notification ${n.orderId} is not one of ours (reqReserved ${String(n.reqReserved)}); acknowledged`, ACK_OK);
    }
    if (n.txnType !== '01') {
      // Cancel results (31): genuine, but learnt by querying; acknowledge so UnionPay stops sending.
      throw new ChannelNotificationError(`txnType ${String(n.txnType)} notification acknowledged, not a payment result`, ACK_OK);
    }
    // A payment's reqReserved is its trade number (absent when the orderId is the trade number itself).
    const outTradeNo = n.reqReserved ?? n.orderId;
    let result: TradeStatus;
    if (n.respCode === '00' && /^\d{1,13}$/.test(n.txnAmt ?? '') && n.queryId) {
      result = { status: 'succeeded', channelTradeNo: n.queryId, amount: Number(n.txnAmt) };
    } else {
      // Anything but a clean success is a reason to ask, not an answer.
      result = { status: 'unknown', code: n.respCode, message: n.respMsg ?? 'notification is not a success' };
    }
    return { notifyId: `${n.queryId ?? n.orderId}-${n.respCode}`, outTradeNo, result };
  }

  notificationAck(ok: boolean) {
    return ok ? ACK_OK : ACK_REFUSED;
  }

  /** The day's bill (ACP file transfer, txnType 76), read into our terms. */
  async statement(req: { date: string }): Promise<StatementLine[]> {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(req.date);
    if (!m) throw new SaomaError('invalid_request', 'statement date must be YYYY-MM-DD');
    const r = await this.call(this.fileUrl, { txnType: '76', txnSubType: '01', settleDate: `${m[2]}${m[3]}`, txnTime: beijingTime(new Date()), fileType: '00' });
    if (!r.ok) throw new Error(`unionpay bill: ${r.message}`);
    if (r.p.respCode !== '00' || !r.p.fileContent) throw new Error(`unionpay bill: ${r.p.respCode} ${r.p.respMsg ?? ''}`.trim());
    return readBill(r.p.fileContent).lines.map(toStatementLine);
  }
}

/**
 * A refund's reqReserved: `<outTradeNo>/<outRefundNo>` (neither may contain `/`), echoed in UnionPay's bill so a
 * refund line reads back as ours without any record on our side. Payments and cancels carry the bare trade number.
 */
function refundReserved(outTradeNo: string, outRefundNo: string): string {
  return `${outTradeNo}/${outRefundNo}`;
}

function readReserved(s: string | null): { outTradeNo: string | null; outRefundNo: string | null } {
  if (!s) return { outTradeNo: null, outRefundNo: null };
  const slash = s.indexOf('/');
  return slash < 0 ? { outTradeNo: s, outRefundNo: null } : { outTradeNo: s.slice(0, slash), outRefundNo: s.slice(slash + 1) };
}

/**
 * A merchant's channel account as adapter options. Credentials: merId, signCert + signKey (PEM, from
 * UnionPay's .pfx), rootCert + middleCert (PEM), optional signer, fileUrl. `qrCloseGraceMs` and
 * `timeoutMs` are test-time knobs (production: 60 s after payTimeout before a QR counts as closed; 10 s
 * per call).
 */
export function unionpayAccountFrom(
  a: { merchantId: string; baseUrl: string | null; credentials: Record<string, string> },
  config: { queryIntervalMs: number | null; payCodeGiveUpMs: number | null; publicUrl: string },
): UnionpayAccount {
  const c = a.credentials;
  const num = (v: string | undefined, fallback: number) => (v !== undefined && /^\d{1,7}$/.test(v) ? Number(v) : fallback);
  return {
    ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
    ...(c.fileUrl ? { fileUrl: c.fileUrl } : {}),
    merId: c.merId ?? '', signCert: c.signCert ?? '', signKey: c.signKey ?? '', rootCert: c.rootCert ?? '', middleCert: c.middleCert ?? '',
    ...(c.signer ? { signer: c.signer } : {}),
    backUrl: `${config.publicUrl}/v1/channels/unionpay/notify/${a.merchantId}`,
    qrCloseGraceMs: num(c.qrCloseGraceMs, 60_000),
    timeoutMs: num(c.timeoutMs, 10_000),
    timing: { ...timingOverrides(config), minReverseDelayMs: 0 },
  };
}
