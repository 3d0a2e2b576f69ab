import type { ReceiptData, ReceiptKind } from './model.ts';

/**
 * The templates a store starts with, one per slip. receiptline markup: `^` doubles the size, `"` bolds,
 * `-` alone is a rule, the slip ends with a cut (a feed on printers without a cutter), `~` is a space,
 * `"text |"` is left-aligned and `"| text"` right-aligned in its column. Blank lines around codes keep
 * the 4-module quiet zone a scanner needs.
 */
const header = `^^{{merchant.name}}
{{store.name}}
{{#store.address}}
{{store.address}}
{{/store.address}}`;

const saleBody = `-
{width:*,20}
{{label.time}} | {{sale.time}}
{{#terminal}}
{{label.terminal}} | {{terminal.name}}
{{/terminal}}
{{#operator}}
{{label.operator}} | {{operator.name}}
{{/operator}}
{width:auto}
{{label.saleNo}} |
{{sale.number}} |
-
{{#sale.hasItems}}
{width:*,4,10}
{{label.item}} | {{label.qty}} | {{label.amount}}
{{#sale.items}}
{{name}} | {{quantity}} | {{total}}
{{/sale.items}}
{width:auto}
-
{{/sale.hasItems}}
^{{label.total}} | ^{{sale.total}}
{{#sale.tenders}}
{{wallet}} | {{amount}}
{{#tendered}}
~~{{label.tendered}} | {{tendered}}
{{/tendered}}
{{#change}}
~~{{label.change}} | {{change}}
{{/change}}
{{#txn}}
~~{{label.txnNo}} |
~~{{txn}} |
{{/txn}}
{{/sale.tenders}}
{{#sale.hasGifts}}
-
{{label.gifts}} |
{{#sale.gifts}}
~~{{name}} | ×{{quantity}}
{{/sale.gifts}}
{{/sale.hasGifts}}`;

export const DEFAULT_TEMPLATES: Record<ReceiptKind, string> = {
  sale: `${header}
"{{label.saleReceipt}}" | {{copy}}
${saleBody}
{{#isMerchantCopy}}
-
{{label.signature}}: |

_~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~_
{{/isMerchantCopy}}
-
{{label.thankYou}}
`,
  refund: `${header}
^"{{label.refundSlip}}"
-
{width:*,20}
{{label.time}} | {{refund.time}}
{{#operator}}
{{label.operator}} | {{operator.name}}
{{/operator}}
{width:auto}
{{label.refundNo}} |
{{refund.number}} |
{{#refund.saleId}}
{{label.saleNo}} |
{{refund.saleId}} |
{{/refund.saleId}}
{{#refund.txn}}
{{label.txnNo}} |
{{refund.txn}} |
{{/refund.txn}}
-
{{label.originalAmount}} | {{refund.original}}
{{refund.wallet}} | {{refund.amount}}
"{{label.refundAmount}} | "{{refund.amount}}
{{#refund.reason}}
{{label.reason}}: {{refund.reason}} |
{{/refund.reason}}
-
{{label.signature}}: |

_~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~_
`,
  kitchen: `^^{{label.kitchenTicket}}
{{sale.number}}
{{sale.time}}
-
{{#sale.items}}
^{{quantity}} × {{name}}
{{/sale.items}}
{{#sale.note}}
-
^{{sale.note}}
{{/sale.note}}
`,
  shift: `^^{{label.shiftReport}}
{{store.name}}
{width:*,20}
{{#terminal}}
{{label.terminal}} | {{terminal.name}}
{{/terminal}}
-
{{label.opened}} | {{shift.opened}}
{{label.openedBy}} | {{shift.openedBy}}
{{#shift.closed}}
{{label.closed}} | {{shift.closed}}
{{/shift.closed}}
{{#shift.closedBy}}
{{label.closedBy}} | {{shift.closedBy}}
{{/shift.closedBy}}
-
{width:*,5,11}
{{#shift.totals}}
{{wallet}} | {{count}} | {{amount}}
~~{{label.refunds}} | | -{{refunded}}
{{/shift.totals}}
{width:*,14}
-
{{label.openingFloat}} | {{shift.float}}
{{label.expectedCash}} | {{shift.expected}}
{{#shift.counted}}
{{label.countedCash}} | {{shift.counted}}
"{{label.difference}} | "{{shift.difference}}
{{/shift.counted}}
{width:auto}
`,
  daily: `^^{{label.dailyReport}}
{{store.name}}
{width:*,14}
{{label.date}} | {{daily.date}}
{{label.salesCount}} | {{daily.sales}}
{{label.cancelledSales}} | {{daily.cancelled}}
-
{width:*,5,12}
{{#daily.totals}}
{{wallet}} | {{count}} | {{amount}}
~~{{label.refunds}} | | -{{refunded}}
{{/daily.totals}}
{width:*,14}
-
{{label.gross}} | {{daily.gross}}
{{label.refunds}} | -{{daily.refunded}}
"{{label.net}} | "{{daily.net}}
{width:auto}
-
{{label.time}} {{time}}
`,
  verification: `${header}
^"{{label.verificationReceipt}}"
${saleBody}
-
{{#verification.signature}}
{{label.signature}}: |
{image:{{verification.signature}}}
{{/verification.signature}}
{{label.verifyCode}}
^"{{verification.code}}"

{code:{{verification.url}}; option:qrcode,6,q}

{{label.verifyAt}}
{{verification.url}}
`,
  qr_slip: `${header}
-
^{{label.qrSlip}}
{{#qr.amount}}
^^{{qr.amount}}
{{/qr.amount}}

{code:{{qr.url}}; option:qrcode,6,q}

{{#qr.title}}
{{qr.title}}
{{/qr.title}}
`,
};

/** A slip's data with every section and optional field present: what templates are checked against. */
export function sampleData(): ReceiptData {
  const at = '2026-11-26T04:30:15.000Z';
  return {
    merchant: { name: '夜市小吃 Night Market', timezone: 'Asia/Shanghai' },
    store: { name: '一号档口 Stall 1', address: '成都市锦江区 1 号' },
    terminal: { name: '前台 Front' },
    operator: { name: '小王 Wang' },
    currency: 'CNY',
    at,
    sale: {
      id: 'sal_0001', number: 'S-20261126-0001', createdAt: at, amount: 4250,
      items: [{ name: '珍珠奶茶 Bubble tea', quantity: 2, unitPrice: 1500 }, { name: '炸鸡 Fried chicken', quantity: 1, unitPrice: 1250 }],
      tenders: [
        { channel: 'cash', amount: 1250, tendered: 2000, change: 750, channelTradeNo: null, outTradeNo: 'POS0001a' },
        { channel: 'wechat', amount: 3000, channelTradeNo: '4200001234202611261234567890', outTradeNo: 'POS0001b' },
      ],
      change: 750,
      gifts: [{ name: '纸巾 Tissues', quantity: 1 }],
      note: '少冰 Less ice',
    },
    refund: { amount: 1500, channel: 'wechat', outRefundNo: 'R0001', reason: '少一杯 One cup short', at, saleId: 'sal_0001', originalAmount: 3000, channelRefundNo: '50300001234' },
    shift: {
      id: 'shf_0001', openedAt: '2026-11-26T01:00:00.000Z', closedAt: at, openedBy: '小王 Wang', closedBy: '老李 Li',
      openingFloat: 20000, expectedCash: 21250, countedCash: 21150,
      totals: [{ channel: 'cash', count: 1, amount: 1250, refunded: 0 }, { channel: 'wechat', count: 1, amount: 3000, refunded: 1500 }],
    },
    daily: { date: '2026-11-26', sales: 42, cancelled: 1, totals: [{ channel: 'cash', count: 12, amount: 48600, refunded: 0 }, { channel: 'wechat', count: 25, amount: 96300, refunded: 1500 }, { channel: 'alipay', count: 6, amount: 21000, refunded: 0 }] },
    verification: { code: 'K7Q2-M9XD', url: 'https://pay.example.com/r/K7Q2M9XD', signaturePng: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=' },
    qr: { url: 'https://pay.example.com/s/k3q9v2m7xw4d', title: '支付宝 微信 云闪付 QQ钱包', amount: 4250 },
  };
}
