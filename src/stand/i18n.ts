import type { Locale } from '../core/messages.ts';

/** What the stand's pages say, in the customer's language. Pure data. */
export interface StandText {
  title: string;
  payTo: (merchant: string) => string;
  amount: (currency: string) => string;
  pay: string;
  paying: string;
  chooseWallet: string;
  otherApp: string;
  notOffered: (wallet: string) => string;
  /** A wallet that can only be paid from inside its own app (WeChat JSAPI). */
  scanWithApp: (wallet: string) => string;
  noWallets: string;
  invalidAmount: string;
  overLimit: string;
  tryAgain: string;
  openInWechat: string;
  waiting: string;
  checking: string;
  paid: string;
  failed: string;
  closed: string;
  cancelled: string;
  backToStand: string;
  trouble: string;
}

export const WALLET_NAMES: Record<string, Record<Locale, string>> = {
  alipay: { 'zh-Hans': '支付宝', 'zh-Hant': '支付寶', en: 'Alipay' },
  wechat: { 'zh-Hans': '微信支付', 'zh-Hant': '微信支付', en: 'WeChat Pay' },
  unionpay: { 'zh-Hans': '云闪付', 'zh-Hant': '雲閃付', en: 'UnionPay QuickPass' },
  qq: { 'zh-Hans': 'QQ钱包', 'zh-Hant': 'QQ錢包', en: 'QQ Wallet' },
  sandbox: { 'zh-Hans': '沙箱钱包', 'zh-Hant': '沙盒錢包', en: 'Sandbox wallet' },
};

export function walletName(channel: string, locale: Locale): string {
  return WALLET_NAMES[channel]?.[locale] ?? channel;
}

export const STAND_TEXT: Record<Locale, StandText> = {
  'zh-Hans': {
    title: '扫码付款',
    payTo: (m) => `付款给 ${m}`,
    amount: (c) => `付款金额（${c === 'CNY' ? '元' : c}）`,
    pay: '付款',
    paying: '正在下单…',
    chooseWallet: '请选择付款方式',
    otherApp: '请用支付宝、微信、云闪付或 QQ 扫码；也可以在下面选择钱包。',
    notOffered: (w) => `本店暂不支持${w}，请换用下面的方式付款。`,
    scanWithApp: (w) => `用${w}付款：请打开${w}扫一扫，扫这个码。`,
    noWallets: '本店暂未开通扫码付款，请向店员付款。',
    invalidAmount: '请输入正确的金额，例如 12.50',
    overLimit: '金额超过该付款方式的单笔限额，请分开付款或换一种方式。',
    tryAgain: '暂时无法付款，请稍后再试。',
    openInWechat: '请用微信扫码付款。',
    waiting: '等待付款…',
    checking: '正在确认付款结果…',
    paid: '付款成功',
    failed: '付款未成功',
    closed: '订单已关闭，未扣款',
    cancelled: '已取消付款',
    backToStand: '重新付款',
    trouble: '出了点问题，请稍后再试或向店员付款。',
  },
  'zh-Hant': {
    title: '掃碼付款',
    payTo: (m) => `付款給 ${m}`,
    amount: (c) => `付款金額（${c === 'CNY' ? '元' : c}）`,
    pay: '付款',
    paying: '正在下單…',
    chooseWallet: '請選擇付款方式',
    otherApp: '請用支付寶、微信、雲閃付或 QQ 掃碼；也可以在下方選擇錢包。',
    notOffered: (w) => `本店暫不支援${w}，請改用下方的方式付款。`,
    scanWithApp: (w) => `用${w}付款：請打開${w}掃一掃，掃這個碼。`,
    noWallets: '本店尚未開通掃碼付款，請向店員付款。',
    invalidAmount: '請輸入正確的金額，例如 12.50',
    overLimit: '金額超過此付款方式的單筆限額，請分開付款或改用其他方式。',
    tryAgain: '暫時無法付款，請稍後再試。',
    openInWechat: '請用微信掃碼付款。',
    waiting: '等待付款…',
    checking: '正在確認付款結果…',
    paid: '付款成功',
    failed: '付款未成功',
    closed: '訂單已關閉，未扣款',
    cancelled: '已取消付款',
    backToStand: '重新付款',
    trouble: '發生了一點問題，請稍後再試或向店員付款。',
  },
  en: {
    title: 'Scan to pay',
    payTo: (m) => `Pay ${m}`,
    amount: (c) => `Amount (${c === 'CNY' ? '¥' : c})`,
    pay: 'Pay',
    paying: 'Creating the order…',
    chooseWallet: 'Choose how to pay',
    otherApp: 'Scan with Alipay, WeChat, UnionPay QuickPass or QQ, or pick a wallet below.',
    notOffered: (w) => `This shop does not take ${w}; please pay another way below.`,
    scanWithApp: (w) => `To pay with ${w}, scan this code with the ${w} app.`,
    noWallets: 'This shop does not take QR payments yet; please pay at the counter.',
    invalidAmount: 'Enter an amount like 12.50',
    overLimit: 'This amount is over the limit for this wallet; split it or pay another way.',
    tryAgain: 'Payment is not possible right now; please try again shortly.',
    openInWechat: 'Please scan this code with WeChat.',
    waiting: 'Waiting for payment…',
    checking: 'Checking the payment…',
    paid: 'Paid',
    failed: 'Payment did not go through',
    closed: 'Order closed, nothing was charged',
    cancelled: 'Payment cancelled',
    backToStand: 'Pay again',
    trouble: 'Something went wrong; please try again or pay at the counter.',
  },
};

/** Every language at once, for pages shown before we know who is reading (404, printed stand). */
export const TRILINGUAL = {
  scanToPay: '扫码付款 · 掃碼付款 · Scan to pay',
  notFound: ['找不到这个收款码，请向店员确认。', '找不到這個收款碼，請向店員確認。', 'This payment code is not in use; please ask at the counter.'],
  trouble: ['出了点问题，请稍后再试或向店员付款。', '發生了一點問題，請稍後再試或向店員付款。', 'Something went wrong; please try again or pay at the counter.'],
} as const;
