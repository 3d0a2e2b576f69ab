import type { Store } from '../store/db.ts';
import { csvBytes, decimal, type CsvEncoding } from '../reports/csv.ts';
import { mismatchView, runView } from './views.ts';
import type { ReconcileRunRow } from '../store/schema.ts';

type Lang = 'en' | 'zh-Hans' | 'zh-Hant';
const L: Record<Lang, Record<string, string>> = {
  en: { title: 'Reconciliation', wallet: 'Wallet', day: 'Day', side: '', bill: 'Bill', ours: 'Our books', payments: 'Payments', amount: 'Amount', refunds: 'Refunds', fees: 'Fees', matched: 'Matched lines', open: 'Open mismatches', holding: 'Holding pool', type: 'Type', direction: 'Direction', trade: 'Trade no.', refund: 'Refund no.', walletAmount: 'Wallet amount', saomaAmount: 'Our amount', walletFee: 'Wallet fee', saomaFee: 'Our fee', delta: 'Difference', state: 'State', resolution: 'Repair' },
  'zh-Hans': { title: '对账结果', wallet: '渠道', day: '账单日', side: '', bill: '渠道账单', ours: '平台账', payments: '支付笔数', amount: '金额', refunds: '退款笔数', fees: '手续费', matched: '一致笔数', open: '未处理差错', holding: '缓冲池', type: '差错类型', direction: '长短款', trade: '订单号', refund: '退款单号', walletAmount: '渠道金额', saomaAmount: '平台金额', walletFee: '渠道手续费', saomaFee: '应收手续费', delta: '差额', state: '状态', resolution: '处理' },
  'zh-Hant': { title: '對帳結果', wallet: '通路', day: '帳單日', side: '', bill: '通路帳單', ours: '平台帳', payments: '支付筆數', amount: '金額', refunds: '退款筆數', fees: '手續費', matched: '一致筆數', open: '未處理差異', holding: '緩衝池', type: '差異類型', direction: '長短款', trade: '訂單號', refund: '退款單號', walletAmount: '通路金額', saomaAmount: '平台金額', walletFee: '通路手續費', saomaFee: '應收手續費', delta: '差額', state: '狀態', resolution: '處理' },
};
const TYPES: Record<Lang, Record<string, string>> = {
  en: { wallet_only: 'Wallet only (long)', not_paid_in_saoma: 'Paid at wallet, unpaid here (long)', saoma_only: 'Ours only (short)', amount: 'Amount differs', fee: 'Fee differs', status: 'Status differs' },
  'zh-Hans': { wallet_only: '长款·平台漏单', not_paid_in_saoma: '长款·状态不符（迟到付款）', saoma_only: '短款·渠道漏单', amount: '金额不符', fee: '手续费不符', status: '状态不符' },
  'zh-Hant': { wallet_only: '長款·平台漏單', not_paid_in_saoma: '長款·狀態不符（遲到付款）', saoma_only: '短款·通路漏單', amount: '金額不符', fee: '手續費不符', status: '狀態不符' },
};
export const mismatchTypeLabel = (lang: Lang, type: string) => TYPES[lang][type] ?? type;

/** The run as a file a bookkeeper can keep: both sides' totals, then every mismatch of the day with its repair. */
export async function runCsv(store: Store, run: ReconcileRunRow, lang: Lang, encoding: CsvEncoding): Promise<Buffer> {
  const t = L[lang];
  const v = runView(run);
  const s = v.summary;
  const rows: Array<Array<string | number | null>> = [
    [t.title!, v.channel, v.day],
    [t.side!, t.payments!, t.amount!, t.refunds!, t.amount!, t.fees!],
    [t.bill!, s?.wallet.payments ?? 0, decimal(s?.wallet.paymentAmount ?? 0), s?.wallet.refunds ?? 0, decimal(s?.wallet.refundAmount ?? 0), decimal(s?.wallet.fees ?? 0)],
    [t.ours!, s?.saoma.payments ?? 0, decimal(s?.saoma.paymentAmount ?? 0), s?.saoma.refunds ?? 0, decimal(s?.saoma.refundAmount ?? 0), ''],
    [t.matched!, s?.matched ?? 0], [t.open!, s?.openCount ?? 0], [t.holding!, s?.holding ?? 0], [],
    [t.type!, t.direction!, t.trade!, t.refund!, t.walletAmount!, t.saomaAmount!, t.walletFee!, t.saomaFee!, t.delta!, t.state!, t.resolution!],
  ];
  const ms = await store.db.selectFrom('reconcile_mismatches').selectAll().where('merchant_id', '=', run.merchant_id).where('channel', '=', run.channel)
    .where('day', '=', run.day).orderBy('created_at').execute();
  const opt = (x: number | null) => (x === null ? '' : decimal(x));
  for (const m of ms.map(mismatchView)) {
    const r = m.resolution && 'side' in m.resolution ? `${m.resolution.action}: ${m.resolution.reason}${m.resolution.evidence ? ` (${m.resolution.evidence})` : ''}` : '';
    rows.push([mismatchTypeLabel(lang, m.type), m.direction === 'long' ? (lang === 'en' ? 'long' : '长款') : m.direction === 'short' ? (lang === 'en' ? 'short' : '短款') : '',
      m.tradeNo, m.refundNo, opt(m.walletAmount), opt(m.saomaAmount), opt(m.walletFee), opt(m.saomaFee), decimal(m.delta), m.state, r]);
  }
  return csvBytes(rows, encoding);
}
