/**
 * Which wallet app opened a stand's URL, from its in-app browser's User-Agent. Pure: no I/O.
 *
 * Markers (research/channels.md §6): Alipay `AlipayClient/…`; WeChat `MicroMessenger/…`, checked before
 * QQ because WeChat's UA can also carry "QQ" (e.g. QQBrowser-based WebViews); QQ `QQ/…` (the QQ app,
 * not QQBrowser alone, which is just a browser); 云闪付 `(com.unionpay.chsp)` / `(UnionPay/1.0 CloudPay)`.
 * Anything else is an ordinary browser or an app we do not serve: the stand shows a wallet picker.
 */
export type WalletApp = 'alipay' | 'wechat' | 'unionpay' | 'qq';

/** The channel each wallet app pays through. */
export const APP_CHANNEL: Record<WalletApp, string> = { alipay: 'alipay', wechat: 'wechat', unionpay: 'unionpay', qq: 'qq' };

export function detectWalletApp(userAgent: string | undefined | null): WalletApp | null {
  const ua = userAgent ?? '';
  if (/AlipayClient\//i.test(ua) || /\bAliApp\(AP\//i.test(ua)) return 'alipay';
  if (/MicroMessenger\//i.test(ua)) return 'wechat';
  if (/com\.unionpay\.chsp|UnionPay\/1\.0\s+CloudPay/i.test(ua)) return 'unionpay';
  // " QQ/8.9.0" as a product token; "MQQBrowser/" and "QQBrowser/" alone are plain browsers.
  if (/(^|[\s;(])QQ\/\d/.test(ua)) return 'qq';
  return null;
}
