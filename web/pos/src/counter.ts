import type { TerminalInfo } from './api.ts';
import { compileRules, WALLET_RULES, type PaycodeRule } from '../../../src/core/paycode.ts';

/**
 * What this counter can charge, as the server said when the terminal loaded (`GET /v1/terminal`): the
 * wallets the store offers and the payment-code rules the server detects wallets by. Until it has said
 * (or an older server says nothing), the built-in wallets.
 */
const FALLBACK_WALLETS = ['sandbox', 'wechat', 'alipay', 'unionpay', 'qq'];
let wallets: string[] = FALLBACK_WALLETS;
let rules: readonly PaycodeRule[] = WALLET_RULES;

export function setCounter(info: TerminalInfo): void {
  if (info.channels && info.channels.length) wallets = info.channels.filter((c) => c !== 'cash');
  if (info.paycodeRules && info.paycodeRules.length) {
    try { rules = compileRules(info.paycodeRules); } catch { rules = WALLET_RULES; }
  }
}

/** Wallets a dynamic QR can be shown for here. */
export function counterWallets(): readonly string[] { return wallets; }
/** The rules a scanned code is classified by (the server's, sandbox included when it is on). */
export function counterRules(): readonly PaycodeRule[] { return rules; }
