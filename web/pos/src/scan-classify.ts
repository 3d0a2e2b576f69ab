/**
 * What a scan is, before anything is sent: a wallet's payment code, a link, a product barcode, or
 * something else. The rules are the server's own table (src/core/paycode.ts, pure), bundled here so
 * the counter and the gateway never disagree on the built-in wallets. Used for the camera, the typed
 * code and the scanner gun alike.
 */
import { WALLET_RULES, detectWallet, type BarcodeFormat, type PaycodeRule } from '../../../src/core/paycode.ts';
import type { Key } from './i18n.ts';
import type { T } from './t.ts';

export type ScanKind =
  | { kind: 'paycode'; wallet: string; code: string }
  | { kind: 'url'; code: string }
  | { kind: 'product'; code: string; format: BarcodeFormat }
  | { kind: 'unknown'; code: string; why: 'empty' | 'merchant_qr' | 'not_digits' | 'length' | 'no_match' };

/** Full-width digits (０–９) come from a Chinese input method left in full-width mode: they mean the same digits. */
function halfWidth(s: string): string {
  return s.replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
}

/**
 * `rules` defaults to the real wallets. The sandbox's test codes (28…, 18 digits) fall inside
 * Alipay's range, so here they read as Alipay; the server, with its sandbox on, routes them to the sandbox.
 */
export function classifyScan(input: string, rules: readonly PaycodeRule[] = WALLET_RULES): ScanKind {
  const raw = halfWidth(input);
  // A typed code may be grouped like "1345 6789 …": the digits are what counts.
  const code = /^[\d\s-]+$/.test(raw.trim()) ? raw.replace(/[\s-]+/g, '') : raw.trim();
  const d = detectWallet(code, rules);
  if (d.ok) return { kind: 'paycode', wallet: d.wallet, code: d.code };
  switch (d.reason) {
    case 'empty': return { kind: 'unknown', code: d.code, why: 'empty' };
    case 'product_barcode': return { kind: 'product', code: d.code, format: d.format };
    case 'not_digits':
      if (d.looksLike === 'url') return { kind: 'url', code: d.code };
      return { kind: 'unknown', code: d.code, why: d.looksLike === 'emv_mpm' ? 'merchant_qr' : 'not_digits' };
    case 'too_short': case 'too_long': return { kind: 'unknown', code: d.code, why: 'length' };
    default: return { kind: 'unknown', code: d.code, why: 'no_match' };
  }
}

const WALLET_KEYS: Record<string, Key> = {
  wechat: 'scanWalletWechat', alipay: 'scanWalletAlipay', unionpay: 'scanWalletUnionpay', qq: 'scanWalletQq', sandbox: 'scanWalletSandbox',
};

/** A wallet id in the cashier's language (a wallet added by configuration keeps its id). */
export function walletName(t: T, wallet: string): string {
  const k = WALLET_KEYS[wallet];
  return k ? t(k) : wallet;
}

/** At most 32 characters of what was scanned, so a long link stays readable in one line. */
function shown(code: string): string {
  return code.length > 32 ? `${code.slice(0, 31)}…` : code;
}

/** What to tell the cashier when a scan is not a payment code: what it was, and what to do. Null for a payment code. */
export function scanProblem(t: T, s: ScanKind): string | null {
  switch (s.kind) {
    case 'paycode': return null;
    case 'url': return t('scanIsUrl', { what: shown(s.code) });
    case 'product': return t('scanIsProduct', { format: s.format, what: s.code });
    default:
      if (s.why === 'empty') return t('codeRequired');
      if (s.why === 'merchant_qr') return t('scanIsMerchantQr');
      if (s.why === 'length') return t('scanBadLength', { what: shown(s.code), n: s.code.length });
      return t('scanNotPaycode', { what: shown(s.code) });
  }
}
