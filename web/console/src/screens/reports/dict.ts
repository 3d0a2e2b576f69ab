import { defineDict } from '../../dict.ts';

/** The words of the reports pages (charts, sales, daily report) in three languages. */
export const reportsDict = defineDict({
  tabOverview: 'Takings', tabSales: 'Sales', tabDaily: 'Daily report',
  day: 'Day', week: 'Week', month: 'Month', date: 'Date', store: 'Store', allStores: 'All stores', today: 'Today', yesterday: 'Yesterday',
  taken: 'Taken', payments: 'Payments', refunds: 'Refunds', net: 'Net', fees: 'Fees (wallet rates)', avgTicket: 'Average ticket', cash: 'Cash', wallets: 'Wallets',
  perHour: 'Takings per hour', perDay: 'Takings per day', perWallet: 'Per wallet', perStore: 'Per store', perTerminal: 'Per terminal',
  cashVsWallets: 'Cash against wallets', name: 'Name', count: 'Count', amount: 'Amount', exportCsv: 'Export CSV (Excel)', exportGbk: 'CSV for older Excel (GB18030)',
  loading: 'Loading…', none: 'Nothing taken in this period.', time: 'Time', state: 'State', total: 'Total', paid: 'Paid', description: 'Description', more: 'More',
  dailyTitle: 'Daily report (日结)', sales: 'Sales', wallet: 'Wallet', print: 'Print preview', chartOf: 'Chart: {what}',
}, {
  tabOverview: '营业概况', tabSales: '销售记录', tabDaily: '日结',
  day: '日', week: '周', month: '月', date: '日期', store: '门店', allStores: '全部门店', today: '今天', yesterday: '昨天',
  taken: '收款', payments: '笔数', refunds: '退款', net: '净收入', fees: '手续费（按渠道费率）', avgTicket: '客单价', cash: '现金', wallets: '电子钱包',
  perHour: '每小时收款', perDay: '每日收款', perWallet: '按支付方式', perStore: '按门店', perTerminal: '按终端',
  cashVsWallets: '现金与电子钱包', name: '名称', count: '笔数', amount: '金额', exportCsv: '导出 CSV（Excel）', exportGbk: '旧版 Excel 用 CSV（GB18030）',
  loading: '加载中…', none: '这段时间没有收款。', time: '时间', state: '状态', total: '应收', paid: '已收', description: '说明', more: '更多',
  dailyTitle: '日结报表', sales: '销售笔数', wallet: '支付方式', print: '打印预览', chartOf: '图表：{what}',
}, {
  tabOverview: '營業概況', tabSales: '銷售紀錄', tabDaily: '日結',
  day: '日', week: '週', month: '月', date: '日期', store: '門市', allStores: '全部門市', today: '今天', yesterday: '昨天',
  taken: '收款', payments: '筆數', refunds: '退款', net: '淨收入', fees: '手續費（依通路費率）', avgTicket: '客單價', cash: '現金', wallets: '電子錢包',
  perHour: '每小時收款', perDay: '每日收款', perWallet: '依支付方式', perStore: '依門市', perTerminal: '依終端',
  cashVsWallets: '現金與電子錢包', name: '名稱', count: '筆數', amount: '金額', exportCsv: '匯出 CSV（Excel）', exportGbk: '舊版 Excel 用 CSV（GB18030）',
  loading: '載入中…', none: '這段時間沒有收款。', time: '時間', state: '狀態', total: '應收', paid: '已收', description: '說明', more: '更多',
  dailyTitle: '日結報表', sales: '銷售筆數', wallet: '支付方式', print: '列印預覽', chartOf: '圖表：{what}',
});

export const WALLET_NAMES: Record<string, Record<'en' | 'zh-Hans' | 'zh-Hant', string>> = {
  alipay: { en: 'Alipay', 'zh-Hans': '支付宝', 'zh-Hant': '支付寶' },
  wechat: { en: 'WeChat Pay', 'zh-Hans': '微信支付', 'zh-Hant': '微信支付' },
  unionpay: { en: 'UnionPay', 'zh-Hans': '云闪付', 'zh-Hant': '雲閃付' },
  qq: { en: 'QQ Wallet', 'zh-Hans': 'QQ钱包', 'zh-Hant': 'QQ錢包' },
  cash: { en: 'Cash', 'zh-Hans': '现金', 'zh-Hant': '現金' },
  sandbox: { en: 'Sandbox', 'zh-Hans': '沙箱', 'zh-Hant': '沙盒' },
};
