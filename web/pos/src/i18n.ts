/**
 * Every string the POS shows, in zh-Hans, zh-Hant and English. `Dict` is the English dictionary's
 * shape: a key missing from (or extra in) a translation is a type error.
 */
export type Lang = 'zh-Hans' | 'zh-Hant' | 'en';
export const LANGS: readonly Lang[] = ['zh-Hans', 'zh-Hant', 'en'];
export const LANG_NAMES: Record<Lang, string> = { 'zh-Hans': '简体', 'zh-Hant': '繁體', en: 'EN' };

const en = {
  appTitle: 'Saoma POS',
  pairTitle: 'Pair this terminal',
  pairHelp: 'Paste the terminal token (term_…) from `saoma serve` or the merchant console. It is kept on this device.',
  pairToken: 'Terminal token',
  pairButton: 'Pair',
  pairBadToken: 'A terminal token starts with term_.',
  unpair: 'Unpair',
  loginTitle: 'Operator login',
  operator: 'Operator',
  pin: 'PIN',
  loginButton: 'Log in',
  logout: 'Log out',
  pinRequired: 'Enter your PIN.',
  amountLabel: 'Amount',
  amountEmpty: 'Enter an amount.',
  amountInvalid: 'Enter the amount as digits, like 12.50.',
  amountTooManyDecimals: 'At most 2 decimal places (for example 12.50).',
  amountZero: 'The amount must be more than 0.',
  amountTooLarge: 'That amount is over the limit of this terminal.',
  clear: 'Clear',
  showQr: 'Show QR',
  scanCode: 'Scan code',
  scanHelp: 'Scan the customer’s payment code with the scanner, or type its digits.',
  codeLabel: 'Payment code',
  charge: 'Charge',
  codeRequired: 'Scan or type the customer’s payment code.',
  cancel: 'Back',
  scanToPay: 'Scan to pay',
  expiresIn: 'Expires in {s} s',
  expired: 'This code has expired; closing it at the wallet.',
  stateSending: 'Sending to the wallet…',
  stateWaiting: 'Waiting for the customer',
  statePaying: 'Customer is paying (confirming in their app)',
  stateUnknown: 'Status unknown — querying',
  statePaid: 'Paid',
  stateFailed: 'Payment failed',
  stateClosed: 'Closed — not paid',
  stateReversed: 'Reversed — not paid',
  queryNow: 'Query now',
  retry: 'Retry',
  newSale: 'New sale',
  networkError: 'No answer from the server. The payment keeps its key; retrying is safe.',
  reconnecting: 'Live status lost; reconnecting…',
  loading: 'Loading…',
  language: 'Language',
  terminalLabel: 'Terminal',
} as const;

export type Key = keyof typeof en;
export type Dict = { readonly [K in Key]: string };

const zhHans: Dict = {
  appTitle: '扫码收银',
  pairTitle: '绑定本机',
  pairHelp: '粘贴终端令牌（term_…），可在 `saoma serve` 的输出或商户后台找到。令牌只保存在本机。',
  pairToken: '终端令牌',
  pairButton: '绑定',
  pairBadToken: '终端令牌以 term_ 开头。',
  unpair: '解除绑定',
  loginTitle: '收银员登录',
  operator: '收银员',
  pin: '密码',
  loginButton: '登录',
  logout: '退出',
  pinRequired: '请输入密码。',
  amountLabel: '金额',
  amountEmpty: '请输入金额。',
  amountInvalid: '金额请输入数字，例如 12.50。',
  amountTooManyDecimals: '金额最多两位小数（例如 12.50）。',
  amountZero: '金额必须大于 0。',
  amountTooLarge: '金额超过本终端的上限。',
  clear: '清除',
  showQr: '出示收款码',
  scanCode: '扫付款码',
  scanHelp: '用扫码枪扫描顾客的付款码，或手动输入数字。',
  codeLabel: '付款码',
  charge: '收款',
  codeRequired: '请扫描或输入顾客的付款码。',
  cancel: '返回',
  scanToPay: '请扫码付款',
  expiresIn: '{s} 秒后失效',
  expired: '收款码已失效，正在向钱包关单。',
  stateSending: '正在提交钱包…',
  stateWaiting: '等待顾客付款',
  statePaying: '顾客支付中（在手机上确认）',
  stateUnknown: '支付状态未知，正在查询',
  statePaid: '已收款',
  stateFailed: '支付失败',
  stateClosed: '已关闭，未收款',
  stateReversed: '已撤销，未收款',
  queryNow: '立即查询',
  retry: '重试',
  newSale: '下一笔',
  networkError: '服务器无响应。本笔保留原单号，重试不会重复扣款。',
  reconnecting: '实时状态中断，正在重连…',
  loading: '加载中…',
  language: '语言',
  terminalLabel: '终端',
};

const zhHant: Dict = {
  appTitle: '掃碼收銀',
  pairTitle: '綁定本機',
  pairHelp: '貼上終端令牌（term_…），可在 `saoma serve` 的輸出或商戶後台找到。令牌只保存在本機。',
  pairToken: '終端令牌',
  pairButton: '綁定',
  pairBadToken: '終端令牌以 term_ 開頭。',
  unpair: '解除綁定',
  loginTitle: '收銀員登入',
  operator: '收銀員',
  pin: '密碼',
  loginButton: '登入',
  logout: '登出',
  pinRequired: '請輸入密碼。',
  amountLabel: '金額',
  amountEmpty: '請輸入金額。',
  amountInvalid: '金額請輸入數字，例如 12.50。',
  amountTooManyDecimals: '金額最多兩位小數（例如 12.50）。',
  amountZero: '金額必須大於 0。',
  amountTooLarge: '金額超過本終端的上限。',
  clear: '清除',
  showQr: '出示收款碼',
  scanCode: '掃付款碼',
  scanHelp: '用掃碼槍掃描顧客的付款碼，或手動輸入數字。',
  codeLabel: '付款碼',
  charge: '收款',
  codeRequired: '請掃描或輸入顧客的付款碼。',
  cancel: '返回',
  scanToPay: '請掃碼付款',
  expiresIn: '{s} 秒後失效',
  expired: '收款碼已失效，正在向錢包關單。',
  stateSending: '正在提交錢包…',
  stateWaiting: '等待顧客付款',
  statePaying: '顧客支付中（在手機上確認）',
  stateUnknown: '支付狀態未知，正在查詢',
  statePaid: '已收款',
  stateFailed: '支付失敗',
  stateClosed: '已關閉，未收款',
  stateReversed: '已撤銷，未收款',
  queryNow: '立即查詢',
  retry: '重試',
  newSale: '下一筆',
  networkError: '伺服器無回應。本筆保留原單號，重試不會重複扣款。',
  reconnecting: '即時狀態中斷，正在重新連線…',
  loading: '載入中…',
  language: '語言',
  terminalLabel: '終端',
};

export const DICTS: Record<Lang, Dict> = { 'zh-Hans': zhHans, 'zh-Hant': zhHant, en };

/** The browser's preferred language among ours (zh-TW/HK/MO and zh-Hant → Traditional). */
export function pickLang(prefs: readonly string[]): Lang {
  for (const raw of prefs) {
    const tag = raw.toLowerCase();
    if (tag.startsWith('zh')) return /hant|-tw|-hk|-mo/.test(tag) ? 'zh-Hant' : 'zh-Hans';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-Hans';
}

export function translate(lang: Lang, key: Key, vars?: Record<string, string | number>): string {
  let s: string = DICTS[lang][key];
  if (vars) for (const k of Object.keys(vars)) s = s.split(`{${k}}`).join(String(vars[k]));
  return s;
}

const LOCALE_TAG: Record<Lang, string> = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en' };
/** What the API's Accept-Language should say, so its error messages come in the cashier's language. */
export function acceptLanguage(lang: Lang): string {
  return lang === 'zh-Hans' ? 'zh-Hans' : lang === 'zh-Hant' ? 'zh-Hant' : 'en';
}

const formatters = new Map<string, Intl.NumberFormat>();
/** An amount in minor units, per locale: ¥12.50 / CN¥12.50 / CN¥12.50 as Intl spells it. */
export function formatAmount(lang: Lang, minor: number, currency = 'CNY'): string {
  const k = `${lang}|${currency}`;
  let f = formatters.get(k);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE_TAG[lang], { style: 'currency', currency });
    formatters.set(k, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / Math.pow(10, digits));
}
