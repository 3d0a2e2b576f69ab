import type { Money } from '../core/money.ts';

/**
 * What a wallet told us about a trade, reduced to what the payment core needs. Adapters map every
 * wallet result code onto one of these; a code they do not recognise maps to `unknown` (then we query,
 * then reverse), never to `succeeded`.
 */
export type TradeStatus =
  | { status: 'succeeded'; channelTradeNo: string; amount: number }
  | { status: 'waiting_customer'; channelTradeNo?: string }
  | { status: 'failed'; code: string; message: string }
  | { status: 'closed' }
  | { status: 'reversed' }
  | { status: 'not_found' }
  | { status: 'unknown'; code: string; message: string };

export type ReverseResult =
  | { status: 'reversed' }
  /** The wallet asks to call again (WeChat `recall=Y`, Alipay `retry_flag=Y`). */
  | { status: 'retry'; message: string }
  | { status: 'failed'; code: string; message: string };

export type RefundStatus =
  | { status: 'succeeded'; channelRefundNo: string }
  | { status: 'pending' }
  /** The wallet has no such refund (queryRefund): it never arrived, and may be sent again. */
  | { status: 'not_found' }
  | { status: 'failed'; code: string; message: string }
  | { status: 'unknown'; code: string; message: string };

export interface ChannelTiming {
  /** How often to query a trade that is not final. */
  queryIntervalMs: number;
  /** After this long without a final answer on a payment-code charge, reverse it. */
  payCodeGiveUpMs: number;
  /** Some wallets forbid reversing too early (WeChat: 15 s after micropay). */
  minReverseDelayMs: number;
}

/** The deployment's timing overrides (SAOMA_QUERY_INTERVAL_MS, SAOMA_PAYCODE_GIVEUP_SECONDS), only those set. */
export function timingOverrides(config: { queryIntervalMs: number | null; payCodeGiveUpMs: number | null }): Partial<ChannelTiming> {
  return {
    ...(config.queryIntervalMs !== null ? { queryIntervalMs: config.queryIntervalMs } : {}),
    ...(config.payCodeGiveUpMs !== null ? { payCodeGiveUpMs: config.payCodeGiveUpMs } : {}),
  };
}

/**
 * A verified notification: about a trade (its result is applied like a query's), or about one of its
 * refunds (only a reason to ask the wallet about that refund now: the refund query decides).
 */
export type Notification =
  | {
    kind?: 'trade';
    /** Identifies the notification itself, for idempotent ingestion. */
    notifyId: string;
    outTradeNo: string;
    result: TradeStatus;
  }
  | { kind: 'refund'; notifyId: string; outTradeNo: string; outRefundNo: string };

export interface NotificationReply {
  status: number;
  contentType: string;
  body: string;
}

/**
 * How the customer's wallet app pays a one-code-stand (聚合码) order from its in-app browser.
 * `redirect`: open the wallet's own cashier URL (Alipay qr.alipay.com, UnionPay qr.95516.com, QQ);
 * `wechat_jsapi`: call `WeixinJSBridge.invoke('getBrandWCPayRequest', params)`.
 */
export type InAppPay =
  | { kind: 'redirect'; url: string }
  | { kind: 'wechat_jsapi'; params: Record<string, string> };

/** One line of a wallet's statement (bill file) for a day, in our terms. */
export interface StatementLine {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  channelTradeNo: string;
  /** Set on refund lines. */
  outRefundNo?: string;
  /**
   * Minor units, always positive; `kind` says which way it went. What the merchant really received (or
   * gave back): Alipay's 商家实收, WeChat's 应结订单金额 / 退款金额, not the order total before discounts.
   */
  amount: number;
  /** The order total, where the bill lists it apart from `amount`. */
  orderAmount?: number;
  /** The wallet's fee on this line in minor units (negative when a refund gives fee back). */
  fee: number;
  currency: string;
  /** ISO 8601 with offset, as the wallet stamped it. */
  at: string;
}

/**
 * What the gateway knows of a trade whenever it speaks to the wallet about it. Some wallets name a trade
 * by more than our trade number (UnionPay: `orderId` + the send time `txnTime`), so every call carries
 * what the payment row holds and no adapter needs books of its own.
 */
export interface TradeRef {
  outTradeNo: string;
  /** When the payment was created: the send time of the first request for it. */
  createdAt: Date;
  /** Until when a customer-presented QR can be paid; null for payment codes. */
  expiresAt: Date | null;
  /** The wallet's trade number, once it told us. */
  channelTradeNo: string | null;
}

/** A refund as the wallet is told about it: the trade it belongs to and the refund's own send time. */
export interface RefundRef extends TradeRef {
  outRefundNo: string;
  requestedAt: Date;
}

export interface Channel {
  readonly name: string;
  readonly timing: ChannelTiming;
  /**
   * Wallets whose in-app payment needs the customer's id first (WeChat JSAPI: the openid through the
   * OAuth redirect). The stand sends the browser to `authorizeUrl`; the wallet sends it back with a code.
   */
  readonly payerAuth?: {
    authorizeUrl(req: { redirectUri: string; state: string }): string;
    payerFromCode(code: string): Promise<string>;
  };
  /**
   * An order paid inside the wallet app (JSAPI). Wallets without one are paid on the stand by
   * redirecting to their dynamic QR's URL.
   */
  createInAppPayment?(req: { outTradeNo: string; createdAt: Date; amount: Money; subject: string; expiresAt: Date; notifyUrl: string; payerId: string }): Promise<
    { status: 'waiting_customer'; pay: InAppPay } | Exclude<TradeStatus, { status: 'waiting_customer' }>
  >;
  /** The wallet's statement for one day (`YYYY-MM-DD`, the wallet's own time zone), parsed. */
  statement?(req: { date: string }): Promise<StatementLine[]>;
  createDynamicQr(req: { outTradeNo: string; createdAt: Date; amount: Money; subject: string; expiresAt: Date; notifyUrl: string }): Promise<
    { status: 'waiting_customer'; qrCode: string } | Exclude<TradeStatus, { status: 'waiting_customer' }>
  >;
  payWithCode(req: { outTradeNo: string; createdAt: Date; amount: Money; subject: string; authCode: string; notifyUrl: string }): Promise<TradeStatus>;
  query(req: TradeRef): Promise<TradeStatus>;
  /** Undo a payment-code trade whatever its state: close it if unpaid, refund it in full if paid. */
  reverse(req: TradeRef): Promise<ReverseResult>;
  /** Close an unpaid dynamic-QR trade so a late scan cannot pay it. */
  close(req: TradeRef): Promise<TradeStatus>;
  refund(req: RefundRef & { amount: Money; total: Money; reason: string | null }): Promise<RefundStatus>;
  queryRefund(req: RefundRef): Promise<RefundStatus>;
  /**
   * Check a notification's signature and parse it. Throws ChannelNotificationError with the reply the
   * wallet expects when it is forged, stale or malformed.
   */
  parseNotification(req: { headers: Record<string, string | string[] | undefined>; body: string }): Notification;
  /** The reply the wallet expects: accepted, or refused so it retries. */
  notificationAck(ok: boolean): NotificationReply;
}

export class ChannelNotificationError extends Error {
  readonly reply: NotificationReply;
  constructor(message: string, reply: NotificationReply) {
    super(message);
    this.reply = reply;
  }
}

/** Thrown by an adapter when the request never got an answer (timeout, connection refused, 5xx). */
export class ChannelUnreachable extends Error {}
