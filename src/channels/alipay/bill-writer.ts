import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { toDecimalString } from '../../core/money.ts';
import type { Faults } from '../emulator-faults.ts';
import {
  DETAIL_BEGIN, DETAIL_COLUMNS, DETAIL_END, DETAIL_TITLE, REFUND, SUMMARY_BEGIN, SUMMARY_COLUMNS, SUMMARY_END, SUMMARY_TITLE, TRADE,
} from './bill.ts';
import { beijingText } from '../china-time.ts';

/** One money movement in the emulator's books, as the bill lists it. */
export interface BillEntry {
  kind: 'trade' | 'refund';
  tradeNo: string;
  outTradeNo: string;
  subject: string;
  /** ISO instants. */
  createdAt: string;
  doneAt: string;
  /** The trade's amount, fen. */
  total: number;
  /** Trade: what was paid; refund: what went back (positive), fen. */
  amount: number;
  /** The refund's out_request_no. */
  requestNo?: string;
  /** The fee as the wallet charged it (positive; given back on a refund); Alipay's rate when left out. */
  fee?: number;
}

/** Alipay's 当面付 rate, 0.6 %, rounded half up to the fen (integers only). */
export function serviceFee(fen: number): number {
  return Math.floor((fen * 6 + 500) / 1000);
}

const yuan = (fen: number) => toDecimalString({ minor: fen, currency: 'CNY' });
/** ISO → `yyyy-MM-dd HH:mm:ss` in GMT+8. */
const beijing = (iso: string) => beijingText(new Date(iso));
const cnDate = (d: string) => `${d.slice(0, 4)}年${d.slice(5, 7)}月${d.slice(8, 10)}日`;

/** One detail row as Alipay writes it (GBK-safe text; every value followed by a tab). */
export function detailRow(e: BillEntry): string {
  const fee = e.fee ?? serviceFee(e.amount);
  const v: Record<(typeof DETAIL_COLUMNS)[number], string> = Object.fromEntries(DETAIL_COLUMNS.map((c) => [c, ''])) as never;
  Object.assign(v, {
    '支付宝交易号': e.tradeNo, '商户订单号': e.outTradeNo, '业务类型': e.kind === 'trade' ? TRADE : REFUND, '商品名称': e.subject.replace(/[,\r\n]/g, ' '),
    '创建时间': beijing(e.createdAt), '完成时间': beijing(e.doneAt), '对方账户': '159****5620',
    '订单金额（元）': yuan(e.total), '商家实收（元）': yuan(e.kind === 'trade' ? e.amount : -e.amount),
    '支付宝红包（元）': '0.00', '集分宝（元）': '0.00', '支付宝优惠（元）': '0.00', '商家优惠（元）': '0.00', '券核销金额（元）': '0.00',
    '商家红包消费金额（元）': '0.00', '卡消费金额（元）': '0.00', '退款批次号/请求号': e.requestNo ?? '',
    // The fee is charged on a trade and given back (negative) on a refund.
    '服务费（元）': yuan(e.kind === 'trade' ? fee : -fee), '分润（元）': '0.00',
  });
  return DETAIL_COLUMNS.map((c) => `${v[c]}\t`).join(',');
}

const headOf = (title: string, pid: string, date: string) => {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return [title, `#账号：[${pid}]`, `#起始日期：[${cnDate(date)} 00:00:00]   终止日期：[${cnDate(next)} 00:00:00]`];
};
const exportedAt = () => `#导出时间：[${cnDate(beijing(new Date().toISOString()))} ${beijing(new Date().toISOString()).slice(11)}]`;

/** The detail file's opening lines, up to and including the column header. */
export function detailHead(pid: string, date: string): string[] {
  return [...headOf(DETAIL_TITLE, pid, date), DETAIL_BEGIN, DETAIL_COLUMNS.join(',')];
}

/** The detail file's closing lines, with the totals as Alipay writes them (counts, 商家实收, 商家优惠). */
export function detailTail(t: { trades: number; tradeFen: number; refunds: number; refundFen: number }): string[] {
  return [DETAIL_END, `#交易合计：${t.trades}笔，商家实收共${yuan(t.tradeFen)}元，商家优惠共0.00元`,
    `#退款合计：${t.refunds}笔，商家实收退款共${yuan(-t.refundFen)}元，商家优惠退款共0.00元`, exportedAt(), ''];
}

/**
 * The day's bill zip as Alipay serves it (GBK CSVs, values followed by a tab so spreadsheets keep long
 * numbers as text), bent by the `billAnomaly` fault: a trade left out, an extra trade nobody made, a
 * wrong amount, a wrong fee, or the detail file cut short ("midnight" is applied by the emulator, which
 * knows the neighbouring days).
 */
export function buildBillZip(opts: { pid: string; date: string; entries: BillEntry[]; anomaly: Faults['billAnomaly'] }): { name: string; zip: Uint8Array } {
  const entries = [...opts.entries];
  const firstTrade = entries.findIndex((e) => e.kind === 'trade');
  if (opts.anomaly === 'missing' && firstTrade >= 0) entries.splice(firstTrade, 1);
  if (opts.anomaly === 'amount' && firstTrade >= 0) {
    const e = entries[firstTrade]!;
    entries[firstTrade] = { ...e, total: e.total + 1, amount: e.amount + 1 };
  }
  if (opts.anomaly === 'fee' && firstTrade >= 0) {
    const e = entries[firstTrade]!;
    entries[firstTrade] = { ...e, fee: (e.fee ?? serviceFee(e.amount)) + 5 };
  }
  if (opts.anomaly === 'extra') {
    const at = `${opts.date}T04:00:00.000Z`;
    entries.push({ kind: 'trade', tradeNo: `${opts.date.replace(/-/g, '')}22001499999999999999`, outTradeNo: `EXTRA${opts.date.replace(/-/g, '')}0001`, subject: 'unknown', createdAt: at, doneAt: at, total: 1234, amount: 1234 });
  }
  const trades = entries.filter((e) => e.kind === 'trade');
  const refunds = entries.filter((e) => e.kind === 'refund');
  const sum = (xs: BillEntry[]) => xs.reduce((s, e) => s + e.amount, 0);
  let detail = [...detailHead(opts.pid, opts.date), ...entries.map(detailRow),
    ...detailTail({ trades: trades.length, tradeFen: sum(trades), refunds: refunds.length, refundFen: sum(refunds) })].join('\r\n');
  if (opts.anomaly === 'truncated') detail = detail.slice(0, detail.indexOf(DETAIL_END) - 7);
  const received = sum(trades) - sum(refunds);
  const feeOf = (e: BillEntry) => e.fee ?? serviceFee(e.amount);
  const fees = trades.reduce((s, e) => s + feeOf(e), 0) - refunds.reduce((s, e) => s + feeOf(e), 0);
  const summary = [...headOf(SUMMARY_TITLE, opts.pid, opts.date), SUMMARY_BEGIN, SUMMARY_COLUMNS.join(','),
    ['', '合计', trades.length, refunds.length, yuan(trades.reduce((s, e) => s + e.total, 0)), yuan(received), '0.00', '0.00', '0.00', yuan(fees), '0.00', yuan(received - fees)].join(','),
    SUMMARY_END, exportedAt(), ''].join('\r\n');
  const stem = `${opts.pid}_${opts.date.replace(/-/g, '')}`;
  const zip = zipSync({
    [`${stem}_业务明细.csv`]: iconv.encode(detail, 'gbk'),
    [`${stem}_业务明细(汇总).csv`]: iconv.encode(summary, 'gbk'),
  });
  return { name: `${stem}.csv.zip`, zip };
}
