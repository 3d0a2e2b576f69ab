/**
 * Every string the wallet simulator shows, in zh-Hans, zh-Hant and English; the same approach as the
 * POS (web/pos/src/i18n.ts, whose language list and locale picking it reuses): `Dict` is the English
 * dictionary's shape, so a key missing from (or extra in) a translation is a type error.
 */
import { LANGS, LANG_NAMES, pickLang, type Lang } from '../../pos/src/i18n.ts';
export { LANGS, LANG_NAMES, pickLang, type Lang };

const en = {
  appTitle: 'Sandbox wallet',
  walletLabel: 'Wallet',
  walletSandbox: 'Saoma sandbox wallet',
  tabCode: 'Payment code',
  tabScan: 'Pay a merchant QR',
  codeHelp: 'Show this code to the cashier. It refreshes every 60 s.',
  refreshIn: 'Refreshes in {s} s',
  refreshNow: 'Refresh',
  outcomeLabel: 'When the cashier scans it',
  outcomePay: 'Pay',
  outcomeDecline: 'Decline',
  outcomeConfirm: 'Make me confirm, then pay',
  outcomeNever: 'Never confirm',
  qrLabel: 'Merchant QR code',
  qrHelp: 'Paste the dynamic QR the POS shows (saoma-sandbox://qr/… or its https link).',
  qrRequired: 'Paste a merchant QR code first.',
  pay: 'Pay',
  decline: 'Decline',
  sending: 'Sending…',
  resultPaid: 'Paid {amount}',
  resultDeclined: 'Declined; the merchant was not paid',
  resultClosed: 'This code can no longer be paid ({status})',
  resultNotFound: 'No such payment at the wallet',
  resultInvalid: 'Not a sandbox wallet QR code',
  resultError: 'The wallet answered: {msg}',
  networkError: 'No answer from the wallet; try again.',
  language: 'Language',
} as const;

export type Key = keyof typeof en;
export type Dict = { readonly [K in Key]: string };

const zhHans: Dict = {
  appTitle: '沙箱钱包',
  walletLabel: '钱包',
  walletSandbox: 'Saoma 沙箱钱包',
  tabCode: '付款码',
  tabScan: '扫码付款',
  codeHelp: '向收银员出示此码。每 60 秒自动刷新。',
  refreshIn: '{s} 秒后刷新',
  refreshNow: '刷新',
  outcomeLabel: '收银员扫码后',
  outcomePay: '支付',
  outcomeDecline: '拒绝',
  outcomeConfirm: '需要我确认，然后支付',
  outcomeNever: '始终不确认',
  qrLabel: '商户收款码',
  qrHelp: '粘贴收银台显示的动态码（saoma-sandbox://qr/… 或其 https 链接）。',
  qrRequired: '请先粘贴商户收款码。',
  pay: '付款',
  decline: '拒绝',
  sending: '正在发送…',
  resultPaid: '已支付 {amount}',
  resultDeclined: '已拒绝，商户未收款',
  resultClosed: '此码已无法支付（{status}）',
  resultNotFound: '钱包中没有这笔交易',
  resultInvalid: '不是沙箱钱包的收款码',
  resultError: '钱包返回：{msg}',
  networkError: '钱包没有响应，请重试。',
  language: '语言',
};

const zhHant: Dict = {
  appTitle: '沙箱錢包',
  walletLabel: '錢包',
  walletSandbox: 'Saoma 沙箱錢包',
  tabCode: '付款碼',
  tabScan: '掃碼付款',
  codeHelp: '向收銀員出示此碼。每 60 秒自動更新。',
  refreshIn: '{s} 秒後更新',
  refreshNow: '更新',
  outcomeLabel: '收銀員掃碼後',
  outcomePay: '付款',
  outcomeDecline: '拒絕',
  outcomeConfirm: '需要我確認，然後付款',
  outcomeNever: '始終不確認',
  qrLabel: '商戶收款碼',
  qrHelp: '貼上收銀台顯示的動態碼（saoma-sandbox://qr/… 或其 https 連結）。',
  qrRequired: '請先貼上商戶收款碼。',
  pay: '付款',
  decline: '拒絕',
  sending: '正在傳送…',
  resultPaid: '已付款 {amount}',
  resultDeclined: '已拒絕，商戶未收款',
  resultClosed: '此碼已無法付款（{status}）',
  resultNotFound: '錢包中沒有這筆交易',
  resultInvalid: '不是沙箱錢包的收款碼',
  resultError: '錢包回覆：{msg}',
  networkError: '錢包沒有回應，請重試。',
  language: '語言',
};

export const DICTS: Record<Lang, Dict> = { 'zh-Hans': zhHans, 'zh-Hant': zhHant, en };

export function translate(lang: Lang, key: Key, vars?: Record<string, string | number>): string {
  let s: string = DICTS[lang][key];
  if (vars) for (const k of Object.keys(vars)) s = s.split(`{${k}}`).join(String(vars[k]));
  return s;
}
