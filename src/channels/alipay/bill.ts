import { unzipSync } from 'fflate';
import { parseTwoDecimals } from '../../core/money.ts';
import type { StatementLine } from '../channel.ts';
import { columns, readBillText, type BillReader } from '../bill-reader.ts';

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

/** The detail CSV (already decoded) → lines. The end marker and the totals lines must be there and agree. */
export function parseDetailCsv(text: string): StatementLine[] {
  return readBillText(new AlipayBillReader(), text);
}

/** Which zip entry is the detail file (业务明细, not its 汇总 summary), by its name. */
export function isDetailEntry(name: string): boolean {
  return !/汇总|\(summary\)/i.test(name);
}

/**
 * The detail file one line at a time: `#` frame lines, the header (columns found by name; every cell
 * may carry a trailing tab), the rows, the end marker, then `#交易合计：N笔，…` and `#退款合计：M笔，…`,
 * which must agree with the rows read. Trades are matched on 商家实收 (what the merchant received), not
 * the order total; a refund line's 商家实收 is negative (the money that went back).
 */
export class AlipayBillReader implements BillReader {
  private c: Record<'tradeNo' | 'outTradeNo' | 'kind' | 'done' | 'total' | 'received' | 'requestNo' | 'fee', number> | null = null;
  private width = 0;
  private n = 0;
  private ended = false;
  private trades = 0;
  private refunds = 0;
  private said: { trades: number | null; refunds: number | null } = { trades: null, refunds: null };

  line(raw: string): StatementLine | null {
    this.n++;
    const line = raw.replace(/^\uFEFF/, '');
    if (this.c === null) {
      if (!line.startsWith('支付宝交易号')) return null;
      const header = line.split(',').map((h) => h.trim());
      this.width = header.length;
      this.c = columns(header, {
        tradeNo: ['支付宝交易号'], outTradeNo: ['商户订单号'], kind: ['业务类型'], done: ['完成时间'], total: ['订单金额（元）'],
        received: ['商家实收（元）'], requestNo: ['退款批次号/请求号'], fee: ['服务费（元）'],
      }, (name) => new AlipayBillError(`the Alipay bill lacks the column ${name}`));
      return null;
    }
    if (line.startsWith('#')) {
      if (line.includes('业务明细列表结束')) this.ended = true;
      const t = /^#交易合计：(\d+)笔/.exec(line);
      if (t) this.said.trades = Number(t[1]);
      const r = /(?:^#|，)退款合计：(\d+)笔/.exec(line);
      if (r) this.said.refunds = Number(r[1]);
      return null;
    }
    if (line.trim() === '') return null;
    if (this.ended) throw new AlipayBillError(`the Alipay bill has data after its end marker (line ${this.n})`);
    const f = line.split(',').map((v) => v.trim());
    if (f.length !== this.width) throw new AlipayBillError(`the Alipay bill line ${this.n} has ${f.length} fields, the header ${this.width} (file cut short?)`);
    const out = toLine(f, this.c, this.n);
    if (out.kind === 'payment') this.trades++;
    else this.refunds++;
    return out;
  }

  end(): void {
    if (this.c === null) throw new AlipayBillError('the Alipay bill has no column header line (支付宝交易号,…)');
    if (!this.ended) throw new AlipayBillError('the Alipay bill ends before its 业务明细列表结束 marker: the file is truncated');
    if (this.said.trades === null || this.said.refunds === null) throw new AlipayBillError('the Alipay bill lacks its #交易合计 / #退款合计 totals lines');
    if (this.said.trades !== this.trades || this.said.refunds !== this.refunds) {
      throw new AlipayBillError(`the Alipay bill says ${this.said.trades} trades and ${this.said.refunds} refunds but lists ${this.trades} and ${this.refunds}`);
    }
  }
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
  if (f[c.kind] === TRADE) return { kind: 'payment', ...base, amount: money(c.received, '商家实收'), orderAmount: money(c.total, '订单金额') };
  // A refund line: 商家实收 is the money that went back, negative.
  if (f[c.kind] === REFUND) return { kind: 'refund', ...base, outRefundNo: f[c.requestNo]!, amount: Math.abs(money(c.received, '商家实收')) };
  throw new AlipayBillError(`the Alipay bill line ${lineNo} has an unknown 业务类型 "${f[c.kind]}"`);
}
