import type { StatementLine } from '../channel.ts';
import { parseTwoDecimals, toDecimalString } from '../../core/money.ts';

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

export function buildBill(rows: BillRow[]): string {
  const lines = [BILL_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push([
      r.time, '', r.mchId, '', r.deviceInfo, r.transactionId, r.outTradeNo, r.openid, r.tradeType, r.state, 'CFT', 'CNY',
      yuan(r.total), '0.00', r.refundId, r.outRefundNo, yuan(r.refund), '0.00', r.refundType, r.refundStatus, r.body, '',
      yuan(r.fee), '0.60%',
    ].map(cell).join(','));
  }
  const paidTotal = rows.filter((r) => r.state === 'SUCCESS').reduce((s, r) => s + r.total, 0);
  const refundTotal = rows.reduce((s, r) => s + r.refund, 0);
  const feeTotal = rows.reduce((s, r) => s + r.fee, 0);
  lines.push(BILL_SUMMARY_COLUMNS.join(','));
  lines.push([String(rows.length), yuan(paidTotal), yuan(refundTotal), '0.00', yuan(feeTotal)].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
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
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== BILL_COLUMNS.join(',')) throw new BillFormatError('the bill does not start with the QQ Wallet header row');
  const summaryAt = lines.indexOf(BILL_SUMMARY_COLUMNS.join(','));
  if (summaryAt < 0 || summaryAt !== lines.length - 2) throw new BillFormatError('the bill has no summary at its end (truncated)');
  const out: StatementLine[] = [];
  let paidTotal = 0;
  let refundTotal = 0;
  for (let i = 1; i < summaryAt; i++) {
    const c = cells(lines[i]!, BILL_COLUMNS.length, `row ${i}`);
    const [time, , , , , transactionId, outTradeNo, , , state] = c;
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(time!);
    if (!m) throw new BillFormatError(`row ${i} time ${JSON.stringify(time)} is not yyyy-MM-dd HH:mm:ss`);
    const at = `${m[1]}T${m[2]}+08:00`;
    const currency = c[11]!;
    const total = fenOf(c[12]!, `row ${i} total`);
    const refund = fenOf(c[16]!, `row ${i} refund`);
    const fee = fenOf(c[22]!, `row ${i} fee`);
    if (state === 'SUCCESS') {
      paidTotal += total;
      out.push({ kind: 'payment', outTradeNo: outTradeNo!, channelTradeNo: transactionId!, amount: total, fee, currency, at });
    } else if (state === 'REFUND') {
      refundTotal += refund;
      out.push({ kind: 'refund', outTradeNo: outTradeNo!, channelTradeNo: transactionId!, ...(c[15] ? { outRefundNo: c[15] } : {}), amount: refund, fee, currency, at });
    } else {
      throw new BillFormatError(`row ${i} has trade state ${JSON.stringify(state)}`);
    }
  }
  const s = cells(lines[summaryAt + 1]!, BILL_SUMMARY_COLUMNS.length, 'the summary');
  if (s[0] !== String(out.length)) throw new BillFormatError(`the summary counts ${s[0]} rows but the bill has ${out.length} (truncated)`);
  if (fenOf(s[1]!, 'summary total') !== paidTotal || fenOf(s[2]!, 'summary refunds') !== refundTotal) {
    throw new BillFormatError('the summary totals disagree with the rows');
  }
  return out;
}
