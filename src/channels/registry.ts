import type { Config } from '../config.ts';
import { SaomaError } from '../core/errors.ts';
import type { ChannelAccount, ChannelAccounts } from '../merchants/channel-accounts.ts';
import type { Channel } from './channel.ts';
import { SandboxChannel } from './sandbox/adapter.ts';
import { AlipayChannel, alipayAccountFrom } from './alipay/adapter.ts';
import { WechatChannel, wechatAccountFrom } from './wechat/adapter.ts';

/**
 * Builds an adapter from a merchant's account. Each wallet registers one factory; the account's base URL
 * decides whether it talks to the emulator or to the real wallet, so the same code serves both.
 */
export type ChannelFactory = (account: ChannelAccount, config: Config) => Channel;

import { QqChannel, qqAccountFrom } from './qq/adapter.ts';

import { UnionpayChannel, unionpayAccountFrom } from './unionpay/adapter.ts';

const FACTORIES: Record<string, ChannelFactory> = {
  unionpay: (a, config) => new UnionpayChannel(unionpayAccountFrom(a, config)),
  qq: (a, config) => new QqChannel(qqAccountFrom(a, config)),
  sandbox: (a, config) => new SandboxChannel({
    baseUrl: a.baseUrl ?? config.sandboxUrl ?? `${config.publicUrl}/sandbox/wallet`,
    mchId: a.credentials.mchId ?? a.merchantId,
    key: a.credentials.key ?? config.sandboxKey,
    timing: { queryIntervalMs: config.queryIntervalMs ?? 2000, payCodeGiveUpMs: config.payCodeGiveUpMs ?? 45_000 },
  }),
  alipay: (a, config) => new AlipayChannel(alipayAccountFrom(a, config)),
  wechat: (a, config) => new WechatChannel(wechatAccountFrom(a, config)),
};

export function knownChannels(): string[] {
  return Object.keys(FACTORIES).sort();
}

/** The merchant's channel, with the account it was built from (for limits). */
export interface ResolvedChannel {
  channel: Channel;
  account: ChannelAccount;
}

/**
 * Channel accounts per merchant → adapters. With the sandbox on, every merchant has an implicit
 * sandbox account (no credentials needed) unless it configured one.
 */
export class ChannelRegistry {
  private readonly accounts: ChannelAccounts;
  private readonly config: Config;
  private readonly adapters = new Map<string, { account: ChannelAccount; channel: Channel }>();

  constructor(accounts: ChannelAccounts, config: Config) {
    this.accounts = accounts;
    this.config = config;
  }

  async resolve(merchantId: string, name: string): Promise<ResolvedChannel> {
    const factory = FACTORIES[name];
    if (!factory) throw new SaomaError('invalid_request', `Channel "${name}" is not supported; use one of ${[...knownChannels(), 'cash'].join(', ')}.`);
    if (name === 'sandbox' && !this.config.sandbox) throw new SaomaError('sandbox_disabled', 'The sandbox wallet is off in this deployment (SAOMA_SANDBOX=0 or production).');
    let account = await this.accounts.get(merchantId, name);
    if (!account && name === 'sandbox') {
      account = { merchantId, channel: name, baseUrl: null, credentials: {}, limitPerTransaction: null, limitPerDay: null, enabled: true };
    }
    if (!account) throw new SaomaError('channel_not_offered', `This merchant has no ${name} account; add one with PUT /v1/merchants/${merchantId}/channels/${name}.`);
    if (!account.enabled) throw new SaomaError('channel_not_offered', `This merchant's ${name} account is switched off.`);
    // Reuse the adapter while the account is unchanged (keep-alive connections, parsed keys).
    const key = `${merchantId}/${name}`;
    const cached = this.adapters.get(key);
    if (cached && JSON.stringify(cached.account) === JSON.stringify(account)) return cached;
    const resolved = { account, channel: factory(account, this.config) };
    this.adapters.set(key, resolved);
    return resolved;
  }

  /** Refuses a wallet the store is not set up to offer (a store with no list offers them all). */
  async checkOffered(storeId: string, name: string): Promise<void> {
    const offered = await this.accounts.storeChannels(storeId);
    if (offered.length > 0 && !offered.includes(name)) {
      throw new SaomaError('channel_not_offered', `This store does not offer ${name}; it offers ${offered.join(', ')}.`);
    }
  }

  async get(merchantId: string, name: string): Promise<Channel> {
    return (await this.resolve(merchantId, name)).channel;
  }
}
