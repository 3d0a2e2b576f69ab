import { csvBytes, decimal, type CsvEncoding } from './csv.ts';
import type { ReportSummaryT } from './summary.ts';

type Lang = 'en' | 'zh-Hans' | 'zh-Hant';
const L: Record<Lang, Record<string, string>> = {
  en: { report: 'Sales report', period: 'Period', from: 'From', to: 'To', section: 'Section', key: 'Item', count: 'Count', amount: 'Amount', refunds: 'Refunds', fees: 'Fees', totals: 'Totals', gross: 'Taken', net: 'Net', avg: 'Average ticket', cash: 'Cash', wallets: 'Wallets', time: 'Time', channel: 'Wallet', store: 'Store', terminal: 'Terminal', day: 'day', week: 'week', month: 'month' },
  'zh-Hans': { report: '营业报表', period: '周期', from: '开始', to: '结束', section: '分类', key: '项目', count: '笔数', amount: '金额', refunds: '退款', fees: '手续费', totals: '合计', gross: '收款', net: '净收入', avg: '客单价', cash: '现金', wallets: '电子钱包', time: '时段', channel: '支付方式', store: '门店', terminal: '终端', day: '日', week: '周', month: '月' },
  'zh-Hant': { report: '營業報表', period: '週期', from: '開始', to: '結束', section: '分類', key: '項目', count: '筆數', amount: '金額', refunds: '退款', fees: '手續費', totals: '合計', gross: '收款', net: '淨收入', avg: '客單價', cash: '現金', wallets: '電子錢包', time: '時段', channel: '支付方式', store: '門市', terminal: '終端', day: '日', week: '週', month: '月' },
};

/** The report object as CSV rows: the same numbers the charts draw, in decimal yuan. */
export function summaryCsv(r: ReportSummaryT, lang: Lang, encoding: CsvEncoding): Buffer {
  const t = L[lang];
  const rows: Array<Array<string | number>> = [
    [t.report!, t[r.period]!, r.date], [t.from!, r.from, t.to!, r.to], [],
    [t.section!, t.key!, t.count!, t.amount!, t.refunds!, t.fees!],
    [t.totals!, t.gross!, r.totals.count, decimal(r.totals.gross), decimal(r.totals.refunds), decimal(r.totals.fees)],
    [t.totals!, t.net!, '', decimal(r.totals.net), '', ''],
    [t.totals!, t.avg!, '', decimal(r.totals.averageTicket), '', ''],
    [t.totals!, t.cash!, '', decimal(r.totals.cash), '', ''],
    [t.totals!, t.wallets!, '', decimal(r.totals.wallets), '', ''],
  ];
  for (const b of r.buckets) rows.push([t.time!, b.key, b.count, decimal(b.amount), decimal(b.refunds), '']);
  for (const [label, list] of [[t.channel!, r.byChannel], [t.store!, r.byStore], [t.terminal!, r.byTerminal]] as const) {
    for (const g of list) rows.push([label, g.name, g.count, decimal(g.amount), decimal(g.refunds), decimal(g.fees)]);
  }
  return csvBytes(rows, encoding);
}
