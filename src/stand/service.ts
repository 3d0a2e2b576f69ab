import { SaomaError } from '../core/errors.ts';
import { fromDecimalString, parseCurrency } from '../core/money.ts';
import type { Payment } from '../core/domain.ts';
import type { InAppPay } from '../channels/channel.ts';
import { knownChannels } from '../channels/registry.ts';
import type { Runtime } from '../runtime.ts';
import { sha256Hex } from '../security/secrets.ts';
import { isUniqueViolation, nowIso } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { StandRow } from '../store/schema.ts';
import type { StandArt } from './artwork.ts';
import { STAND_CODE, StandCodes } from './code.ts';

export interface Stand {
  id: string;
  code: string;
  url: string;
  merchantId: string;
  storeId: string;
  terminalId: string;
  name: string;
  enabled: boolean;
  createdAt: string;
  disabledAt: string | null;
}

/** A stand as the public pages need it: where it pays into and who the customer is paying. */
export interface StandContext {
  stand: StandRow;
  merchantName: string;
  storeName: string;
  currency: string;
}

export interface StandPayment {
  payment: Payment;
  /** What the customer's wallet app does next; null when the order is already final or in doubt. */
  pay: InAppPay | null;
}

/** The page's key for one payment attempt (a double tap sends it twice). */
export const CLIENT_KEY = /^[A-Za-z0-9_-]{16,64}$/;
/** Wallets in the order a picker shows them. */
const WALLET_ORDER = ['alipay', 'wechat', 'unionpay', 'qq'];
/**
 * Wallets that can only be paid in their app through JSAPI with the customer's id (WeChat: a weixin://
 * code cannot be opened from a page, research/channels.md §6): offered on a stand only when the
 * merchant's account can do the sign-in (WeChat: the 公众号 AppSecret is set).
 */
const NEEDS_PAYER = new Set(['wechat']);

/** Whether a wallet can only be paid from inside its own app (so a picker in another browser cannot offer it). */
export function paidOnlyInOwnApp(channel: string): boolean {
  return NEEDS_PAYER.has(channel);
}

/**
 * One-code stands (聚合码): create and list them, and take a customer's payment on one. A stand payment
 * is an ordinary payment on the stand's store and terminal, made through PaymentService, so limits,
 * store offers, idempotency, polling and expiry all apply as for a payment the cashier starts.
 */
export class StandService {
  private readonly rt: Runtime;
  private readonly codes: StandCodes;

  constructor(rt: Runtime) {
    this.rt = rt;
    this.codes = new StandCodes(rt.config.masterKey);
  }

  url(code: string): string {
    return `${this.rt.config.publicUrl}/s/${code}`;
  }

  describe(r: StandRow): Stand {
    return {
      id: r.id, code: r.code, url: this.url(r.code), merchantId: r.merchant_id, storeId: r.store_id, terminalId: r.terminal_id,
      name: r.name, enabled: r.enabled === 1, createdAt: r.created_at, disabledAt: r.disabled_at,
    };
  }

  async create(merchantId: string, input: { storeId: string; terminalId: string; name?: string | undefined }): Promise<Stand> {
    const t = await this.rt.store.db.selectFrom('terminals').select(['id', 'store_id', 'name']).where('id', '=', input.terminalId).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!t) throw new SaomaError('not_found', `No terminal ${input.terminalId} for this merchant.`);
    if (t.store_id !== input.storeId) throw new SaomaError('invalid_request', `Terminal ${input.terminalId} belongs to store ${t.store_id}, not ${input.storeId}; a stand's payments show on a terminal of its own store.`);
    for (let attempt = 0; ; attempt++) {
      const row: StandRow = {
        id: newId('std'), code: this.codes.issue(), merchant_id: merchantId, store_id: input.storeId, terminal_id: input.terminalId,
        name: input.name ?? t.name, enabled: 1, created_at: nowIso(), disabled_at: null, signed: 1,
      };
      try {
        await this.rt.store.write((tx) => tx.insertInto('stands').values(row).execute());
        return this.describe(row);
      } catch (e) {
        // 60 random bits make a clash rare; a fresh code settles it.
        if (isUniqueViolation(e) && attempt < 3) continue;
        throw e;
      }
    }
  }

  async list(merchantId: string): Promise<Stand[]> {
    const rows = await this.rt.store.db.selectFrom('stands').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').execute();
    return rows.map((r) => this.describe(r));
  }

  async get(merchantId: string, id: string): Promise<StandRow> {
    const row = await this.rt.store.db.selectFrom('stands').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!row) throw new SaomaError('not_found', `No stand ${id} for this merchant.`);
    return row;
  }

  /**
   * What the printed stands show: enabled stands of a merchant (all, or those named), with the names
   * and the wallets taken at their store. Unknown or disabled ids are refused, naming them.
   */
  async artwork(merchantId: string, ids?: readonly string[]): Promise<StandArt[]> {
    let q = this.rt.store.db.selectFrom('stands as st').innerJoin('merchants as m', 'm.id', 'st.merchant_id').innerJoin('stores as s', 's.id', 'st.store_id')
      .selectAll('st').select(['m.name as merchant_name', 's.name as store_name'])
      .where('st.merchant_id', '=', merchantId).where('st.enabled', '=', 1);
    if (ids?.length) q = q.where('st.id', 'in', [...ids]);
    const rows = await q.orderBy('st.created_at').execute();
    const missing = (ids ?? []).filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw new SaomaError('not_found', `No enabled stand ${missing.join(', ')} for this merchant.`);
    if (!rows.length) throw new SaomaError('not_found', 'This merchant has no enabled stands; create one first.');
    const out: StandArt[] = [];
    for (const r of rows) {
      const wallets = (await this.wallets(r)).filter((c, _i, all) => c !== 'sandbox' || all.length === 1);
      out.push({ url: this.url(r.code), code: r.code, merchantName: r.merchant_name, storeName: r.store_name, standName: r.name, wallets });
    }
    return out;
  }

  /**
   * Is this sticker ours? Its URL must be this installation's stand URL, its code registered (and, for
   * codes issued since signing, carry our signature), and the stand enabled. Says which check failed.
   */
  async verifySticker(merchantId: string, url: string): Promise<{ ours: boolean; reason: string; stand?: Stand; signed?: boolean }> {
    const base = `${this.rt.config.publicUrl}/s/`;
    const text = url.trim();
    if (!text.startsWith(base)) return { ours: false, reason: `Not a stand of this Saoma: its link does not start with ${base}. Someone may have stuck their own code over ours.` };
    const code = text.slice(base.length).replace(/[/?#].*$/, '').toLowerCase();
    if (!STAND_CODE.test(code)) return { ours: false, reason: `"${code}" is not a stand code (12 letters and digits).` };
    const row = await this.rt.store.db.selectFrom('stands').selectAll().where('code', '=', code).executeTakeFirst();
    if (!row || row.merchant_id !== merchantId) return { ours: false, reason: 'No stand of this merchant has this code: the sticker is not ours.' };
    if (row.signed === 1 && !this.codes.verify(code)) return { ours: false, reason: 'The code is registered but does not carry our signature: the registry was changed; report it.' };
    if (row.enabled !== 1) return { ours: false, reason: `This stand (${row.name}) was disabled on ${row.disabled_at}; take the sticker down.`, stand: this.describe(row), signed: row.signed === 1 };
    return { ours: true, reason: row.signed === 1 ? 'Registered and signed by this Saoma.' : 'Registered (issued before codes were signed).', stand: this.describe(row), signed: row.signed === 1 };
  }

  /** A disabled stand's code stays taken, so a reprinted sticker can never start paying someone else. */
  async disable(merchantId: string, id: string): Promise<Stand> {
    const row = await this.get(merchantId, id);
    if (row.enabled === 0) return this.describe(row);
    const at = nowIso();
    await this.rt.store.write((tx) => tx.updateTable('stands').set({ enabled: 0, disabled_at: at }).where('id', '=', id).execute());
    return this.describe({ ...row, enabled: 0, disabled_at: at });
  }

  /** The enabled stand behind a scanned code, or null (unknown, malformed or disabled: all look the same). */
  async byCode(code: string): Promise<StandContext | null> {
    if (!STAND_CODE.test(code)) return null;
    const r = await this.rt.store.db.selectFrom('stands as s').innerJoin('merchants as m', 'm.id', 's.merchant_id').innerJoin('stores as st', 'st.id', 's.store_id')
      .selectAll('s').select(['m.name as merchant_name', 'm.currency as currency', 'st.name as store_name'])
      .where('s.code', '=', code).where('s.enabled', '=', 1).executeTakeFirst();
    // A signed row whose code does not verify was not issued here: treated as unknown.
    if (!r || (r.signed === 1 && !this.codes.verify(code))) return null;
    const { merchant_name, currency, store_name, ...stand } = r;
    return { stand, merchantName: merchant_name, storeName: store_name, currency };
  }

  /** Wallets this stand can be paid with: the merchant has an enabled account, the store offers it, we have its adapter. */
  async wallets(stand: StandRow): Promise<string[]> {
    const accounts = (await this.rt.channelAccounts.list(stand.merchant_id)).filter((a) => a.enabled).map((a) => a.channel);
    const known = new Set(knownChannels());
    const have = new Set(accounts.filter((c) => known.has(c)));
    if (this.rt.config.sandbox && !accounts.includes('sandbox')) have.add('sandbox');
    if (!this.rt.config.sandbox) have.delete('sandbox');
    const offered = await this.rt.channelAccounts.storeChannels(stand.store_id);
    const list: string[] = [];
    for (const c of have) {
      if (offered.length > 0 && !offered.includes(c)) continue;
      if (NEEDS_PAYER.has(c) && !(await this.payerAuth(stand, c).catch(() => null))) continue;
      list.push(c);
    }
    const rank = (c: string) => (WALLET_ORDER.indexOf(c) + 1 || (c === 'sandbox' ? 99 : 50));
    return list.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  /** Whether paying with this wallet first needs the customer's id from its sign-in redirect (WeChat JSAPI). */
  async payerAuth(stand: StandRow, channel: string) {
    return (await this.rt.payments.channels.get(stand.merchant_id, channel)).payerAuth ?? null;
  }

  /**
   * The customer's payment: `amountText` as typed ("12.5"), parsed exactly in the merchant's currency.
   * Idempotent on the page's key: the same key on the same stand is the same payment.
   */
  async pay(ctx: StandContext, input: { amountText: string; channel: string; key: string; payerId?: string | undefined }): Promise<StandPayment> {
    const { stand } = ctx;
    if (!CLIENT_KEY.test(input.key)) throw new SaomaError('invalid_request', 'key must be 16–64 letters, digits, "-" or "_".');
    const amount = fromDecimalString(input.amountText, parseCurrency(ctx.currency));
    if (amount.minor <= 0) throw new SaomaError('invalid_amount', 'The amount must be more than zero.');
    const wallets = await this.wallets(stand);
    if (!wallets.includes(input.channel)) throw new SaomaError('channel_not_offered', `This stand does not take ${input.channel}; it takes ${wallets.join(', ') || 'nothing yet'}.`);
    // The trade number is derived from the key, so a retried request is the same request (same hash).
    const outTradeNo = `S${sha256Hex(`${stand.id}:${input.key}`).slice(0, 31)}`;
    const origin = { merchantId: stand.merchant_id, storeId: stand.store_id, terminalId: stand.terminal_id };
    const res = await this.rt.payments.createPayment(origin, {
      outTradeNo, amount: amount.minor, currency: amount.currency, method: 'in_app', channel: input.channel,
      payerId: input.payerId, description: ctx.merchantName.slice(0, 128),
    }, `stand:${stand.id}:${input.key}`);
    const paymentId = (res.body as Payment).id;
    try {
      await this.rt.store.write((tx) => tx.insertInto('stand_payments').values({ stand_id: stand.id, client_key: input.key, payment_id: paymentId, created_at: nowIso() }).execute());
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    return this.payment(stand, paymentId) as Promise<StandPayment>;
  }

  /** A payment made on this stand, with what the wallet app must do; null if it is not this stand's. */
  async payment(stand: StandRow, paymentId: string): Promise<StandPayment | null> {
    const link = await this.rt.store.db.selectFrom('stand_payments').select('payment_id').where('payment_id', '=', paymentId).where('stand_id', '=', stand.id).executeTakeFirst();
    if (!link) return null;
    const row = await this.rt.store.db.selectFrom('payments').select(['in_app_pay', 'state']).where('id', '=', paymentId).executeTakeFirstOrThrow();
    const payment = await this.rt.payments.getPayment(stand.merchant_id, paymentId);
    const pay = row.state === 'waiting_customer' && row.in_app_pay ? JSON.parse(row.in_app_pay) as InAppPay : null;
    return { payment, pay };
  }
}
