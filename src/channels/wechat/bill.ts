import type { StatementLine } from '../channel.ts';

/**
 * WeChat Pay's trade bill (对账单, v2 `/pay/downloadbill` bill_type=ALL): a CSV-like text file, one header
 * line, one line per payment or refund with every field prefixed by a backtick (so spreadsheets keep long
 * numbers as text), then a summary header and one summary line. Amounts in yuan with two decimals; the fee
 * column with five. The emulator writes it with `formatBill`; the adapter reads it with `parseBill`.
 */
export const BILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态', '付款银行',
  '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态', '商品名称',
  '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;
export const SUMMARY_COLUMNS = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'] as const;

export interface BillRow {
  /** `yyyy-MM-dd HH:mm:ss`, Beijing time. */
  time: string;
  appId: string;
  mchId: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  tradeType: string;
  /** SUCCESS for a payment line, REFUND for a refund line. */
  state: 'SUCCESS' | 'REFUND';
  /** Fen: the payment's amount (on a refund line, the refund's). */
  amount: number;
  refundId?: string;
  outRefundNo?: string;
  refundStatus?: string;
  subject: string;
  /** Fen, negative on refund lines (fee given back). */
  fee: number;
}

export class BillError extends Error {}

const yuan = (fen: number): string => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
const feeYuan = (fen: number): string => `${yuan(fen)}000`;
const cell = (v: string): string => `\`${v.replace(/[,`\r\n]/g, ' ')}`;

export function formatBill(rows: BillRow[]): string {
  const lines = [BILL_COLUMNS.join(',')];
  let settle = 0; let refunded = 0; let fees = 0;
  for (const r of rows) {
    const refund = r.state === 'REFUND';
    if (refund) refunded += r.amount; else settle += r.amount;
    fees += r.fee;
    lines.push([
      r.time, r.appId, r.mchId, '0', '', r.transactionId, r.outTradeNo, r.openid, r.tradeType, r.state, 'OTHERS', 'CNY',
      refund ? '0.00' : yuan(r.amount), '0.00', r.refundId ?? '0', r.outRefundNo ?? '0', refund ? yuan(r.amount) : '0.00', '0.00',
      refund ? 'ORIGINAL' : '', refund ? (r.refundStatus ?? 'SUCCESS') : '', r.subject, '', feeYuan(r.fee), '0.60%',
      refund ? '0.00' : yuan(r.amount), refund ? yuan(r.amount) : '0.00', '',
    ].map(cell).join(','));
  }
  lines.push(SUMMARY_COLUMNS.join(','));
  lines.push([String(rows.length), yuan(settle), yuan(refunded), '0.00', feeYuan(fees), yuan(settle), yuan(refunded)].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Yuan text with up to `places` decimals → fen, half away from zero beyond the second decimal. No floats. */
export function yuanToFen(text: string, places = 2): number {
  const m = new RegExp(`^(-?)(\\d{1,13})\\.(\\d{2})(\\d{0,${Math.max(0, places - 2)}})$`).exec(text);
  if (!m) throw new BillError(`"${text}" is not a yuan amount`);
  const rest = m[4] ?? '';
  let fen = Number(m[2]) * 100 + Number(m[3]);
  if (rest !== '' && Number(rest[0]) >= 5) fen += 1;
  return m[1] === '-' ? -fen : fen;
}

function cells(line: string): string[] {
  return line.split(',').map((c) => (c.startsWith('`') ? c.slice(1) : c));
}

/**
 * Reads a bill into statement lines and checks it against its own summary line: a file cut short, or whose
 * summary disagrees with its lines, is refused (BillError) rather than half-read.
 */
export function parseBill(text: string): StatementLine[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new BillError(`bill has no ${name} column`);
    return i;
  };
  const c = {
    time: col('交易时间'), txn: col('微信订单号'), out: col('商户订单号'), state: col('交易状态'), currency: col('货币种类'),
    settle: col('应结订单金额'), refundId: col('微信退款单号'), outRefund: col('商户退款单号'), refund: col('退款金额'),
    refundStatus: col('退款状态'), fee: col('手续费'),
  };
  const total = header.indexOf('订单金额');
  const applied = header.indexOf('申请退款金额');
  const summaryAt = lines.findIndex((l) => l.startsWith(SUMMARY_COLUMNS[0]));
  if (summaryAt < 0 || summaryAt + 1 >= lines.length) throw new BillError('bill is truncated: no summary line');
  const summaryHeader = lines[summaryAt]!.split(',');
  const summary = cells(lines[summaryAt + 1]!);
  const sum = (name: string): string => {
    const i = summaryHeader.indexOf(name);
    if (i < 0 || summary[i] === undefined) throw new BillError(`bill summary has no ${name}`);
    return summary[i]!;
  };
  const out: StatementLine[] = [];
  let settle = 0; let refunded = 0;
  for (const line of lines.slice(1, summaryAt)) {
    const f = cells(line);
    if (f.length !== header.length) throw new BillError(`bill line has ${f.length} fields, header ${header.length}`);
    const tm = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(f[c.time]!);
    if (!tm) throw new BillError(`bad 交易时间 ${f[c.time]}`);
    const at = `${tm[1]}T${tm[2]}+08:00`;
    const fee = yuanToFen(f[c.fee]!, 5);
    if (f[c.state] === 'REFUND') {
      const amount = yuanToFen(applied >= 0 && f[applied] !== '0.00' ? f[applied]! : f[c.refund]!);
      refunded += yuanToFen(f[c.refund]!);
      out.push({ kind: 'refund', outTradeNo: f[c.out]!, channelTradeNo: f[c.txn]!, outRefundNo: f[c.outRefund]!, amount, fee, currency: f[c.currency]!, at });
    } else {
      settle += yuanToFen(f[c.settle]!);
      const amount = yuanToFen(total >= 0 ? f[total]! : f[c.settle]!);
      out.push({ kind: 'payment', outTradeNo: f[c.out]!, channelTradeNo: f[c.txn]!, amount, fee, currency: f[c.currency]!, at });
    }
  }
  if (Number(sum('总交易单数')) !== out.length) throw new BillError(`bill summary counts ${sum('总交易单数')} lines, the file has ${out.length}`);
  if (yuanToFen(sum('应结订单总金额')) !== settle || yuanToFen(sum('退款总金额')) !== refunded) throw new BillError('bill summary totals disagree with its lines');
  return out;
}
