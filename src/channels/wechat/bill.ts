import type { StatementLine } from '../channel.ts';
import { columns, readBillText, type BillReader } from '../bill-reader.ts';

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

/** One bill line as WeChat writes it. */
export function billLine(r: BillRow): string {
  const refund = r.state === 'REFUND';
  return [
    r.time, r.appId, r.mchId, '0', '', r.transactionId, r.outTradeNo, r.openid, r.tradeType, r.state, 'OTHERS', 'CNY',
    refund ? '0.00' : yuan(r.amount), '0.00', r.refundId ?? '0', r.outRefundNo ?? '0', refund ? yuan(r.amount) : '0.00', '0.00',
    refund ? 'ORIGINAL' : '', refund ? (r.refundStatus ?? 'SUCCESS') : '', r.subject, '', feeYuan(r.fee), '0.60%',
    refund ? '0.00' : yuan(r.amount), refund ? yuan(r.amount) : '0.00', '',
  ].map(cell).join(',');
}

/** The summary header and line after the rows: count, settled, refunded, fees. */
export function billSummary(t: { rows: number; settle: number; refunded: number; fees: number }): string[] {
  return [SUMMARY_COLUMNS.join(','), [String(t.rows), yuan(t.settle), yuan(t.refunded), '0.00', feeYuan(t.fees), yuan(t.settle), yuan(t.refunded)].map(cell).join(',')];
}

export function formatBill(rows: BillRow[]): string {
  const t = { rows: rows.length, settle: 0, refunded: 0, fees: 0 };
  for (const r of rows) {
    if (r.state === 'REFUND') t.refunded += r.amount; else t.settle += r.amount;
    t.fees += r.fee;
  }
  return `${[BILL_COLUMNS.join(','), ...rows.map(billLine), ...billSummary(t)].join('\r\n')}\r\n`;
}

/** Yuan text with up to `places` decimals → fen, half away from zero beyond the second decimal. No floats. */
const YUAN = new Map<number, RegExp>();
export function yuanToFen(text: string, places = 2): number {
  let re = YUAN.get(places);
  if (!re) YUAN.set(places, re = new RegExp(`^(-?)(\\d{1,13})\\.(\\d{2})(\\d{0,${Math.max(0, places - 2)}})$`));
  const m = re.exec(text);
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
  return readBillText(new WechatBillReader(), text);
}

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

type Cols = Record<'time' | 'txn' | 'out' | 'state' | 'currency' | 'settle' | 'outRefund' | 'refund' | 'refundStatus' | 'fee', number>;

/**
 * The bill one line at a time, columns found by header name (the 2016 layout had 总金额 where today's has
 * 应结订单金额). A payment is matched on 应结订单金额 (what is settled to the merchant: the total less
 * 免充值 coupons), a refund on 退款金额; the fee has five decimals. The summary must follow the rows
 * and agree with them.
 */
export class WechatBillReader implements BillReader {
  private header: string[] | null = null;
  private c: Cols | null = null;
  private total = -1;
  private summaryHeader: string[] | null = null;
  private summary: string[] | null = null;
  private rows = 0;
  private settle = 0;
  private refunded = 0;

  line(raw: string): StatementLine | null {
    const line = raw.replace(/^\uFEFF/, '');
    if (line.trim() === '') return null;
    if (this.header === null) {
      this.header = line.split(',');
      this.c = columns(this.header, {
        time: ['交易时间'], txn: ['微信订单号'], out: ['商户订单号'], state: ['交易状态'], currency: ['货币种类'], settle: ['应结订单金额', '总金额'],
        outRefund: ['商户退款单号'], refund: ['退款金额'], refundStatus: ['退款状态'], fee: ['手续费'],
      }, (name) => new BillError(`bill has no ${name} column`));
      this.total = this.header.indexOf('订单金额');
      return null;
    }
    if (this.summary) throw new BillError('bill has lines after its summary');
    if (this.summaryHeader) {
      this.summary = cells(line);
      return null;
    }
    if (line.startsWith(SUMMARY_COLUMNS[0])) {
      this.summaryHeader = line.split(',');
      return null;
    }
    // Only the columns we read lose their backtick: a bill has 27, we need 10.
    const f = line.split(',');
    const c = this.c!;
    if (f.length !== this.header.length) throw new BillError(`bill line has ${f.length} fields, header ${this.header.length}`);
    const v = (i: number): string => { const x = f[i]!; return x.charCodeAt(0) === 96 ? x.slice(1) : x; };
    const time = v(c.time);
    if (time.length !== 19 || time.charCodeAt(10) !== 32 || !TIME.test(time)) throw new BillError(`bad 交易时间 ${time}`);
    const at = `${time.slice(0, 10)}T${time.slice(11)}+08:00`;
    const fee = yuanToFen(v(c.fee), 5);
    this.rows++;
    if (v(c.state) === 'REFUND') {
      const amount = yuanToFen(v(c.refund));
      this.refunded += amount;
      return { kind: 'refund', outTradeNo: v(c.out), channelTradeNo: v(c.txn), outRefundNo: v(c.outRefund), amount, fee, currency: v(c.currency), at };
    }
    const amount = yuanToFen(v(c.settle));
    this.settle += amount;
    return {
      kind: 'payment', outTradeNo: v(c.out), channelTradeNo: v(c.txn), amount, fee, currency: v(c.currency), at,
      ...(this.total >= 0 ? { orderAmount: yuanToFen(v(this.total)) } : {}),
    };
  }

  end(): void {
    if (!this.header) throw new BillError('bill is empty');
    if (!this.summaryHeader || !this.summary) throw new BillError('bill is truncated: no summary line');
    const sum = (names: string[]): string => {
      const i = names.map((n) => this.summaryHeader!.indexOf(n)).find((x) => x >= 0);
      if (i === undefined || this.summary![i] === undefined) throw new BillError(`bill summary has no ${names[0]}`);
      return this.summary![i]!;
    };
    if (Number(sum(['总交易单数'])) !== this.rows) throw new BillError(`bill summary counts ${sum(['总交易单数'])} lines, the file has ${this.rows}`);
    if (yuanToFen(sum(['应结订单总金额', '总交易额'])) !== this.settle || yuanToFen(sum(['退款总金额', '总退款金额'])) !== this.refunded) throw new BillError('bill summary totals disagree with its lines');
  }
}
