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
}

/** Alipay's 当面付 rate, 0.6 %, rounded half up to the fen (integers only). */
export function serviceFee(fen: number): number {
  return Math.floor((fen * 6 + 500) / 1000);
}

const yuan = (fen: number) => toDecimalString({ minor: fen, currency: 'CNY' });
/** ISO → `yyyy-MM-dd HH:mm:ss` in GMT+8. */
const beijing = (iso: string) => beijingText(new Date(iso));
const cnDate = (d: string) => `${d.slice(0, 4)}年${d.slice(5, 7)}月${d.slice(8, 10)}日`;

/**
 * The day's bill zip as Alipay serves it (GBK CSVs, values followed by a tab so spreadsheets keep long
 * numbers as text), bent by the `billAnomaly` fault: a trade left out, an extra trade nobody made, a
 * wrong amount, or the detail file cut short.
 */
export function buildBillZip(opts: { pid: string; date: string; entries: BillEntry[]; anomaly: Faults['billAnomaly'] }): { name: string; zip: Uint8Array } {
  const entries = [...opts.entries];
  const firstTrade = entries.findIndex((e) => e.kind === 'trade');
  if (opts.anomaly === 'missing' && firstTrade >= 0) entries.splice(firstTrade, 1);
  if (opts.anomaly === 'amount' && firstTrade >= 0) {
    const e = entries[firstTrade]!;
    entries[firstTrade] = { ...e, total: e.total + 1, amount: e.amount + 1 };
  }
  if (opts.anomaly === 'extra') {
    const at = `${opts.date}T04:00:00.000Z`;
    entries.push({ kind: 'trade', tradeNo: `${opts.date.replace(/-/g, '')}22001499999999999999`, outTradeNo: `EXTRA${opts.date.replace(/-/g, '')}0001`, subject: 'unknown', createdAt: at, doneAt: at, total: 1234, amount: 1234 });
  }
  const rows = entries.map((e) => {
    const fee = serviceFee(e.amount);
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
  });
  const trades = entries.filter((e) => e.kind === 'trade');
  const refunds = entries.filter((e) => e.kind === 'refund');
  const next = new Date(Date.parse(`${opts.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const exported = `#导出时间：[${cnDate(beijing(new Date().toISOString()))} ${beijing(new Date().toISOString()).slice(11)}]`;
  const head = (title: string) => [title, `#账号：[${opts.pid}]`, `#起始日期：[${cnDate(opts.date)} 00:00:00]   终止日期：[${cnDate(next)} 00:00:00]`];
  let detail = [...head(DETAIL_TITLE), DETAIL_BEGIN, DETAIL_COLUMNS.join(','), ...rows, DETAIL_END,
    `#交易合计：${trades.length}笔，退款合计：${refunds.length}笔`, exported, ''].join('\r\n');
  if (opts.anomaly === 'truncated') detail = detail.slice(0, detail.indexOf(DETAIL_END) - 7);
  const received = trades.reduce((s, e) => s + e.amount, 0) - refunds.reduce((s, e) => s + e.amount, 0);
  const fees = trades.reduce((s, e) => s + serviceFee(e.amount), 0) - refunds.reduce((s, e) => s + serviceFee(e.amount), 0);
  const summary = [...head(SUMMARY_TITLE), SUMMARY_BEGIN, SUMMARY_COLUMNS.join(','),
    ['', '合计', trades.length, refunds.length, yuan(trades.reduce((s, e) => s + e.total, 0)), yuan(received), '0.00', '0.00', '0.00', yuan(fees), '0.00', yuan(received - fees)].join(','),
    SUMMARY_END, exported, ''].join('\r\n');
  const stem = `${opts.pid}_${opts.date.replace(/-/g, '')}`;
  const zip = zipSync({
    [`${stem}_业务明细.csv`]: iconv.encode(detail, 'gbk'),
    [`${stem}_业务明细(汇总).csv`]: iconv.encode(summary, 'gbk'),
  });
  return { name: `${stem}.csv.zip`, zip };
}
