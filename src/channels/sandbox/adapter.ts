import { parseTwoDecimals, toDecimalString } from '../../core/money.ts';
import { safeEqualHex } from '../../security/secrets.ts';
import {
  ChannelNotificationError, ChannelUnreachable,
  type Channel, type ChannelTiming, type Notification, type RefundStatus, type ReverseResult, type TradeStatus,
} from '../channel.ts';
import { headerValue, post, type HttpReply } from '../http.ts';
import { SIGNATURE_HEADER, signBody, type NotifyBody, type TradeReply } from './protocol.ts';

export interface SandboxAccount {
  baseUrl: string;
  mchId: string;
  key: string;
  timeoutMs?: number;
  timing?: Partial<ChannelTiming>;
}

const FAIL_ACK = { status: 400, contentType: 'application/json', body: '{"code":"FAIL"}' };

/** Adapter for the sandbox wallet: same shape as the real wallets' adapters, so the core cannot tell. */
export class SandboxChannel implements Channel {
  readonly name = 'sandbox';
  readonly timing: ChannelTiming;
  private readonly account: SandboxAccount;

  constructor(account: SandboxAccount) {
    this.account = account;
    this.timing = { queryIntervalMs: 2000, payCodeGiveUpMs: 30_000, minReverseDelayMs: 0, ...account.timing };
  }

  private async call(op: string, fields: Record<string, string>): Promise<TradeReply> {
    const body = JSON.stringify({ mch_id: this.account.mchId, ...fields });
    let res: HttpReply;
    try {
      res = await post(`${this.account.baseUrl}/gateway/${op}`,
        { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(this.account.key, body) }, body, this.account.timeoutMs ?? 10_000);
    } catch (e) {
      throw new ChannelUnreachable(`sandbox wallet unreachable: ${(e as Error).message}`);
    }
    const text = res.text;
    if (res.status < 200 || res.status >= 300) throw new ChannelUnreachable(`sandbox wallet answered HTTP ${res.status}`);
    // An answer we cannot authenticate is no answer: treat it as unknown, never as success.
    if (!safeEqualHex(headerValue(res.headers, SIGNATURE_HEADER) ?? '', signBody(this.account.key, text))) {
      throw new ChannelUnreachable('sandbox wallet reply signature does not verify');
    }
    try {
      return JSON.parse(text) as TradeReply;
    } catch {
      throw new ChannelUnreachable('sandbox wallet reply is not JSON');
    }
  }

  /** Calls whose answer decides money: an unreachable wallet means "we do not know". */
  private async tradeCall(op: string, fields: Record<string, string>): Promise<TradeReply | { code: 'UNREACHABLE'; msg: string }> {
    try {
      return await this.call(op, fields);
    } catch (e) {
      if (e instanceof ChannelUnreachable) return { code: 'UNREACHABLE', msg: e.message };
      throw e;
    }
  }

  async createDynamicQr(req: Parameters<Channel['createDynamicQr']>[0]) {
    const r = await this.tradeCall('precreate', {
      out_trade_no: req.outTradeNo, total_amount: toDecimalString(req.amount), subject: req.subject,
      time_expire: req.expiresAt.toISOString(), notify_url: req.notifyUrl,
    });
    if (r.code === 'SUCCESS' && r.qr_code) return { status: 'waiting_customer' as const, qrCode: r.qr_code };
    const mapped = mapTrade(r);
    return mapped.status === 'waiting_customer' ? { status: 'unknown' as const, code: r.code, message: 'precreate gave no QR code' } : mapped;
  }

  async payWithCode(req: Parameters<Channel['payWithCode']>[0]): Promise<TradeStatus> {
    return mapTrade(await this.tradeCall('pay', {
      out_trade_no: req.outTradeNo, total_amount: toDecimalString(req.amount), subject: req.subject,
      auth_code: req.authCode, notify_url: req.notifyUrl,
    }));
  }

  async query(req: { outTradeNo: string }): Promise<TradeStatus> {
    return mapTrade(await this.tradeCall('query', { out_trade_no: req.outTradeNo }));
  }

  async close(req: { outTradeNo: string }): Promise<TradeStatus> {
    const r = await this.tradeCall('close', { out_trade_no: req.outTradeNo });
    if (r.code === 'TRADE_NOT_EXIST') return { status: 'closed' };
    return mapTrade(r);
  }

  async reverse(req: { outTradeNo: string }): Promise<ReverseResult> {
    const r = await this.tradeCall('reverse', { out_trade_no: req.outTradeNo });
    if (r.code === 'SUCCESS' && (r as TradeReply).trade_status === 'REVERSED') return { status: 'reversed' };
    if (r.code === 'SUCCESS' && (r as TradeReply).trade_status === 'CLOSED') return { status: 'reversed' };
    if ((r as TradeReply).recall === 'Y' || r.code === 'SYSTEM_ERROR' || r.code === 'UNREACHABLE') return { status: 'retry', message: r.msg ?? r.code };
    return { status: 'failed', code: r.code, message: r.msg ?? 'reverse refused' };
  }

  async refund(req: Parameters<Channel['refund']>[0]): Promise<RefundStatus> {
    return mapRefund(await this.tradeCall('refund', {
      out_trade_no: req.outTradeNo, out_refund_no: req.outRefundNo, refund_amount: toDecimalString(req.amount),
    }));
  }

  async queryRefund(req: { outTradeNo: string; outRefundNo: string }): Promise<RefundStatus> {
    const r = await this.tradeCall('refund_query', { out_trade_no: req.outTradeNo, out_refund_no: req.outRefundNo });
    if (r.code === 'TRADE_NOT_EXIST') return { status: 'not_found' };
    return mapRefund(r);
  }

  parseNotification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification {
    const sig = req.headers[SIGNATURE_HEADER];
    if (typeof sig !== 'string' || !safeEqualHex(sig, signBody(this.account.key, req.body))) {
      throw new ChannelNotificationError('notification signature does not verify', FAIL_ACK);
    }
    let n: NotifyBody;
    try {
      n = JSON.parse(req.body) as NotifyBody;
    } catch {
      throw new ChannelNotificationError('notification body is not JSON', FAIL_ACK);
    }
    if (typeof n.out_trade_no !== 'string' || typeof n.notify_id !== 'string' || n.mch_id !== this.account.mchId) {
      throw new ChannelNotificationError('notification is missing fields or names another merchant', FAIL_ACK);
    }
    return { notifyId: n.notify_id, outTradeNo: n.out_trade_no, result: mapTrade({ code: 'SUCCESS', ...n }) };
  }

  notificationAck(ok: boolean) {
    return ok ? { status: 200, contentType: 'application/json', body: '{"code":"SUCCESS"}' } : FAIL_ACK;
  }
}

/** An unreadable amount becomes 0, which never matches the order, so the payment stays unknown. */
const fen = (decimal: string | undefined): number => parseTwoDecimals(decimal) ?? 0;

/** Every wallet answer onto our trade states; anything unrecognised is `unknown`. */
export function mapTrade(r: TradeReply | { code: 'UNREACHABLE'; msg: string }): TradeStatus {
  switch (r.code) {
    case 'SUCCESS':
    case 'ORDER_PAID':
    case 'TRADE_CLOSED':
    case 'USER_PAYING': {
      const t = r as TradeReply;
      switch (t.trade_status) {
        case 'SUCCESS': return { status: 'succeeded', channelTradeNo: t.trade_no ?? '', amount: fen(t.total_amount) };
        case 'WAIT_BUYER_PAY':
        case 'USER_PAYING': return { status: 'waiting_customer', ...(t.trade_no ? { channelTradeNo: t.trade_no } : {}) };
        case 'CLOSED': return { status: 'closed' };
        case 'REVERSED': return { status: 'reversed' };
        case 'PAY_ERROR': return { status: 'failed', code: 'PAY_ERROR', message: t.msg ?? 'payment failed' };
        default: return { status: 'unknown', code: r.code, message: `unrecognised trade status ${String(t.trade_status)}` };
      }
    }
    case 'TRADE_NOT_EXIST': return { status: 'not_found' };
    case 'PAY_DECLINED': return { status: 'failed', code: r.code, message: r.msg ?? 'declined' };
    case 'INVALID_PARAM': return { status: 'failed', code: r.code, message: r.msg ?? 'invalid parameter' };
    default: return { status: 'unknown', code: r.code, message: r.msg ?? r.code };
  }
}

function mapRefund(r: TradeReply | { code: 'UNREACHABLE'; msg: string }): RefundStatus {
  if (r.code === 'SUCCESS') {
    const t = r as TradeReply;
    if (t.refund_status === 'SUCCESS') return { status: 'succeeded', channelRefundNo: t.refund_no ?? '' };
    return { status: 'pending' };
  }
  if (r.code === 'REFUND_EXCEEDS' || r.code === 'TRADE_CLOSED' || r.code === 'INVALID_PARAM' || r.code === 'TRADE_NOT_EXIST') {
    return { status: 'failed', code: r.code, message: r.msg ?? 'refund refused' };
  }
  return { status: 'unknown', code: r.code, message: r.msg ?? r.code };
}
