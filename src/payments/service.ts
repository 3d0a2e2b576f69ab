import { isCustomerPresented, type Payment, type PaymentMethod, type Refund, type Sale, type SaleItem } from '../core/domain.ts';
import { checkItems } from '../core/sale-items.ts';
import { SaomaError } from '../core/errors.ts';
import { paymentEntry, refundEntry } from '../core/ledger.ts';
import { money, type Money } from '../core/money.ts';
import { canTransitionPayment, isFinalPayment, type PaymentState } from '../core/payment-state.ts';
import { checkRefundable, canTransitionRefund, isFinalRefund, type RefundState } from '../core/refund-state.ts';
import { checkTender, isSaleCovered } from '../core/sale.ts';
import type { ChannelRegistry } from '../channels/registry.ts';
import { startOfLocalDay } from '../core/time.ts';
import { detectWallet, paycodeError, type PaycodeRule } from '../core/paycode.ts';
import { ChannelNotificationError, type Channel, type InAppPay, type Notification, type NotificationReply, type RefundRef, type RefundStatus, type TradeRef, type TradeStatus } from '../channels/channel.ts';
import { isUniqueViolation, nowIso, type Store, type Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { postJournal } from '../store/ledger-repo.ts';
import type { PaymentRow, RefundRow, SaleRow } from '../store/schema.ts';
import { enqueueEvent, type EventType } from '../webhooks/outbox.ts';
import type { PaymentBus } from './bus.ts';
import { PAYMENT_CHANNEL } from './pg-relay.ts';
import { sql } from 'kysely';
import { claimKey, findKey, replay, requestHash, storeResponse, type StoredResponse } from './idempotency.ts';
import { toPayment, toRefund, toSale } from './rows.ts';

/** Where a request comes from: the merchant and, for a terminal, its store and terminal. */
export interface Origin {
  merchantId: string;
  storeId: string;
  terminalId: string;
}


export interface ServiceConfig {
  /** Base URL the wallets post notifications to. */
  publicUrl: string;
  /** Lifetime of a dynamic QR code. */
  qrTtlMs: number;
  /** Which wallet a payment code belongs to (built-in rules plus SAOMA_PAYCODE_RULES). */
  paycodeRules: readonly PaycodeRule[];
}

export interface CreatePaymentInput {
  outTradeNo: string;
  amount: number;
  currency: string;
  method: PaymentMethod;
  /** Cash: "cash"; dynamic QR: required; payment code: detected from the code when left out. */
  channel?: string | undefined;
  authCode?: string | undefined;
  saleId?: string | undefined;
  description?: string | undefined;
  /** Cash: what the customer handed over (defaults to the amount). */
  tendered?: number | undefined;
  /** in_app: the customer's id at the wallet (WeChat openid from the OAuth redirect), for wallets that need one. */
  payerId?: string | undefined;
}

export interface CreateRefundInput {
  amount: number;
  outRefundNo?: string | undefined;
  reason?: string | undefined;
}

export interface CreateSaleInput {
  amount: number;
  currency: string;
  description?: string | undefined;
  items?: SaleItem[] | undefined;
}

/** A sale as the counter shows it: with every tender and every refund of those tenders. */
export type SaleWithTenders = Sale & { payments: Payment[]; refunds: Refund[] };

class Conflict extends Error {}

/** A notification we refuse; `reply` is what the wallet expects to hear back. */
export class NotificationRejected extends Error {
  readonly reply: NotificationReply;
  constructor(message: string, reply: NotificationReply) {
    super(message);
    this.reply = reply;
  }
}

const FINAL_EVENT: Partial<Record<PaymentState, EventType>> = {
  succeeded: 'payment.succeeded', failed: 'payment.failed', closed: 'payment.closed', reversed: 'payment.reversed',
};

/**
 * Payment orchestration. Rules that keep money safe:
 * - a payment row (and its idempotency key) is committed before the channel is called;
 * - a channel is never called inside a database transaction;
 * - every state change is a guarded UPDATE … WHERE state = <what we read>; losing the race means re-read;
 * - ledger entry, webhook event and state change commit together.
 */
export class PaymentService {
  readonly store: Store;
  readonly channels: ChannelRegistry;
  private readonly bus: PaymentBus;
  private readonly config: ServiceConfig;

  constructor(store: Store, channels: ChannelRegistry, bus: PaymentBus, config: ServiceConfig) {
    this.store = store;
    this.channels = channels;
    this.bus = bus;
    this.config = config;
  }

  /** Per merchant, so a notification is checked against the account of the merchant it claims to be for. */
  notifyUrl(channel: string, merchantId: string): string {
    return `${this.config.publicUrl}/v1/channels/${channel}/notify/${merchantId}`;
  }

  /**
   * A wallet's asynchronous notification: verified by the merchant's channel account, recorded once per
   * notify id, applied like any other result (so duplicates and out-of-order ones change nothing), and
   * acknowledged in the wallet's own format only after the change committed.
   */
  async ingestNotification(channelName: string, merchantId: string, headers: Record<string, string | string[] | undefined>, body: string): Promise<NotificationReply> {
    const channel = await this.channels.get(merchantId, channelName);
    let n: Notification;
    try {
      n = channel.parseNotification({ headers, body });
    } catch (e) {
      if (e instanceof ChannelNotificationError) throw new NotificationRejected(e.message, e.reply);
      throw e;
    }
    const p = await this.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId)
      .where('out_trade_no', '=', n.outTradeNo).where('channel', '=', channelName).executeTakeFirst();
    if (!p) throw new NotificationRejected(`no ${channelName} payment ${n.outTradeNo} for merchant ${merchantId}`, channel.notificationAck(false));
    if (n.kind === 'refund') {
      // The wallet says a refund moved: ask it now rather than at the next poll. What the query says decides.
      const r = await this.store.db.selectFrom('refunds').select(['id', 'state']).where('payment_id', '=', p.id)
        .where('out_refund_no', '=', n.outRefundNo).executeTakeFirst();
      if (!r) throw new NotificationRejected(`no refund ${n.outRefundNo} on ${channelName} payment ${n.outTradeNo}`, channel.notificationAck(false));
      if (!isFinalRefund(r.state as RefundState)) await this.driveRefund(r.id);
      return channel.notificationAck(true);
    }
    // The common case (the wallet confirming what we already booked, or a duplicate) needs no write.
    if (isFinalPayment(p.state as PaymentState) && p.state === n.result.status && (n.result.status !== 'succeeded' || n.result.amount === p.amount)) {
      return channel.notificationAck(true);
    }
    await this.applyResult(p.id, n.result, 'notify', channel, async (tx) => {
      const seen = await tx.selectFrom('channel_notifications').select('notify_id').where('channel', '=', channelName).where('notify_id', '=', n.notifyId).executeTakeFirst();
      if (!seen) {
        await tx.insertInto('channel_notifications').values({ channel: channelName, notify_id: n.notifyId, payment_id: p.id, outcome: n.result.status, received_at: nowIso() }).execute();
      }
    });
    return channel.notificationAck(true);
  }

  // ---------------------------------------------------------------- sales

  async createSale(origin: Origin, input: CreateSaleInput, idemKey: string | undefined): Promise<StoredResponse> {
    const amount = money(input.amount, input.currency);
    const items = input.items ? checkItems(input.items, amount.minor) : null;
    const scope = `${origin.merchantId}:sales`;
    const hash = requestHash({ ...input, terminal: origin.terminalId });
    const id = newId('sale');
    if (idemKey) {
      const seen = await findKey(this.store, scope, idemKey);
      if (seen) return this.replayed(seen, hash, async (rid) => ({ status: 200, body: await this.getSale(origin.merchantId, rid) }));
    }
    const at = nowIso();
    try {
      return await this.store.write(async (tx) => {
        await tx.insertInto('sales').values({
          id, merchant_id: origin.merchantId, store_id: origin.storeId, terminal_id: origin.terminalId, amount: amount.minor,
          currency: amount.currency, state: 'open', paid: 0, change: 0, description: input.description ?? null, created_at: at, updated_at: at,
          items: items ? JSON.stringify(items) : null,
        }).execute();
        const sale = toSale((await tx.selectFrom('sales').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
        const response = { status: 201, body: { ...sale, payments: [], refunds: [] } };
        if (idemKey) {
          await claimKey(tx, scope, idemKey, hash, id, at);
          await storeResponse(tx, scope, idemKey, response);
        }
        return response;
      });
    } catch (e) {
      if (idemKey && isUniqueViolation(e)) {
        const seen = await findKey(this.store, scope, idemKey);
        if (seen) return this.replayed(seen, hash, async (rid) => ({ status: 200, body: await this.getSale(origin.merchantId, rid) }));
      }
      throw e;
    }
  }

  async getSale(merchantId: string, id: string): Promise<SaleWithTenders> {
    const row = await this.store.db.selectFrom('sales').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!row) throw new SaomaError('not_found', `No sale ${id} for this merchant.`);
    return (await this.withTenders([row]))[0]!;
  }

  /**
   * Sales newest first, each with its tenders and their refunds: what a counter's history, reprint and
   * refund screen lists. `before` is the `next` of the previous page (a sale id), or a time.
   */
  async listSales(merchantId: string, opts: { limit: number; terminalId?: string | undefined; before?: string | undefined }): Promise<{ data: SaleWithTenders[]; next?: string }> {
    let q = this.store.db.selectFrom('sales').selectAll().where('merchant_id', '=', merchantId);
    if (opts.terminalId) q = q.where('terminal_id', '=', opts.terminalId);
    if (opts.before) {
      const cursor = opts.before.startsWith('sale_')
        ? await this.store.db.selectFrom('sales').select(['id', 'created_at']).where('id', '=', opts.before).where('merchant_id', '=', merchantId).executeTakeFirst()
        : null;
      if (cursor) {
        // Keyset on (created_at, id): sales from the same millisecond are neither skipped nor repeated.
        q = q.where((eb) => eb.or([eb('created_at', '<', cursor.created_at), eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', cursor.id)])]));
      } else if (/^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$/.test(opts.before)) {
        q = q.where('created_at', '<', opts.before);
      } else {
        throw new SaomaError('invalid_request', `before must be the next value of the previous page (a sale id) or an ISO time such as 2026-01-31T16:00:00.000Z; got ${opts.before}.`);
      }
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    const data = await this.withTenders(rows);
    return rows.length === opts.limit ? { data, next: rows[rows.length - 1]!.id } : { data };
  }

  private async withTenders(rows: SaleRow[]): Promise<SaleWithTenders[]> {
    if (rows.length === 0) return [];
    const db = this.store.db;
    const payments = await db.selectFrom('payments').selectAll().where('sale_id', 'in', rows.map((r) => r.id)).orderBy('created_at').orderBy('id').execute();
    const refunds = payments.length
      ? await db.selectFrom('refunds').selectAll().where('payment_id', 'in', payments.map((p) => p.id)).orderBy('created_at').orderBy('id').execute()
      : [];
    return rows.map((r) => {
      const mine = payments.filter((p) => p.sale_id === r.id);
      const ids = new Set(mine.map((p) => p.id));
      return { ...toSale(r), payments: mine.map(toPayment), refunds: refunds.filter((x) => ids.has(x.payment_id)).map(toRefund) };
    });
  }

  // ---------------------------------------------------------------- payments

  async createPayment(origin: Origin, request: CreatePaymentInput, idemKey: string | undefined): Promise<StoredResponse> {
    const input = this.routePayment(request);
    const amount = money(input.amount, input.currency);
    if (input.tendered !== undefined && input.method !== 'cash') throw new SaomaError('invalid_request', 'tendered is for cash only; leave it out for wallet payments.');
    const tendered = input.method === 'cash' ? money(input.tendered ?? input.amount, input.currency) : null;
    if (tendered && tendered.minor < amount.minor) throw new SaomaError('invalid_amount', 'Cash tendered must be at least the amount.');
    const resolved = input.method === 'cash' ? null : await this.channels.resolve(origin.merchantId, input.channel);
    const channel = resolved?.channel ?? null;
    if (resolved) await this.channels.checkOffered(origin.storeId, input.channel);
    if (input.method === 'in_app' && channel?.payerAuth && !input.payerId) {
      throw new SaomaError('invalid_request', `An in-app ${input.channel} payment needs the payer's id from the wallet's sign-in redirect.`);
    }
    if (resolved?.account.limitPerTransaction && amount.minor > resolved.account.limitPerTransaction) {
      throw new SaomaError('channel_limit_exceeded', `${input.channel} takes at most ${resolved.account.limitPerTransaction} per payment for this merchant; split the sale or use another method.`, { limit: resolved.account.limitPerTransaction });
    }

    const scope = `${origin.merchantId}:payments`;
    const key = idemKey ?? `trade:${input.outTradeNo}`;
    const hash = requestHash({ ...input, terminal: origin.terminalId });
    // No look-up first: the key's unique constraint in the first write catches a retry, which then
    // reads the stored answer. New payments, the common case, save a query.
    const id = newId('pay');
    const at = nowIso();
    const expiresAt = isCustomerPresented(input.method) ? new Date(Date.now() + this.config.qrTtlMs) : null;
    let row: PaymentRow;
    try {
      row = await this.store.write(async (tx) => {
        await claimKey(tx, scope, key, hash, id, at);
        if (resolved?.account.limitPerDay) await this.checkDailyLimit(tx, origin.merchantId, input.channel, amount.minor, resolved.account.limitPerDay);
        let applied = amount.minor;
        let change = 0;
        if (input.saleId) {
          const sale = await this.lockSale(tx, origin.merchantId, input.saleId);
          if (sale.currency !== amount.currency) throw new SaomaError('currency_mismatch', `The sale is in ${sale.currency}, the payment in ${amount.currency}.`);
          const committed = await this.committedToSale(tx, sale.id);
          // The line pays `amount` toward the sale (cash may exceed what is due: the rest is change);
          // the customer handed over `tendered`, and everything above what is applied goes back.
          const t = checkTender({ due: sale.amount, committed, amount: amount.minor, method: input.method, saleOpen: sale.state === 'open' });
          applied = t.applied;
          change = tendered ? tendered.minor - applied : 0;
        } else if (tendered) {
          change = tendered.minor - amount.minor;
        }
        const r: PaymentRow = {
          id, merchant_id: origin.merchantId, store_id: origin.storeId, terminal_id: origin.terminalId, sale_id: input.saleId ?? null,
          out_trade_no: input.outTradeNo, channel: input.channel, method: input.method, amount: input.method === 'cash' ? applied : amount.minor,
          currency: amount.currency, state: 'created', channel_trade_no: null, auth_code: input.authCode ? maskCode(input.authCode) : null,
          qr_code: null, expires_at: expiresAt?.toISOString() ?? null, refunded: 0, tendered: tendered?.minor ?? null,
          change: tendered ? change : null, failure_code: null, failure_message: null, description: input.description ?? null,
          attempts: 0, next_poll_at: new Date(Date.now() + 15_000).toISOString(), lease_until: null, reverse_after: null,
          created_at: at, updated_at: at, final_at: null,
        };
        await tx.insertInto('payments').values(r).execute();
        await this.event(tx, id, 'none', 'created', 'api', null, at);
        if (input.method === 'cash') {
          // Cash is in the drawer the moment the cashier confirms it: final in the same transaction.
          const done = await this.transition(tx, r, 'succeeded', { channel_trade_no: null }, 'cash');
          await storeResponse(tx, scope, key, { status: 201, body: toPayment(done) });
          return done;
        }
        return r;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        const again = await findKey(this.store, scope, key);
        if (again) return this.replayed(again, hash, (rid) => this.snapshotResponse(origin.merchantId, rid));
        throw new SaomaError('duplicate_trade_no', `Trade number ${input.outTradeNo} was already used for another payment; send a new trade number.`);
      }
      throw e;
    }
    if (!channel) {
      this.bus.publish(toPayment(row));
      return { status: 201, body: toPayment(row) };
    }

    const subject = input.description ?? 'Saoma';
    const notifyUrl = this.notifyUrl(channel.name, origin.merchantId);
    const result = input.method === 'in_app'
      ? await safeCall(() => inAppOrder(channel, { outTradeNo: input.outTradeNo, createdAt: new Date(at), amount, subject, expiresAt: expiresAt!, notifyUrl, payerId: input.payerId ?? '' }))
      : input.method === 'dynamic_qr'
      ? await safeCall(() => channel.createDynamicQr({ outTradeNo: input.outTradeNo, createdAt: new Date(at), amount, subject, expiresAt: expiresAt!, notifyUrl: this.notifyUrl(channel.name, origin.merchantId) }))
      : await safeCall(() => channel.payWithCode({ outTradeNo: input.outTradeNo, createdAt: new Date(at), amount, subject, authCode: input.authCode!, notifyUrl: this.notifyUrl(channel.name, origin.merchantId) }));

    const after = await this.applyResult(row.id, result, 'channel', channel, async (tx, p) => {
      await storeResponse(tx, scope, key, { status: 201, body: toPayment(p) });
    }, row);
    return { status: 201, body: toPayment(after) };
  }

  /**
   * The channel a payment goes to. A scanned payment code names its wallet by its digits: a code that
   * fits no wallet is refused with the reason, and one that belongs to another wallet than the one asked
   * for is refused rather than sent where it cannot be charged.
   */
  private routePayment(input: CreatePaymentInput): CreatePaymentInput & { channel: string } {
    if (input.method === 'cash') {
      if (input.channel && input.channel !== 'cash') throw new SaomaError('invalid_request', 'Cash payments use channel "cash".');
      return { ...input, channel: 'cash' };
    }
    if (input.channel === 'cash') throw new SaomaError('invalid_request', 'Channel "cash" takes method "cash".');
    if (isCustomerPresented(input.method)) {
      if (!input.channel) throw new SaomaError('invalid_request', `A ${input.method} payment needs channel: the wallet the customer pays with.`);
      return { ...input, channel: input.channel };
    }
    if (!input.authCode) throw new SaomaError('invalid_request', 'A payment_code payment needs authCode: the digits scanned from the customer\'s wallet.');
    const found = detectWallet(input.authCode, this.config.paycodeRules);
    if (!found.ok) throw paycodeError(found);
    if (input.channel && input.channel !== found.wallet) {
      throw new SaomaError('invalid_payment_code', `This is a ${found.wallet} payment code, but the payment asked for ${input.channel}; take it with ${found.wallet} or leave channel out.`, { wallet: found.wallet });
    }
    return { ...input, channel: found.wallet, authCode: found.code };
  }

  async getPayment(merchantId: string, id: string): Promise<Payment> {
    const row = await this.store.db.selectFrom('payments').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!row) throw new SaomaError('not_found', `No payment ${id} for this merchant.`);
    return toPayment(row);
  }

  async findPayment(id: string): Promise<Payment | null> {
    const row = await this.store.db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPayment(row) : null;
  }

  async listPayments(merchantId: string, opts: { limit: number; state?: string | undefined; before?: string | undefined }): Promise<Payment[]> {
    let q = this.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId);
    if (opts.state) q = q.where('state', '=', opts.state);
    if (opts.before) q = q.where('created_at', '<', opts.before);
    const rows = await q.orderBy('created_at', 'desc').limit(opts.limit).execute();
    return rows.map(toPayment);
  }

  async events(merchantId: string, id: string) {
    await this.getPayment(merchantId, id);
    return this.store.db.selectFrom('payment_events').select(['from_state', 'to_state', 'source', 'detail', 'at'])
      .where('payment_id', '=', id).orderBy('id').execute();
  }

  private async snapshotResponse(merchantId: string, id: string): Promise<StoredResponse> {
    return { status: 200, body: await this.getPayment(merchantId, id) };
  }

  private async replayed(row: Parameters<typeof replay>[0], hash: string, resume: (id: string) => Promise<StoredResponse>): Promise<StoredResponse> {
    const r = replay(row, hash);
    return r.kind === 'stored' ? r.response : resume(r.resourceId);
  }

  /** Ask the channel now (the cashier's "query now"), and apply what it says. */
  async queryNow(merchantId: string, id: string): Promise<Payment> {
    const p = await this.getPayment(merchantId, id);
    if (isFinalPayment(p.state) || p.channel === 'cash') return p;
    await this.drive(id, 'query');
    return this.getPayment(merchantId, id);
  }

  /**
   * Cancel: an unpaid dynamic QR is closed at the wallet; a payment-code charge is reversed (which also
   * undoes it if the customer did pay); a succeeded payment-code charge with no refunds is reversed.
   */
  async cancel(merchantId: string, id: string, opts: { mayUndoPaid: boolean }): Promise<Payment> {
    const p = await this.getPayment(merchantId, id);
    if (p.state === 'closed' || p.state === 'reversed' || p.state === 'failed') return p;
    if (p.state === 'succeeded') {
      // Undoing money already taken is a refund in effect: it needs the same authority.
      if (!opts.mayUndoPaid) throw new SaomaError('forbidden', 'This payment is already paid; undoing it needs a supervisor or manager (or refund it).');
      if (p.refunded > 0) throw new SaomaError('invalid_transition', 'This payment has refunds; refund the rest instead of cancelling it.');
    }
    if (p.channel === 'cash') {
      if (p.state !== 'succeeded') return p;
      await this.applyResult(id, { status: 'reversed' }, 'cancel', null);
      return this.getPayment(merchantId, id);
    }
    if (p.state === 'succeeded' && isCustomerPresented(p.method)) {
      throw new SaomaError('invalid_transition', 'A paid QR payment cannot be cancelled; refund it instead.');
    }
    const channel = await this.channels.get(merchantId, p.channel);
    if (isCustomerPresented(p.method)) {
      const r = await safeCall(async () => channel.close(tradeRef(await this.load(id))));
      await this.applyResult(id, r.status === 'closed' || r.status === 'not_found' ? { status: 'closed' } : r, 'cancel', channel);
    } else {
      await this.reverse(id, channel, 'cancel');
    }
    return this.getPayment(merchantId, id);
  }

  private async reverse(id: string, channel: Channel, source: string): Promise<void> {
    const row = await this.load(id);
    const r = await safeCall(() => channel.reverse(tradeRef(row)));
    if (r.status === 'reversed') {
      await this.applyResult(id, { status: 'reversed' }, source, channel);
      return;
    }
    const at = nowIso();
    if (r.status === 'failed' && row.state === 'succeeded') {
      // The wallet refuses to undo a charge it completed (e.g. past its reversal window): the payment
      // stays paid; a refund is the way to give the money back.
      await this.store.write(async (tx) => {
        await tx.updateTable('payments').set({ reverse_after: null, next_poll_at: null, lease_until: null, failure_message: r.message, updated_at: at })
          .where('id', '=', id).where('state', '=', 'succeeded').execute();
        await this.event(tx, id, 'succeeded', 'succeeded', source, `reverse refused: ${r.code}: ${r.message}`, at);
      });
      return;
    }
    // A refusal for a trade still in doubt means the wallet knows something we do not (it closed, or it
    // completed past the reversal window): back off and query it again; what it says then decides.
    // Otherwise (call again, or no answer) keep reversing; a succeeded charge being cancelled stays in
    // this loop too, since the wallet may have reversed it with the answer lost.
    const refused = r.status === 'failed';
    await this.store.write((tx) => tx.updateTable('payments')
      .set({ next_poll_at: new Date(Date.now() + (refused ? 30_000 : 1000)).toISOString(), lease_until: null, reverse_after: refused ? null : at, failure_message: r.message, updated_at: at })
      .where('id', '=', id).where('state', 'not in', ['failed', 'closed', 'reversed']).execute());
  }

  // ---------------------------------------------------------------- state changes

  /**
   * Apply what the channel said to a payment. Idempotent and safe out of order: a result that would be
   * an illegal move (a late "waiting" after success, a second success) changes nothing.
   */
  async applyResult(
    id: string,
    result: TradeStatus,
    source: string,
    channel: Channel | null,
    also?: (tx: Tx, p: PaymentRow) => Promise<void>,
    /**
     * The row as the caller last wrote it, in the state `created` (the payment it just inserted): the
     * first attempt skips re-reading it, and the guarded update still catches anyone who moved it since.
     */
    created?: PaymentRow,
  ): Promise<PaymentRow> {
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await this.store.write(async (tx) => {
          const p = attempt === 0 && created?.state === 'created'
            ? created
            : await tx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          const next = this.target(p, result, channel);
          const updated = next ? await this.transition(tx, p, next.state, next.patch, source, next.detail) : p;
          if (also) await also(tx, updated);
          return updated;
        });
        this.bus.publish(toPayment(row));
        return row;
      } catch (e) {
        if (e instanceof Conflict && attempt < 5) continue;
        throw e;
      }
    }
  }

  private target(p: PaymentRow, r: TradeStatus, channel: Channel | null): { state: PaymentState; patch: Partial<PaymentRow>; detail?: string } | null {
    const now = Date.now();
    const poll = (ms: number) => new Date(now + ms).toISOString();
    const interval = channel?.timing.queryIntervalMs ?? 2000;
    switch (r.status) {
      case 'succeeded':
        // We already asked the wallet to reverse this trade and have no answer yet: a success report may
        // predate the reversal (a retried notification, a late reply). Only the reversal's answer decides.
        if (p.reverse_after) return null;
        if (r.amount !== p.amount) {
          // Never book money we did not ask for: hold as unknown and let a person look.
          return { state: 'unknown', patch: { failure_code: 'AMOUNT_MISMATCH', failure_message: `channel reports ${r.amount}, expected ${p.amount}`, next_poll_at: poll(interval) }, detail: 'amount mismatch' };
        }
        return { state: 'succeeded', patch: { channel_trade_no: r.channelTradeNo || p.channel_trade_no } };
      case 'waiting_customer':
        return { state: 'waiting_customer', patch: { channel_trade_no: r.channelTradeNo ?? p.channel_trade_no, next_poll_at: poll(interval), ...waitingPatch(r) } };
      case 'failed':
        return { state: 'failed', patch: { failure_code: r.code, failure_message: r.message } };
      case 'closed':
        return { state: 'closed', patch: {} };
      case 'reversed':
        return { state: 'reversed', patch: {} };
      case 'not_found':
      case 'unknown': {
        // Keep the payment's current non-final state if it has one besides created; the poller decides.
        const patch = { next_poll_at: poll(interval), ...(r.status === 'unknown' ? { failure_code: r.code, failure_message: r.message } : {}) };
        if (p.state === 'created' || p.state === 'pending') return { state: 'unknown', patch };
        return null;
      }
    }
  }

  /** The one place a payment changes state. */
  private async transition(tx: Tx, p: PaymentRow, to: PaymentState, patch: Partial<PaymentRow>, source: string, detail?: string): Promise<PaymentRow> {
    if (p.state === to) {
      if (Object.keys(patch).length > 0 && !isFinalPayment(to)) {
        await tx.updateTable('payments').set({ ...patch, updated_at: nowIso() }).where('id', '=', p.id).where('state', '=', p.state).execute();
        return { ...p, ...patch };
      }
      return p;
    }
    if (!canTransitionPayment(p.state as PaymentState, to)) {
      await this.event(tx, p.id, p.state, p.state, source, `ignored ${to}${detail ? `: ${detail}` : ''}`, nowIso());
      return p;
    }
    const at = nowIso();
    const final = isFinalPayment(to);
    const set: Partial<PaymentRow> = { ...patch, state: to, updated_at: at, ...(final ? { final_at: at, next_poll_at: null, lease_until: null } : {}) };
    const res = await tx.updateTable('payments').set(set).where('id', '=', p.id).where('state', '=', p.state).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new Conflict(`payment ${p.id} moved on`);
    const next: PaymentRow = { ...p, ...set } as PaymentRow;
    await this.event(tx, p.id, p.state, to, source, detail ?? null, at, { terminalId: p.terminal_id });
    const terminal = { id: p.id, merchantId: p.merchant_id, terminalId: p.terminal_id, channel: p.channel, amount: p.amount, currency: p.currency as Money['currency'] };
    if (to === 'succeeded') {
      await postJournal(tx, paymentEntry(terminal), at);
      if (p.sale_id) await this.addToSale(tx, p.sale_id, p.amount, p.change ?? 0, at);
    }
    if (to === 'reversed' && p.state === 'succeeded') {
      await postJournal(tx, refundEntry('reversal', { ...terminal, amount: p.amount - p.refunded }), at);
      if (p.sale_id) await this.addToSale(tx, p.sale_id, -p.amount, -(p.change ?? 0), at);
    }
    const type = FINAL_EVENT[to];
    if (type) await enqueueEvent(tx, p.merchant_id, type, toPayment(next), at);
    return next;
  }

  /** History row; a state change on PostgreSQL also tells other instances (delivered on commit), in the same round trip. */
  private async event(tx: Tx, paymentId: string, from: string, to: string, source: string, detail: string | null, at: string, notify?: { terminalId: string | null }): Promise<void> {
    const insert = tx.insertInto('payment_events').values({ payment_id: paymentId, from_state: from, to_state: to, source, detail, at });
    if (notify && this.store.flavor === 'pg') {
      await insert.returning(sql<string>`pg_notify(${PAYMENT_CHANNEL}, ${`${paymentId} ${notify.terminalId ?? ''}`})`.as('notified')).execute();
    } else {
      await insert.execute();
    }
  }

  /**
   * Inside the payment's own transaction, so two payments at once cannot both slip under the limit:
   * today's (the merchant's local day) total on this wallet stays within it.
   */
  private async checkDailyLimit(tx: Tx, merchantId: string, channel: string, amount: number, limitPerDay: number): Promise<void> {
    let lock = tx.selectFrom('channel_accounts').select('merchant_id').where('merchant_id', '=', merchantId).where('channel', '=', channel);
    if (this.store.flavor === 'pg') lock = lock.forUpdate();
    await lock.execute();
    const merchant = await tx.selectFrom('merchants').select('timezone').where('id', '=', merchantId).executeTakeFirstOrThrow();
    const since = startOfLocalDay(new Date(), merchant.timezone).toISOString();
    const today = await tx.selectFrom('payments').select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('merchant_id', '=', merchantId).where('channel', '=', channel).where('created_at', '>=', since)
      .where('state', 'not in', ['failed', 'closed', 'reversed']).executeTakeFirst();
    const used = Number(today?.total ?? 0);
    if (used + amount > limitPerDay) {
      throw new SaomaError('channel_limit_exceeded', `${channel} takes at most ${limitPerDay} a day for this merchant and ${used} is already taken today; use another method.`, { limit: limitPerDay, used });
    }
  }

  /**
   * Void an open sale the customer walked away from. Only a sale with nothing paid and nothing in
   * flight: a paid tender is refunded instead, a wallet line still moving is cancelled at the wallet
   * first. Saying it twice changes nothing.
   */
  async cancelSale(merchantId: string, saleId: string, terminalId: string | null): Promise<SaleWithTenders> {
    await this.store.write(async (tx) => {
      const sale = await this.lockSale(tx, merchantId, saleId);
      if (terminalId && sale.terminal_id !== terminalId) throw new SaomaError('not_found', `No sale ${saleId} on this terminal.`);
      if (sale.state === 'cancelled') return;
      if (sale.state === 'completed') throw new SaomaError('sale_closed', 'This sale is paid in full; refund its tenders instead of cancelling it.');
      const tenders = await tx.selectFrom('payments').select(['id', 'state']).where('sale_id', '=', saleId).execute();
      if (tenders.some((t) => t.state === 'succeeded')) throw new SaomaError('sale_closed', 'Part of this sale is paid; refund the paid tenders, then cancel it.');
      const moving = tenders.filter((t) => !isFinalPayment(t.state as PaymentState));
      if (moving.length) throw new SaomaError('invalid_transition', `A wallet line is still in progress (${moving.map((t) => t.id).join(', ')}); cancel it first, then cancel the sale.`);
      const at = nowIso();
      await tx.updateTable('sales').set({ state: 'cancelled', updated_at: at }).where('id', '=', saleId).execute();
      await enqueueEvent(tx, merchantId, 'sale.cancelled', toSale({ ...sale, state: 'cancelled', updated_at: at }), at);
    });
    return this.getSale(merchantId, saleId);
  }

  private async lockSale(tx: Tx, merchantId: string, saleId: string) {
    let q = tx.selectFrom('sales').selectAll().where('id', '=', saleId).where('merchant_id', '=', merchantId);
    if (this.store.flavor === 'pg') q = q.forUpdate();
    const sale = await q.executeTakeFirst();
    if (!sale) throw new SaomaError('not_found', `No sale ${saleId} for this merchant.`);
    return sale;
  }

  /** What succeeded and in-flight tenders already cover. */
  private async committedToSale(tx: Tx, saleId: string): Promise<number> {
    const r = await tx.selectFrom('payments').select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('sale_id', '=', saleId).where('state', 'not in', ['failed', 'closed', 'reversed']).executeTakeFirst();
    return Number(r?.total ?? 0);
  }

  private async addToSale(tx: Tx, saleId: string, amount: number, change: number, at: string): Promise<void> {
    // Increment in place: two tenders of one sale settling at once must both count (no read-modify-write).
    const sale = await tx.updateTable('sales').set((eb) => ({ paid: eb('paid', '+', amount), change: eb('change', '+', change), updated_at: at }))
      .where('id', '=', saleId).returningAll().executeTakeFirstOrThrow();
    const state = isSaleCovered(sale.amount, sale.paid) ? 'completed' : 'open';
    if (state === sale.state) return;
    await tx.updateTable('sales').set({ state }).where('id', '=', saleId).execute();
    if (state === 'completed') await enqueueEvent(tx, sale.merchant_id, 'sale.completed', toSale({ ...sale, state }), at);
  }

  private async load(id: string): Promise<PaymentRow> {
    return this.store.db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  // ---------------------------------------------------------------- background: query, expire, reverse

  /**
   * One step for a non-final payment: query the channel; close an expired QR; reverse a payment-code
   * charge whose result is still not final after the channel's limit. Called by the poller and by
   * "query now".
   */
  async drive(id: string, _why: 'poll' | 'query'): Promise<void> {
    const p = await this.load(id);
    // A succeeded charge stays in play while its cancel (reversal) is unanswered.
    if ((isFinalPayment(p.state as PaymentState) && !(p.state === 'succeeded' && p.reverse_after)) || p.channel === 'cash') return;
    const channel = await this.channels.get(p.merchant_id, p.channel);
    const now = Date.now();
    const age = now - Date.parse(p.created_at);
    await this.store.write((tx) => tx.updateTable('payments').set({ attempts: p.attempts + 1 }).where('id', '=', id).execute());

    if (p.reverse_after) return this.reverse(id, channel, 'poller');

    if (isCustomerPresented(p.method) && p.expires_at && Date.parse(p.expires_at) <= now) {
      // Expired: close at the wallet too. If the customer paid at the last second, the close says so.
      const closed = await safeCall(() => channel.close(tradeRef(p)));
      if (closed.status === 'closed' || closed.status === 'not_found' || closed.status === 'reversed') {
        await this.applyResult(id, { status: 'closed' }, 'expiry', channel);
        return;
      }
      const q = await safeCall(() => channel.query(tradeRef(p)));
      await this.applyResult(id, q, 'expiry', channel);
      // Still not final (the close went unanswered): try again soon, not when the claim's lease runs out.
      await this.reschedule(id, channel.timing.queryIntervalMs);
      return;
    }

    const q = await safeCall(() => channel.query(tradeRef(p)));
    if (q.status !== 'waiting_customer' && q.status !== 'unknown' && q.status !== 'not_found') {
      await this.applyResult(id, q, 'poller', channel);
      return;
    }
    if (q.status === 'not_found' && isCustomerPresented(p.method) && (p.state === 'created' || age > 60_000)) {
      // The precreate never reached the wallet (we crashed or it failed): nothing to pay, close ours.
      await this.applyResult(id, { status: 'closed' }, 'poller', channel);
      return;
    }
    const giveUp = p.method === 'payment_code' && (age >= channel.timing.payCodeGiveUpMs || (p.state === 'created' && q.status === 'not_found'));
    if (giveUp) {
      const wait = Date.parse(p.created_at) + channel.timing.minReverseDelayMs - now;
      if (wait > 0) {
        await this.reschedule(id, wait);
        return;
      }
      await this.reverse(id, channel, 'poller');
      return;
    }
    await this.applyResult(id, q, 'poller', channel);
    await this.reschedule(id, channel.timing.queryIntervalMs);
  }

  private async reschedule(id: string, ms: number): Promise<void> {
    await this.store.write((tx) => tx.updateTable('payments').set({ next_poll_at: new Date(Date.now() + ms).toISOString(), lease_until: null })
      .where('id', '=', id).where('state', 'not in', ['succeeded', 'failed', 'closed', 'reversed']).execute());
  }

  /** Claim due non-final payments; on PostgreSQL several instances share the work without overlap. */
  async claimDue(limit: number, leaseMs = 15_000): Promise<string[]> {
    const now = nowIso();
    const lease = new Date(Date.now() + leaseMs).toISOString();
    const db = this.store.db;
    if (this.store.flavor === 'pg') {
      return this.store.write(async (tx) => {
        const rows = await tx.selectFrom('payments').select('id')
          .where('next_poll_at', '<=', now).where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('next_poll_at').limit(limit).forUpdate().skipLocked().execute();
        const ids = rows.map((r) => r.id);
        if (ids.length) await tx.updateTable('payments').set({ lease_until: lease }).where('id', 'in', ids).execute();
        return ids;
      });
    }
    const rows = await db.selectFrom('payments').select('id').where('next_poll_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_poll_at').limit(limit).execute();
    const ids = rows.map((r) => r.id);
    if (ids.length) await this.store.write((tx) => tx.updateTable('payments').set({ lease_until: lease }).where('id', 'in', ids).execute());
    return ids;
  }

  /** After a restart on the single-process store nothing else can be working on a payment: resume all now. */
  async resumeAll(): Promise<number> {
    const r = await this.store.write((tx) => tx.updateTable('payments').set({ next_poll_at: nowIso(), lease_until: null })
      .where('state', 'not in', ['succeeded', 'failed', 'closed', 'reversed']).executeTakeFirst());
    await this.store.write((tx) => tx.updateTable('refunds').set({ next_poll_at: nowIso() }).where('state', 'in', ['pending', 'unknown']).executeTakeFirst());
    return Number(r.numUpdatedRows);
  }

  // ---------------------------------------------------------------- refunds

  /** `operatorId`: the operator whose session asks (recorded on the refund; the supervisor who approved it). */
  async createRefund(merchantId: string, paymentId: string, input: CreateRefundInput, idemKey: string | undefined, operatorId?: string): Promise<StoredResponse> {
    const p = await this.getPayment(merchantId, paymentId);
    const by = operatorId ? await this.store.db.selectFrom('operators').select(['id', 'name']).where('id', '=', operatorId).executeTakeFirst() : undefined;
    const amount = money(input.amount, p.currency);
    // The refund number goes to the wallet, so it must fit the wallets' format; a key that does not is
    // still the idempotency key, just not the refund number.
    const outRefundNo = input.outRefundNo ?? (idemKey && /^[A-Za-z0-9_-]{1,64}$/.test(idemKey) ? idemKey : newId('rfd'));
    const scope = `${merchantId}:refunds`;
    const key = idemKey ?? `refund:${outRefundNo}`;
    const hash = requestHash({ ...input, paymentId });
    const seen = await findKey(this.store, scope, key);
    if (seen) return this.replayed(seen, hash, async (rid) => ({ status: 200, body: await this.getRefund(merchantId, rid) }));
    const id = newId('rfd');
    const at = nowIso();
    let row: RefundRow;
    try {
      row = await this.store.write(async (tx) => {
        let q = tx.selectFrom('payments').selectAll().where('id', '=', paymentId);
        if (this.store.flavor === 'pg') q = q.forUpdate();
        const pay = await q.executeTakeFirstOrThrow();
        const inFlight = await tx.selectFrom('refunds').select((eb) => eb.fn.sum<number>('amount').as('total'))
          .where('payment_id', '=', paymentId).where('state', '!=', 'failed').executeTakeFirst();
        checkRefundable({ paymentState: pay.state as PaymentState, paid: pay.amount, refundedOrInFlight: Number(inFlight?.total ?? 0), amount: amount.minor });
        await claimKey(tx, scope, key, hash, id, at);
        const r: RefundRow = {
          id, payment_id: paymentId, merchant_id: merchantId, out_refund_no: outRefundNo, amount: amount.minor, currency: amount.currency,
          state: 'pending', reason: input.reason ?? null, channel_refund_no: null, failure_message: null, attempts: 0,
          next_poll_at: new Date(Date.now() + 15_000).toISOString(), created_at: at, updated_at: at,
          operator_id: by?.id ?? null, operator_name: by?.name ?? null,
        };
        await tx.insertInto('refunds').values(r).execute();
        if (pay.channel === 'cash') {
          // Cash goes back across the counter: done as soon as it is recorded.
          const done = await this.refundTransition(tx, r, 'succeeded', { channel_refund_no: null });
          await storeResponse(tx, scope, key, { status: 201, body: toRefund(done) });
          return done;
        }
        return r;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        const again = await findKey(this.store, scope, key);
        if (again) return this.replayed(again, hash, async (rid) => ({ status: 200, body: await this.getRefund(merchantId, rid) }));
        throw new SaomaError('duplicate_trade_no', `Refund number ${outRefundNo} was already used; send a new one.`);
      }
      throw e;
    }
    if (p.channel === 'cash') return { status: 201, body: toRefund(row) };
    const channel = await this.channels.get(merchantId, p.channel);
    const payment = await this.load(p.id);
    const result = await safeCall(() => channel.refund({
      ...tradeRef(payment), outRefundNo, requestedAt: new Date(row.created_at), amount, total: money(p.amount, p.currency), reason: input.reason ?? null,
    }));
    const after = await this.applyRefund(id, result, async (tx, r) => storeResponse(tx, scope, key, { status: 201, body: toRefund(r) }));
    return { status: 201, body: toRefund(after) };
  }

  async getRefund(merchantId: string, id: string): Promise<Refund> {
    const row = await this.store.db.selectFrom('refunds').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!row) throw new SaomaError('not_found', `No refund ${id} for this merchant.`);
    return toRefund(row);
  }

  async listRefunds(merchantId: string, paymentId: string): Promise<Refund[]> {
    await this.getPayment(merchantId, paymentId);
    const rows = await this.store.db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).orderBy('created_at').execute();
    return rows.map(toRefund);
  }

  async applyRefund(id: string, result: RefundStatus, also?: (tx: Tx, r: RefundRow) => Promise<void>): Promise<RefundRow> {
    // A refund can be settled from two places at once (the call's own answer, a poll, the wallet's refund
    // notification): whoever loses the race reads the row again and finds it already moved.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.write(async (tx) => {
          const r = await tx.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          let next = r;
          if (result.status === 'succeeded') next = await this.refundTransition(tx, r, 'succeeded', { channel_refund_no: result.channelRefundNo });
          else if (result.status === 'failed') next = await this.refundTransition(tx, r, 'failed', { failure_message: `${result.code}: ${result.message}` });
          else if (!isFinalRefund(r.state as RefundState)) {
            const patch = { next_poll_at: new Date(Date.now() + 2000).toISOString(), ...(result.status === 'unknown' ? { failure_message: result.message } : {}) };
            next = r.state === 'pending' && result.status === 'unknown' ? await this.refundTransition(tx, r, 'unknown', patch) : r;
            if (next === r) await tx.updateTable('refunds').set(patch).where('id', '=', id).execute();
          }
          if (also) await also(tx, next);
          return next;
        });
      } catch (e) {
        if (e instanceof Conflict && attempt < 5) continue;
        throw e;
      }
    }
  }

  private async refundTransition(tx: Tx, r: RefundRow, to: RefundState, patch: Partial<RefundRow>): Promise<RefundRow> {
    if (r.state === to || !canTransitionRefund(r.state as RefundState, to)) return r;
    const at = nowIso();
    const set: Partial<RefundRow> = { ...patch, state: to, updated_at: at, ...(isFinalRefund(to) ? { next_poll_at: null } : {}) };
    const res = await tx.updateTable('refunds').set(set).where('id', '=', r.id).where('state', '=', r.state).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new Conflict(`refund ${r.id} moved on`);
    const next = { ...r, ...set } as RefundRow;
    if (to === 'succeeded') {
      const p = await tx.selectFrom('payments').selectAll().where('id', '=', r.payment_id).executeTakeFirstOrThrow();
      await tx.updateTable('payments').set((eb) => ({ refunded: eb('refunded', '+', r.amount), updated_at: at })).where('id', '=', p.id).execute();
      await postJournal(tx, refundEntry('refund', { id: r.id, merchantId: r.merchant_id, terminalId: p.terminal_id, channel: p.channel, amount: r.amount, currency: r.currency as Money['currency'] }), at);
      await enqueueEvent(tx, r.merchant_id, 'refund.succeeded', toRefund(next), at);
    }
    if (to === 'failed') await enqueueEvent(tx, r.merchant_id, 'refund.failed', toRefund(next), at);
    return next;
  }

  async claimDueRefunds(limit: number): Promise<string[]> {
    const rows = await this.store.db.selectFrom('refunds').select('id').where('state', 'in', ['pending', 'unknown'])
      .where('next_poll_at', '<=', nowIso()).orderBy('next_poll_at').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  /** Ask the wallet about a refund in doubt; if it never arrived, send it again under the same refund number. */
  async driveRefund(id: string): Promise<void> {
    const r = await this.store.db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    if (isFinalRefund(r.state as RefundState)) return;
    const p = await this.load(r.payment_id);
    const channel = await this.channels.get(p.merchant_id, p.channel);
    let result = await safeCall(() => channel.queryRefund(refundRef(p, r)));
    if (result.status === 'not_found') {
      result = await safeCall(() => channel.refund({
        ...refundRef(p, r), amount: money(r.amount, r.currency), total: money(p.amount, p.currency), reason: r.reason,
      }));
    }
    await this.applyRefund(id, result);
  }
}

/** What the payment row knows of its trade, for every call to the wallet about it. */
function tradeRef(p: Pick<PaymentRow, 'out_trade_no' | 'created_at' | 'expires_at' | 'channel_trade_no'>): TradeRef {
  return {
    outTradeNo: p.out_trade_no, createdAt: new Date(p.created_at),
    expiresAt: p.expires_at ? new Date(p.expires_at) : null, channelTradeNo: p.channel_trade_no,
  };
}

function refundRef(p: PaymentRow, r: Pick<RefundRow, 'out_refund_no' | 'created_at'>): RefundRef {
  return { ...tradeRef(p), outRefundNo: r.out_refund_no, requestedAt: new Date(r.created_at) };
}

type Waiting = { status: 'waiting_customer'; channelTradeNo?: string; qrCode?: string; pay?: InAppPay };

/** What a wallet's "waiting for the customer" carries: the QR to show, or what the customer's app must do. */
function waitingPatch(r: Waiting): Partial<PaymentRow> {
  if (r.pay) return { in_app_pay: JSON.stringify(r.pay), ...(r.pay.kind === 'redirect' ? { qr_code: r.pay.url } : {}) };
  return r.qrCode ? { qr_code: r.qrCode } : {};
}

/**
 * An order paid inside the customer's wallet app. Wallets without an in-app (JSAPI) order are paid by
 * sending the app to their dynamic QR's URL, which the wallet's own app opens as its cashier.
 */
async function inAppOrder(channel: Channel, req: Parameters<NonNullable<Channel['createInAppPayment']>>[0]): Promise<TradeStatus | (Waiting & { pay: InAppPay })> {
  if (channel.createInAppPayment) return channel.createInAppPayment(req);
  const { payerId: _p, ...qr } = req;
  const r = await channel.createDynamicQr(qr);
  return r.status === 'waiting_customer' ? { status: 'waiting_customer', pay: { kind: 'redirect', url: r.qrCode } } : r;
}

/** A thrown adapter error is an unknown result, never a failure we could act on as final. */
async function safeCall<T>(fn: () => Promise<T>): Promise<T | { status: 'unknown'; code: string; message: string }> {
  try {
    return await fn();
  } catch (e) {
    return { status: 'unknown', code: 'ADAPTER_ERROR', message: (e as Error).message };
  }
}

/** Payment codes are bearer tokens for a minute: keep only enough to recognise one. */
function maskCode(code: string): string {
  return code.length <= 8 ? '****' : `${code.slice(0, 4)}${'*'.repeat(code.length - 8)}${code.slice(-4)}`;
}
