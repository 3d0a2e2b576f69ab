/** The words the back-office screens put on states and wallets. */
import type { Key } from '../i18n.ts';
import type { T } from '../t.ts';

const WALLETS: Record<string, Key> = {
  cash: 'walletCash', sandbox: 'walletSandbox', alipay: 'walletAlipay', wechat: 'walletWechat', unionpay: 'walletUnionpay', qq: 'walletQq',
};
/** A wallet as customers call it; an adapter we have no word for keeps its own name. */
export function walletName(t: T, channel: string): string {
  const k = WALLETS[channel];
  return k ? t(k) : channel;
}

const TENDER: Record<string, Key> = {
  succeeded: 'statePaid', failed: 'stateFailed', closed: 'stateClosed', reversed: 'stateReversed', unknown: 'stateUnknown',
};
export function tenderState(t: T, state: string): string {
  const k = TENDER[state];
  return k ? t(k) : t('tenderPending');
}

const SALE: Record<string, Key> = { open: 'historySaleOpen', completed: 'historySaleCompleted', cancelled: 'historySaleCancelled' };
export function saleState(t: T, state: string): string {
  const k = SALE[state];
  return k ? t(k) : state;
}

