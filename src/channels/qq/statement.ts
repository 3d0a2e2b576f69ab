import type { StatementLine } from '../channel.ts';
import { parseTwoDecimals, toDecimalString } from '../../core/money.ts';
import { columns, readBillText, type BillReader } from '../bill-reader.ts';

/**
 * The QQ Wallet transaction bill (qpay_mch_statement_down.cgi, `bill_type=ALL`): the WeChat-style text
 * file — a header row, one row per trade or refund with every value prefixed by a backquote (so
 * spreadsheets keep long numbers as text), then a summary header and a summary row. Amounts are yuan
 * with two decimals. Built by the emulator and read by the adapter, so both agree on one layout.
 */
export const BILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '子商户号', '设备号', 'QQ钱包订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '总金额', '代金券或立减优惠金额', 'QQ钱包退款单号', '商户退款单号', '退款金额',
  '代金券或立减优惠退款金额', '退款类型', '退款状态', '商品名称', '商户数据包', '手续费', '费率',
] as const;
export const BILL_SUMMARY_COLUMNS = ['总交易单数', '总交易额', '总退款金额', '总代金券或立减优惠退款金额', '手续费总金额'] as const;

/** One row as the wallet writes it (amounts in fen here; the file carries yuan). */
export interface BillRow {
  /** `yyyy-MM-dd HH:mm:ss`, Beijing time. */
  time: string;
  mchId: string;
  deviceInfo: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  tradeType: string;
  /** SUCCESS for a payment row, REFUND for a refund or reversal row. */
  state: 'SUCCESS' | 'REFUND';
  total: number;
  refundId: string;
  outRefundNo: string;
  refund: number;
  refundType: string;
  refundStatus: string;
  body: string;
  /** Fee in fen; negative on refund rows (fee given back). */
  fee: number;
}

const yuan = (fen: number) => toDecimalString({ minor: fen, currency: 'CNY' });
const cell = (v: string) => `\`${v.replace(/[,\r\n`]/g, ' ')}`;

/** The 0.6 % fee, rounded half up in integer fen. */
export function qqFee(fen: number): number {
  return Math.floor((fen * 6 + 500) / 1000);
}

/** One bill row as QQ Wallet writes it. */
export function billRow(r: BillRow): string {
  return [
    r.time, '', r.mchId, '', r.deviceInfo, r.transactionId, r.outTradeNo, r.openid, r.tradeType, r.state, 'CFT', 'CNY',
    yuan(r.total), '0.00', r.refundId, r.outRefundNo, yuan(r.refund), '0.00', r.refundType, r.refundStatus, r.body, '',
    yuan(r.fee), '0.60%',
  ].map(cell).join(',');
}

/** The summary header and row: rows, paid total, refunds, fees. */
export function billSummary(t: { rows: number; paid: number; refunded: number; fees: number }): string[] {
  return [BILL_SUMMARY_COLUMNS.join(','), [String(t.rows), yuan(t.paid), yuan(t.refunded), '0.00', yuan(t.fees)].map(cell).join(',')];
}

export function buildBill(rows: BillRow[]): string {
  const paid = rows.filter((r) => r.state === 'SUCCESS').reduce((s, r) => s + r.total, 0);
  const refunded = rows.reduce((s, r) => s + r.refund, 0);
  const fees = rows.reduce((s, r) => s + r.fee, 0);
  return `${[BILL_COLUMNS.join(','), ...rows.map(billRow), ...billSummary({ rows: rows.length, paid, refunded, fees })].join('\r\n')}\r\n`;
}

export class BillFormatError extends Error {}

/** A signed yuan amount ("-0.07" for a fee given back) in fen; anything else is a format error. */
function fenOf(text: string, what: string): number {
  const neg = text.startsWith('-');
  const v = parseTwoDecimals(neg ? text.slice(1) : text);
  if (v === null) throw new BillFormatError(`${what} ${JSON.stringify(text)} is not a yuan amount`);
  return neg ? -v : v;
}

function cells(line: string, width: number, where: string): string[] {
  const parts = line.split(',');
  if (parts.length !== width) throw new BillFormatError(`${where} has ${parts.length} columns, expected ${width} (truncated or malformed bill)`);
  return parts.map((p) => (p.startsWith('`') ? p.slice(1) : p));
}

/**
 * The bill as statement lines. Refuses a file that is cut short or does not add up (no summary, a row
 * count or total that disagrees with the rows): a partial bill read as whole would hide trades.
 */
export function parseStatement(text: string): StatementLine[] {
  return readBillText(new QqBillReader(), text);
}

/** The bill one line at a time; columns by header name; the summary must close it and agree. */
export class QqBillReader implements BillReader {
  private width = 0;
  private c: Record<'time' | 'txn' | 'out' | 'state' | 'currency' | 'total' | 'outRefund' | 'refund' | 'fee', number> | null = null;
  private n = 0;
  private inSummary = false;
  private summary: string[] | null = null;
  private rows = 0;
  private paidTotal = 0;
  private refundTotal = 0;

  line(raw: string): StatementLine | null {
    const line = raw.replace(/^\uFEFF/, '');
    if (line === '') return null;
    this.n++;
    if (this.c === null) {
      const header = line.split(',');
      if (header[0] !== '交易时间') throw new BillFormatError('the bill does not start with the QQ Wallet header row');
      this.width = header.length;
      this.c = columns(header, {
        time: ['交易时间'], txn: ['QQ钱包订单号'], out: ['商户订单号'], state: ['交易状态'], currency: ['货币种类'], total: ['总金额'],
        outRefund: ['商户退款单号'], refund: ['退款金额'], fee: ['手续费'],
      }, (name) => new BillFormatError(`the bill has no ${name} column`));
      return null;
    }
    if (this.summary) throw new BillFormatError('the bill has rows after its summary');
    if (this.inSummary) {
      this.summary = cells(line, BILL_SUMMARY_COLUMNS.length, 'the summary');
      return null;
    }
    if (line === BILL_SUMMARY_COLUMNS.join(',')) {
      this.inSummary = true;
      return null;
    }
    const i = this.n - 1;
    const c = cells(line, this.width, `row ${i}`);
    const k = this.c;
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(c[k.time]!);
    if (!m) throw new BillFormatError(`row ${i} time ${JSON.stringify(c[k.time])} is not yyyy-MM-dd HH:mm:ss`);
    const at = `${m[1]}T${m[2]}+08:00`;
    const fee = fenOf(c[k.fee]!, `row ${i} fee`);
    this.rows++;
    const base = { outTradeNo: c[k.out]!, channelTradeNo: c[k.txn]!, fee, currency: c[k.currency]!, at };
    if (c[k.state] === 'SUCCESS') {
      const total = fenOf(c[k.total]!, `row ${i} total`);
      this.paidTotal += total;
      return { kind: 'payment', ...base, amount: total };
    }
    if (c[k.state] === 'REFUND') {
      const refund = fenOf(c[k.refund]!, `row ${i} refund`);
      this.refundTotal += refund;
      return { kind: 'refund', ...base, ...(c[k.outRefund] ? { outRefundNo: c[k.outRefund] } : {}), amount: refund };
    }
    throw new BillFormatError(`row ${i} has trade state ${JSON.stringify(c[k.state])}`);
  }

  end(): void {
    if (this.c === null) throw new BillFormatError('the bill does not start with the QQ Wallet header row');
    if (!this.summary) throw new BillFormatError('the bill has no summary at its end (truncated)');
    const s = this.summary;
    if (s[0] !== String(this.rows)) throw new BillFormatError(`the summary counts ${s[0]} rows but the bill has ${this.rows} (truncated)`);
    if (fenOf(s[1]!, 'summary total') !== this.paidTotal || fenOf(s[2]!, 'summary refunds') !== this.refundTotal) {
      throw new BillFormatError('the summary totals disagree with the rows');
    }
  }
}
