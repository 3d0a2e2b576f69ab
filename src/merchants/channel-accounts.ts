import { SaomaError } from '../core/errors.ts';
import { MAX_MINOR } from '../core/money.ts';
import type { Sealer } from '../security/secrets.ts';
import { nowIso, type Store } from '../store/db.ts';
import type { ChannelAccountRow } from '../store/schema.ts';

/** A merchant's account on one wallet, as the adapters see it (credentials opened). */
export interface ChannelAccount {
  merchantId: string;
  channel: string;
  baseUrl: string | null;
  credentials: Record<string, string>;
  limitPerTransaction: number | null;
  limitPerDay: number | null;
  enabled: boolean;
}

export interface ChannelAccountInput {
  baseUrl?: string | null | undefined;
  credentials?: Record<string, string> | undefined;
  limitPerTransaction?: number | null | undefined;
  limitPerDay?: number | null | undefined;
  enabled?: boolean | undefined;
}

/** Accounts change rarely and are read on every payment; other instances see a change within this. */
const CACHE_MS = 10_000;

function limit(v: number | null | undefined, name: string): number | null | undefined {
  if (v === undefined || v === null) return v;
  if (!Number.isSafeInteger(v) || v <= 0 || v > MAX_MINOR) throw new SaomaError('invalid_amount', `${name} must be a positive whole number of minor units (fen), or null for no limit.`);
  return v;
}

/**
 * Channel accounts (credentials sealed at rest) and which wallets each store offers. What the API
 * shows of an account never includes its credentials, only their field names.
 */
export class ChannelAccounts {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly cache = new Map<string, { account: ChannelAccount | null; until: number }>();
  private readonly storeCache = new Map<string, { channels: string[]; until: number }>();

  constructor(store: Store, sealer: Sealer) {
    this.store = store;
    this.sealer = sealer;
  }

  private open(row: ChannelAccountRow): ChannelAccount {
    return {
      merchantId: row.merchant_id, channel: row.channel, baseUrl: row.base_url,
      credentials: JSON.parse(this.sealer.open(row.credentials_enc)) as Record<string, string>,
      limitPerTransaction: row.limit_per_transaction, limitPerDay: row.limit_per_day, enabled: row.enabled === 1,
    };
  }

  /** Public view: everything but the secrets. */
  static describe(a: ChannelAccount) {
    const { credentials, ...rest } = a;
    return { ...rest, credentialFields: Object.keys(credentials).sort() };
  }

  async get(merchantId: string, channel: string): Promise<ChannelAccount | null> {
    const key = `${merchantId}/${channel}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.account;
    const row = await this.store.db.selectFrom('channel_accounts').selectAll().where('merchant_id', '=', merchantId).where('channel', '=', channel).executeTakeFirst();
    const account = row ? this.open(row) : null;
    this.cache.set(key, { account, until: Date.now() + CACHE_MS });
    return account;
  }

  async list(merchantId: string): Promise<ChannelAccount[]> {
    const rows = await this.store.db.selectFrom('channel_accounts').selectAll().where('merchant_id', '=', merchantId).orderBy('channel').execute();
    return rows.map((r) => this.open(r));
  }

  /** Create or change an account; credentials given replace the stored ones as a whole. */
  async put(merchantId: string, channel: string, input: ChannelAccountInput): Promise<ChannelAccount> {
    const perTxn = limit(input.limitPerTransaction, 'limitPerTransaction');
    const perDay = limit(input.limitPerDay, 'limitPerDay');
    const existing = await this.store.db.selectFrom('channel_accounts').selectAll().where('merchant_id', '=', merchantId).where('channel', '=', channel).executeTakeFirst();
    const at = nowIso();
    const row: ChannelAccountRow = {
      merchant_id: merchantId,
      channel,
      base_url: input.baseUrl === undefined ? existing?.base_url ?? null : input.baseUrl,
      credentials_enc: input.credentials ? this.sealer.seal(JSON.stringify(input.credentials)) : existing?.credentials_enc ?? this.sealer.seal('{}'),
      limit_per_transaction: perTxn === undefined ? existing?.limit_per_transaction ?? null : perTxn,
      limit_per_day: perDay === undefined ? existing?.limit_per_day ?? null : perDay,
      enabled: input.enabled === undefined ? existing?.enabled ?? 1 : input.enabled ? 1 : 0,
      created_at: existing?.created_at ?? at,
      updated_at: at,
    };
    await this.store.write(async (tx) => {
      if (existing) {
        await tx.updateTable('channel_accounts').set(row).where('merchant_id', '=', merchantId).where('channel', '=', channel).execute();
      } else {
        await tx.insertInto('channel_accounts').values(row).execute();
      }
    });
    this.cache.delete(`${merchantId}/${channel}`);
    return this.open(row);
  }

  async storeChannels(storeId: string): Promise<string[]> {
    const hit = this.storeCache.get(storeId);
    if (hit && hit.until > Date.now()) return hit.channels;
    const rows = await this.store.db.selectFrom('store_channels').select('channel').where('store_id', '=', storeId).orderBy('channel').execute();
    const channels = rows.map((r) => r.channel);
    this.storeCache.set(storeId, { channels, until: Date.now() + CACHE_MS });
    return channels;
  }

  async setStoreChannels(storeId: string, channels: string[]): Promise<string[]> {
    const unique = [...new Set(channels)].sort();
    await this.store.write(async (tx) => {
      await tx.deleteFrom('store_channels').where('store_id', '=', storeId).execute();
      if (unique.length) await tx.insertInto('store_channels').values(unique.map((channel) => ({ store_id: storeId, channel }))).execute();
    });
    this.storeCache.delete(storeId);
    return unique;
  }
}
