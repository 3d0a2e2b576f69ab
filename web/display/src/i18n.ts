/**
 * Every string the customer display shows, in zh-Hans, zh-Hant and English, as in the POS
 * (web/pos/src/i18n.ts): the English dictionary gives the shape, so a key missing from (or extra in)
 * a translation is a type error. Kept apart from the POS dictionaries so the display's bundle carries
 * only its own words.
 */
import type { Tr } from '../../pos/src/i18n/types.ts';
import { fill, type Lang } from '../../shared/lang.ts';

export { LANGS, LANG_NAMES, pickLang, type Lang } from '../../shared/lang.ts';


const en = {
  title: 'Customer display',
  welcome: 'Welcome',
  welcomeSub: 'Your purchase will show here',
  total: 'Total',
  paidSoFar: 'Paid',
  due: 'To pay',
  line: '{q} × {price}',
  moreLines: 'More lines are on the receipt',
  scanToPay: 'Scan with your wallet app to pay',
  expiresIn: 'Code valid for {time}',
  expired: 'This code has expired; please ask the cashier for a new one',
  processing: 'Processing your payment…',
  paid: 'Paid ✓',
  thanks: 'Thank you!',
  notPaid: 'Payment not completed',
  notPaidHelp: 'Please ask the cashier.',
  cashReceived: 'Cash received',
  change: 'Your change',
  connecting: 'Connecting…',
  live: 'Connected',
  unpaired: 'This screen is not paired with a till. On the POS, open “Customer display” and open its link here.',
  soundOn: 'Sound on',
  soundOff: 'Sound off',
  language: 'Language',
  signTitle: 'Please sign for {amount}',
  signGifts: 'With: {gifts}',
  signClear: 'Clear',
  signDone: 'Done',
  signEmpty: 'Please sign your name in the box first.',
  signFailed: 'The signature was not received; please press Done again.',
  signThanks: 'Thank you — your signed receipt is being printed.',
} as const;

const zhHans: Tr<typeof en> = {
  title: '顾客显示屏',
  welcome: '欢迎光临',
  welcomeSub: '您购买的商品将显示在这里',
  total: '合计',
  paidSoFar: '已付',
  due: '应付',
  line: '{q} × {price}',
  moreLines: '更多商品见小票',
  scanToPay: '请用钱包 App 扫码付款',
  expiresIn: '付款码有效时间 {time}',
  expired: '付款码已过期，请向收银员索取新码',
  processing: '正在处理您的付款…',
  paid: '支付成功 ✓',
  thanks: '谢谢惠顾！',
  notPaid: '付款未完成',
  notPaidHelp: '请咨询收银员。',
  cashReceived: '收您现金',
  change: '找零',
  connecting: '正在连接…',
  live: '已连接',
  unpaired: '此屏幕尚未与收银台配对。请在收银台打开“顾客显示屏”，并在此打开其链接。',
  soundOn: '声音开',
  soundOff: '声音关',
  language: '语言',
  signTitle: '请签名确认 {amount}',
  signGifts: '赠品：{gifts}',
  signClear: '清除',
  signDone: '完成',
  signEmpty: '请先在框内签名。',
  signFailed: '签名没有送达，请再按一次“完成”。',
  signThanks: '谢谢！签名收据正在打印。',
};

const zhHant: Tr<typeof en> = {
  title: '顧客顯示屏',
  welcome: '歡迎光臨',
  welcomeSub: '您購買的商品將顯示在這裡',
  total: '合計',
  paidSoFar: '已付',
  due: '應付',
  line: '{q} × {price}',
  moreLines: '更多商品見收據',
  scanToPay: '請用錢包 App 掃碼付款',
  expiresIn: '付款碼有效時間 {time}',
  expired: '付款碼已過期，請向收銀員索取新碼',
  processing: '正在處理您的付款…',
  paid: '付款成功 ✓',
  thanks: '謝謝惠顧！',
  notPaid: '付款未完成',
  notPaidHelp: '請洽詢收銀員。',
  cashReceived: '收您現金',
  change: '找零',
  connecting: '正在連線…',
  live: '已連線',
  unpaired: '此螢幕尚未與收銀台配對。請在收銀台開啟「顧客顯示屏」，並在此開啟其連結。',
  soundOn: '聲音開',
  soundOff: '聲音關',
  language: '語言',
  signTitle: '請簽名確認 {amount}',
  signGifts: '贈品：{gifts}',
  signClear: '清除',
  signDone: '完成',
  signEmpty: '請先在框內簽名。',
  signFailed: '簽名沒有送達，請再按一次「完成」。',
  signThanks: '謝謝！簽名收據正在列印。',
};

export type Key = keyof typeof en;
export const DICTS: Record<Lang, Tr<typeof en>> = { 'zh-Hans': zhHans, 'zh-Hant': zhHant, en };

export function translate(lang: Lang, key: Key, vars?: Record<string, string | number>): string {
  return fill(DICTS[lang][key], vars);
}


const LOCALE_TAG: Record<Lang, string> = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en' };
const formatters = new Map<string, Intl.NumberFormat>();

/** An amount in minor units as Intl spells it for the language: ¥12.50, CN¥12.50. */
export function formatAmount(lang: Lang, minor: number, currency: string): string {
  const k = `${lang}|${currency}`;
  let f = formatters.get(k);
  if (!f) {
    try {
      f = new Intl.NumberFormat(LOCALE_TAG[lang], { style: 'currency', currency });
    } catch {
      f = new Intl.NumberFormat(LOCALE_TAG[lang], { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    formatters.set(k, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / Math.pow(10, digits));
}
