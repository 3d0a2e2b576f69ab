import { unzipSync } from 'fflate';
import { parseTwoDecimals } from '../../core/money.ts';
import type { StatementLine } from '../channel.ts';

/**
 * Alipay's daily trade bill (`bill_type=trade`), the zip that `bill_download_url` serves: a GBK CSV of
 * every trade and refund of the day (业务明细) and a summary (业务明细(汇总)), each framed by `#` comment
 * lines. Shared by the emulator (which writes it) and the adapter (which reads it), so both agree on one
 * description of the format.
 */

/** The detail file's columns, in Alipay's order. */
export const DETAIL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号',
  '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）',
  '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
] as const;

export const SUMMARY_COLUMNS = [
  '门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）', '商家优惠（元）',
  '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）',
] as const;

export const DETAIL_TITLE = '#支付宝业务明细查询';
export const DETAIL_BEGIN = '#-----------------------------------------业务明细列表----------------------------------------';
export const DETAIL_END = '#-----------------------------------------业务明细列表结束------------------------------------';
export const SUMMARY_TITLE = '#支付宝业务汇总查询';
export const SUMMARY_BEGIN = '#-----------------------------------------业务汇总列表----------------------------------------';
export const SUMMARY_END = '#-----------------------------------------业务汇总列表结束------------------------------------';
export const TRADE = '交易';
export const REFUND = '退款';

/** The bill could not be read as a whole: the day's reconciliation must not run on part of it. */
export class AlipayBillError extends Error {}

/** "-12.34" / "12.34" → signed minor units, exactly; anything else → null. */
export function signedFen(text: string): number | null {
  const neg = text.startsWith('-');
  const v = parseTwoDecimals(neg ? text.slice(1) : text);
  return v === null ? null : neg ? -v : v;
}

/** Unzips the bill and reads the detail file into statement lines; any sign of a damaged file throws. */
export function parseBillZip(zip: Uint8Array): StatementLine[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (e) {
    throw new AlipayBillError(`the Alipay bill is not a readable zip (${(e as Error).message})`);
  }
  // Entry names may be GBK without the UTF-8 flag; the content says which file is which.
  const texts = Object.values(files).map((b) => new TextDecoder('gbk').decode(b));
  const detail = texts.find((t) => t.includes(DETAIL_BEGIN) || t.includes('支付宝交易号,'));
  if (detail === undefined) throw new AlipayBillError('the Alipay bill zip holds no 业务明细 (detail) file');
  return parseDetailCsv(detail);
}

/** The detail CSV (already decoded) → lines. The end marker and the totals line must be there and agree. */
export function parseDetailCsv(text: string): StatementLine[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.startsWith('支付宝交易号,'));
  if (headerAt < 0) throw new AlipayBillError('the Alipay bill has no column header line (支付宝交易号,…)');
  const header = lines[headerAt]!.split(',').map((h) => h.trim());
  const col = (name: (typeof DETAIL_COLUMNS)[number]) => {
    const i = header.indexOf(name);
    if (i < 0) throw new AlipayBillError(`the Alipay bill lacks the column ${name}`);
    return i;
  };
  const c = {
    tradeNo: col('支付宝交易号'), outTradeNo: col('商户订单号'), kind: col('业务类型'), done: col('完成时间'),
    total: col('订单金额（元）'), received: col('商家实收（元）'), requestNo: col('退款批次号/请求号'), fee: col('服务费（元）'),
  };
  const out: StatementLine[] = [];
  let ended = false;
  let totals: { trades: number; refunds: number } | null = null;
  for (let n = headerAt + 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === DETAIL_END || (line.startsWith('#-') && line.includes('业务明细列表结束'))) { ended = true; continue; }
    const t = /^#交易合计：(\d+)笔，退款合计：(\d+)笔/.exec(line);
    if (t) { totals = { trades: Number(t[1]), refunds: Number(t[2]) }; continue; }
    if (line.startsWith('#') || line.trim() === '') continue;
    if (ended) throw new AlipayBillError(`the Alipay bill has data after its end marker (line ${n + 1})`);
    const f = line.split(',').map((v) => v.trim());
    if (f.length !== header.length) throw new AlipayBillError(`the Alipay bill line ${n + 1} has ${f.length} fields, the header ${header.length} (file cut short?)`);
    out.push(toLine(f, c, n + 1));
  }
  if (!ended) throw new AlipayBillError('the Alipay bill ends before its 业务明细列表结束 marker: the file is truncated');
  if (!totals) throw new AlipayBillError('the Alipay bill lacks its #交易合计 totals line');
  const trades = out.filter((l) => l.kind === 'payment').length;
  if (totals.trades !== trades || totals.refunds !== out.length - trades) {
    throw new AlipayBillError(`the Alipay bill says ${totals.trades} trades and ${totals.refunds} refunds but lists ${trades} and ${out.length - trades}`);
  }
  return out;
}

function toLine(f: string[], c: Record<'tradeNo' | 'outTradeNo' | 'kind' | 'done' | 'total' | 'received' | 'requestNo' | 'fee', number>, lineNo: number): StatementLine {
  const money = (i: number, what: string) => {
    const v = signedFen(f[i]!);
    if (v === null) throw new AlipayBillError(`the Alipay bill line ${lineNo} has an unreadable ${what} "${f[i]}"`);
    return v;
  };
  const done = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(f[c.done]!);
  if (!done) throw new AlipayBillError(`the Alipay bill line ${lineNo} has an unreadable 完成时间 "${f[c.done]}"`);
  const base = { outTradeNo: f[c.outTradeNo]!, channelTradeNo: f[c.tradeNo]!, fee: money(c.fee, '服务费'), currency: 'CNY', at: `${done[1]}T${done[2]}+08:00` };
  if (f[c.kind] === TRADE) return { kind: 'payment', ...base, amount: money(c.total, '订单金额') };
  // A refund line: 商家实收 is the money that went back, negative.
  if (f[c.kind] === REFUND) return { kind: 'refund', ...base, outRefundNo: f[c.requestNo]!, amount: Math.abs(money(c.received, '商家实收')) };
  throw new AlipayBillError(`the Alipay bill line ${lineNo} has an unknown 业务类型 "${f[c.kind]}"`);
}
