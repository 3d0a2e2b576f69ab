import type { ReceiptLang } from './model.ts';

type One = 'zh-Hans' | 'zh-Hant' | 'en';

/** The words on our slips. English gives the keys; each language must have them all. */
const en = {
  saleReceipt: 'Sales receipt',
  refundSlip: 'Refund slip',
  kitchenTicket: 'Order ticket',
  shiftReport: 'Shift report',
  dailyReport: 'Daily report',
  date: 'Date',
  salesCount: 'Sales',
  cancelledSales: 'Cancelled',
  gross: 'Taken',
  net: 'Net',
  verificationReceipt: 'Verification receipt',
  qrSlip: 'Scan to pay',
  customerCopy: 'Customer copy',
  merchantCopy: 'Merchant copy',
  store: 'Store',
  terminal: 'Terminal',
  operator: 'Operator',
  time: 'Time',
  saleNo: 'Sale No.',
  item: 'Item',
  qty: 'Qty',
  amount: 'Amount',
  total: 'Total',
  paid: 'Paid',
  tendered: 'Tendered',
  change: 'Change',
  txnNo: 'Txn No.',
  refundNo: 'Refund No.',
  refundAmount: 'Refunded',
  originalAmount: 'Original sale',
  reason: 'Reason',
  gifts: 'Gifts',
  signature: 'Signature',
  verifyAt: 'Check this receipt at',
  verifyCode: 'Verification code',
  opened: 'Opened',
  closed: 'Closed',
  openedBy: 'Opened by',
  closedBy: 'Closed by',
  openingFloat: 'Opening float',
  expectedCash: 'Expected cash',
  countedCash: 'Counted cash',
  difference: 'Difference',
  count: 'Count',
  refunds: 'Refunds',
  thankYou: 'Thank you, see you again!',
  alipay: 'Alipay',
  wechat: 'WeChat Pay',
  unionpay: 'UnionPay',
  qq: 'QQ Wallet',
  cash: 'Cash',
  sandbox: 'Sandbox wallet',
} as const;

export type LabelKey = keyof typeof en;
type Labels = { readonly [K in LabelKey]: string };

const zhHans: Labels = {
  saleReceipt: '收银小票', refundSlip: '退款单', kitchenTicket: '点菜单', shiftReport: '交班报表', dailyReport: '日结报表', date: '日期', salesCount: '销售笔数', cancelledSales: '作废',
  gross: '收款合计', net: '净收', verificationReceipt: '验证收据',
  qrSlip: '扫码付款', customerCopy: '顾客联', merchantCopy: '商户联', store: '门店', terminal: '终端', operator: '收银员',
  time: '时间', saleNo: '单号', item: '商品', qty: '数量', amount: '金额', total: '合计', paid: '实收', tendered: '收现',
  change: '找零', txnNo: '交易号', refundNo: '退款号', refundAmount: '退款金额', originalAmount: '原单金额', reason: '原因',
  gifts: '赠品', signature: '签名', verifyAt: '验证本收据', verifyCode: '验证码', opened: '开班', closed: '交班',
  openedBy: '开班人', closedBy: '交班人', openingFloat: '备用金', expectedCash: '应有现金', countedCash: '实点现金',
  difference: '差额', count: '笔数', refunds: '退款', thankYou: '谢谢惠顾，欢迎再来！', alipay: '支付宝', wechat: '微信支付',
  unionpay: '云闪付', qq: 'QQ钱包', cash: '现金', sandbox: '沙箱钱包',
};

const zhHant: Labels = {
  saleReceipt: '收銀小票', refundSlip: '退款單', kitchenTicket: '點菜單', shiftReport: '交班報表', dailyReport: '日結報表', date: '日期', salesCount: '銷售筆數', cancelledSales: '作廢',
  gross: '收款合計', net: '淨收', verificationReceipt: '驗證收據',
  qrSlip: '掃碼付款', customerCopy: '顧客聯', merchantCopy: '商戶聯', store: '門市', terminal: '終端', operator: '收銀員',
  time: '時間', saleNo: '單號', item: '商品', qty: '數量', amount: '金額', total: '合計', paid: '實收', tendered: '收現',
  change: '找零', txnNo: '交易號', refundNo: '退款號', refundAmount: '退款金額', originalAmount: '原單金額', reason: '原因',
  gifts: '贈品', signature: '簽名', verifyAt: '驗證本收據', verifyCode: '驗證碼', opened: '開班', closed: '交班',
  openedBy: '開班人', closedBy: '交班人', openingFloat: '備用金', expectedCash: '應有現金', countedCash: '實點現金',
  difference: '差額', count: '筆數', refunds: '退款', thankYou: '謝謝惠顧，歡迎再來！', alipay: '支付寶', wechat: '微信支付',
  unionpay: '雲閃付', qq: 'QQ錢包', cash: '現金', sandbox: '沙箱錢包',
};

export const LABELS: Record<One, Labels> = { 'zh-Hans': zhHans, 'zh-Hant': zhHant, en };

/** The labels a template sees as `label.*`: one language, or the Chinese word and the English one. */
export function labelsFor(lang: ReceiptLang): Labels {
  if (lang === 'zh-Hans' || lang === 'zh-Hant' || lang === 'en') return LABELS[lang];
  const zh = LABELS[lang === 'zh-Hans+en' ? 'zh-Hans' : 'zh-Hant'];
  const out = {} as Record<LabelKey, string>;
  for (const k of Object.keys(en) as LabelKey[]) out[k] = `${zh[k]} ${en[k]}`;
  return out;
}

/** A wallet's name on paper; unknown channels print as they are called. */
export function walletName(lang: ReceiptLang, channel: string): string {
  const l = labelsFor(lang) as Record<string, string>;
  return Object.prototype.hasOwnProperty.call(en, channel) ? l[channel]! : channel;
}
